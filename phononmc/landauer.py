"""Landauer formula for the thermal boundary conductance G(T) (W m⁻² K⁻¹).

    G(T) = Σ_j ∫ (1/4) ħω D_1j(ω) v_1j(ω) α_{1→2,j}(ω) ∂n/∂T dω,
    α_{1→2,j}(ω) = ∫_0^1 τ_j(ω, μ) 2μ dμ                     (Swartz & Pohl 1989, Eq. 19)

with D v = k²/2π² per branch (see `dispersion`). The models for α (amm, dmm, mixed,
ziman, soffer) are registered in `phononmc.models`; models with a specular (AMM) part
need Debye branches.

A model with the phenomenological inelastic channel (`Model.inelastic`,
`transmission.inelastic`) adds G_inel = Σ_j ∫ (1/4) ħω D_1j v_1j ā_1j ∂n/∂T dω from side 1, and
from side 2 the same integral over medium 2 with its acceptance min(c, 1 − τ_el,21); the
constant c(T) makes the two equal (`inelastic_channel`), so detailed balance holds for the
total G as for the elastic part.

Detailed balance makes G from side 1 equal G from side 2 (``side=2``). These G refer to
emitted-phonon temperatures; ``temperature="equilibrium"`` converts to the G a
measurement of far-field equilibrium temperatures gives, G_eq = G / (1 − (τ̄_12 + τ̄_21)/2)
(Simons, J. Phys. C 7, 4048 (1974); Zeng & Chen, J. Heat Transfer 123, 340 (2001)),
τ̄_ab = G / G_emit,a the energy-weighted mean transmission from side a.
"""

from __future__ import annotations

import math

import numpy as np

from phononmc.constants import HBAR, K_B
from phononmc.dispersion import DISPERSIONS, branches
from phononmc.materials import Material
from scipy.optimize import brentq

from phononmc.models import Model, acceptance_spectrum, parse_model, transmission_spectrum
from phononmc.quadrature import occupation_weight, split_gauss_cosine, thermal_frequency_nodes
from phononmc.transmission import dmm
from phononmc.transmission.inelastic import Channel
from phononmc.validation import invalid

TEMPERATURES = ("emitted", "equilibrium")
#: Quadrature nodes per frequency piece between cutoffs.
N_OMEGA = 48
#: (π² k_B⁴ / 30ħ³), the low-temperature prefactor of G/T³ (W m⁻⁴ K⁻⁴ s²... × 1/v²).
LOWT_PREFACTOR = math.pi**2 * K_B**4 / (30.0 * HBAR**3)


def _check_pair(m1, m2, model: Model, dispersion: str):
    for label, m in (("m1", m1), ("m2", m2)):
        if not isinstance(m, Material):
            raise ValueError(f"{label} = {m!r} is not a Material; use phononmc.material('Si') or phononmc.Material(...)")
    if dispersion not in DISPERSIONS:
        raise ValueError(f"dispersion = {dispersion!r} is not known; valid: {', '.join(DISPERSIONS)}")
    if model.needs_debye and dispersion != "debye":
        raise ValueError(
            f"model {model} needs dispersion = 'debye': the AMM is a continuum (long-wave) theory "
            "and is defined here only with Debye branches; use model = 'dmm' for the sine dispersion"
        )


def _check_temperatures(T) -> np.ndarray:
    T = np.asarray(T, dtype=float)
    if T.size == 0 or np.any(~np.isfinite(T)) or np.any(T <= 0.0):
        raise ValueError(f"T = {np.ravel(T)[:5]!r} K is invalid; temperatures must be finite and > 0 K")
    return T


def _modes(m, omega, per_branch, dispersion: str) -> np.ndarray:
    """Σ_j D_j v_j x_j (m⁻²) over the branches j of m; per_branch shape (n_branches, *omega.shape)."""
    dv = np.stack([b.dos_velocity(omega) for b in branches(m, dispersion)])
    return (dv * per_branch).sum(axis=0)


def _flux_spectrum(m1, m2, omega, model: Model, dispersion: str) -> np.ndarray:
    """Σ_j D_1j v_1j α_1j (m⁻²): modes per area transmitted elastically, shape of omega."""
    return _modes(m1, omega, transmission_spectrum(m1, m2, omega, model, dispersion), dispersion)


def _inelastic_spectrum(m1, m2, omega, model: Model, amplitude, exponent: float, dispersion: str) -> np.ndarray:
    """Σ_j D_1j v_1j ā_1j (m⁻²): modes per area the inelastic channel takes from m1, shape of omega;
    ā with τ = amplitude (ω/ω_ref)^exponent (amplitude broadcasts against omega)."""
    acceptance = acceptance_spectrum(m1, m2, model, omega, amplitude, exponent, model.inelastic.omega_ref, dispersion)
    return _modes(m1, omega, acceptance, dispersion)


def _cutoffs(*media, dispersion="debye"):
    return [b.omega_cutoff for m in media for b in branches(m, dispersion)]


def _thermal_integral(spectrum, T, breaks, delta_T=0.0, part="full"):
    """∫ (1/4) ħω spectrum(ω) w(ω) dω at each T, w = ∂n/∂T or [n(T+ΔT/2) − n(T−ΔT/2)]/ΔT
    (or half of that difference, `part`; see `quadrature.occupation_weight`)."""
    T = _check_temperatures(T)
    delta_T = float(delta_T)
    if not (math.isfinite(delta_T) and 0.0 <= delta_T < 2.0 * T.min()):
        raise ValueError(f"delta_T = {delta_T!r} K is invalid; it must be >= 0 and below 2 min(T) = {2 * T.min():g} K")
    omega, weight = thermal_frequency_nodes(T.ravel() + 0.5 * delta_T, breaks, N_OMEGA)
    occupation = occupation_weight(T.reshape(-1, 1), delta_T, part)
    f = spectrum(omega) * 0.25 * HBAR * omega * occupation(omega)
    return (f * weight).sum(axis=1).reshape(T.shape)


def conductance(m1, m2, T, model="amm", p=None, side=1, dispersion="debye", temperature="emitted", delta_T=0.0,
                part="full"):
    """Thermal boundary conductance G(T) (W m⁻² K⁻¹) of the m1|m2 interface.

    Parameters
    ----------
    m1, m2 : Material (medium 1 at z < 0, medium 2 at z > 0).
    T : temperature(s) (K), scalar or array; the result has its shape.
    model : "amm", "dmm", "mixed" (with p) or "mixed(p=0.3)".
    side : 1 or 2 — integrate the phonons emitted by medium 1 or by medium 2 (equal by
        detailed balance; the choice is a check).
    dispersion : "debye" or "sine".
    temperature : "emitted" (Landauer, emitted-phonon temperatures) or "equilibrium"
        (far-field equilibrium temperatures, as measured).
    delta_T : finite temperature difference (K): G = Q / ΔT between T ± ΔT/2, with
        n(T+ΔT/2) − n(T−ΔT/2) in place of ΔT ∂n/∂T; 0 is linear response.
    part : with delta_T > 0, "upper" or "lower" integrates only the half-difference
        n(T+ΔT/2) − n(T) or n(T) − n(T−ΔT/2) (per ΔT/2) that one side of a two-sided
        deviational Monte Carlo emits; "full" (default) is the whole difference.
    """
    model = parse_model(model, p)
    _check_pair(m1, m2, model, dispersion)
    if side not in (1, 2):
        raise ValueError(f"side = {side!r} is invalid; valid: 1 (phonons from m1) or 2 (from m2)")
    if temperature not in TEMPERATURES:
        raise ValueError(f"temperature = {temperature!r} is invalid; valid: {', '.join(TEMPERATURES)}")
    a, b = (m1, m2) if side == 1 else (m2, m1)
    g = _thermal_integral(lambda w: _flux_spectrum(a, b, w, model, dispersion), T,
                          _cutoffs(a, b, dispersion=dispersion), delta_T, part)
    if model.inelastic is not None:
        g = g + inelastic_conductance(m1, m2, T, model, side, dispersion, delta_T, part)
    if temperature == "equilibrium":
        g = g * equilibrium_factor(m1, m2, T, model, dispersion=dispersion, g=g)
    return g


def emission_conductance(m, T, dispersion="debye"):
    """G_emit(T) = Σ_j ∫ (1/4) ħω D_j v_j ∂n/∂T dω (W m⁻² K⁻¹): every phonon of m transmitted.

    The 'phonon black body' of one medium; at low T it is (π² k_B⁴ /30ħ³) Σ_j T³/v_j².
    """
    return _thermal_integral(lambda w: dmm.flux_density(m, w, dispersion), T, _cutoffs(m, dispersion=dispersion))


def radiation_limit(m1, m2, T, dispersion="debye"):
    """Phonon radiation limit ∫ (1/4) ħω min(M_1, M_2) ∂n/∂T dω (W m⁻² K⁻¹).

    Detailed balance, Σ_j D_1j v_1j α_1j = Σ_j D_2j v_2j α_2j ≤ min(M_1, M_2), makes this an
    upper bound on G for any elastic model (Swartz & Pohl 1989, §IV.D).
    """
    return _thermal_integral(
        lambda w: np.minimum(dmm.flux_density(m1, w, dispersion), dmm.flux_density(m2, w, dispersion)),
        T, _cutoffs(m1, m2, dispersion=dispersion))


def mean_transmission(m1, m2, T, model="amm", p=None, dispersion="debye", g=None):
    """Energy-weighted mean transmissions (τ̄_12, τ̄_21) = (G / G_emit,1, G / G_emit,2) at T.

    With the inelastic channel G is the total: τ̄ is the fraction of the emitted energy that
    crosses, elastically or not (the two-temperature conversion only needs that fraction).
    """
    if g is None:
        g = conductance(m1, m2, T, model, p, dispersion=dispersion)
    return g / emission_conductance(m1, T, dispersion), g / emission_conductance(m2, T, dispersion)


def equilibrium_factor(m1, m2, T, model="amm", p=None, dispersion="debye", g=None):
    """G_eq / G = 1 / (1 − (τ̄_12 + τ̄_21)/2): from emitted-phonon to equilibrium temperatures.

    Infinite for identical media under the AMM (no interface, no temperature jump).
    """
    t12, t21 = mean_transmission(m1, m2, T, model, p, dispersion, g)
    deficit = 1.0 - 0.5 * (t12 + t21)
    with np.errstate(divide="ignore"):  # deficit within round-off of 0: a transparent interface
        return np.where(deficit > 1e-12, 1.0 / np.maximum(deficit, 1e-300), np.inf)


def lowT_coefficient(m1, m2, model="dmm", p=None, dispersion="debye"):
    """G/T³ as T → 0 (W m⁻² K⁻⁴), closed form: (π² k_B⁴ / 30ħ³) Σ_j Γ_1j / v_1j².

    Γ_1j is the hemispherical transmission of branch j in the long-wave limit (ω → 0, all
    channels open). Holds for both dispersions, which share the long-wave velocities.

    With the inelastic channel, thermal phonons have ω ∝ T, so τ_inel ∝ T^(q+m): for q + m > 0
    it vanishes (Γ unchanged), for q + m < 0 it diverges (Γ_1j + ā_1j = 1: every phonon
    crosses), for q = m = 0 it is A (Γ_1j + ∫ min(A, 1 − τ_el,j) 2μ dμ at ω → 0). q + m = 0 with
    m ≠ 0 leaves a frequency dependence in the limit that has no such closed form: an error.
    Also an error if medium 2 cannot carry the channel in the limit.
    """
    model = parse_model(model, p)
    _check_pair(m1, m2, model, dispersion)
    zero = np.zeros(1)
    gamma = transmission_spectrum(m1, m2, zero, model, dispersion)[:, 0]
    ch = model.inelastic
    if ch is not None:
        if ch.q + ch.m == 0.0 and ch.m != 0.0:
            raise invalid("inelastic.m", ch.m, f"lowT_coefficient needs q + m != 0 or q = m = 0 (here q = {ch.q:g}): "
                                              "with q = -m the low-T G/T^3 depends on the whole spectrum of tau_inel")
        amplitude = ch.A if ch.q == ch.m == 0.0 else (0.0 if ch.q + ch.m > 0.0 else np.inf)

        def per_T3(a, b, amp):  # Σ_j ā_aj(0) / v_aj² at the long-wave limit
            acc = acceptance_spectrum(a, b, model, zero, amp, 0.0, ch.omega_ref, dispersion)[:, 0]
            return sum(x / br.velocity**2 for x, br in zip(acc, branches(a)))

        _check_capacity(per_T3(m1, m2, amplitude), per_T3(m2, m1, 1.0), model, m1, m2, "as T -> 0")
        gamma = gamma + acceptance_spectrum(m1, m2, model, zero, amplitude, 0.0, ch.omega_ref, dispersion)[:, 0]
    return LOWT_PREFACTOR * sum(g / b.velocity**2 for g, b in zip(gamma, branches(m1)))


def classical_limit(m1, m2, model="amm", p=None, dispersion="debye", side=1):
    """High-temperature limit of G (W m⁻² K⁻¹): ∂n/∂T → k_B/ħω, G_∞ = (k_B/4) ∫ Σ_j D_1j v_1j α_1j dω.

    With the inelastic channel the frequencies stay below the cutoffs while T → ∞, so
    τ_inel → 0 (q < 0), A (ω/ω_ref)^m (q = 0) or ∞ (q > 0: a = 1 − τ_el, every phonon of
    medium 1 crosses); side 2 uses the constant c of that limit. An error if medium 2 cannot
    carry the channel in the limit.
    """
    model = parse_model(model, p)
    _check_pair(m1, m2, model, dispersion)
    if side not in (1, 2):
        raise ValueError(f"side = {side!r} is invalid; valid: 1 (phonons from m1) or 2 (from m2)")
    a, b = (m1, m2) if side == 1 else (m2, m1)
    omega, weight = split_gauss_cosine([0.0, *_cutoffs(a, b, dispersion=dispersion)], N_OMEGA)
    g = 0.25 * K_B * float((_flux_spectrum(a, b, omega, model, dispersion) * weight).sum())
    ch = model.inelastic
    if ch is None:
        return g

    def classical(a, b, amplitude, exponent):  # (k_B/4) ∫ Σ_j D_aj v_aj ā_aj dω
        return 0.25 * K_B * float((_inelastic_spectrum(a, b, omega, model, amplitude, exponent, dispersion)
                                   * weight).sum())

    amplitude = ch.A if ch.q == 0.0 else (0.0 if ch.q < 0.0 else np.inf)
    g_inel = classical(m1, m2, amplitude, ch.m)
    if side == 1:
        _check_capacity(g_inel, classical(m2, m1, 1.0, 0.0), model, m1, m2, "in the classical limit")
        return g + g_inel
    c = _side2_constant(lambda c: classical(m2, m1, c, 0.0), g_inel, model, m1, m2, "in the classical limit")
    return g + classical(m2, m1, c, 0.0)


# --------------------------------------------------------------------------- the inelastic channel


def _inelastic_model(m1, m2, model, dispersion) -> Model:
    model = parse_model(model)
    _check_pair(m1, m2, model, dispersion)
    if model.inelastic is None:
        raise ValueError(f"model {model} has no inelastic channel; give Model(kind, inelastic={{'A': 0.2, ...}})")
    return model


def _check_capacity(g_inel: float, top: float, model: Model, m1, m2, where: str) -> None:
    """ValueError naming A when G_inel exceeds top = G_emit,2 − G_el, what medium 2 can return."""
    if g_inel > top * (1.0 + 1e-12):  # beyond round-off: medium 2 cannot carry the channel
        raise invalid("inelastic.A", model.inelastic.A,
                      f"the inelastic channel is too strong for {m1.name} | {m2.name} {where}: medium 1 sends "
                      f"G_inel = {g_inel:.4g} but medium 2 can return at most G_emit,2 - G_el = {top:.4g} "
                      "(all of its emission that does not cross elastically), so detailed balance fails; "
                      "lower A (or q, m), or swap the media")


def _side2_constant(capacity, g_inel: float, model: Model, m1, m2, where: str) -> float:
    """The constant c in [0, 1] with capacity(c) = g_inel, capacity(c) = ∫F_2 ā_2(c) (increasing in c,
    constant for c >= 1, where a_2 = 1 − τ_el,21 everywhere). An error naming A if g_inel > capacity(1)."""
    if g_inel == 0.0:
        return 0.0
    top = capacity(1.0)
    _check_capacity(g_inel, top, model, m1, m2, where)
    if g_inel >= top:
        return 1.0
    return brentq(lambda c: capacity(c) - g_inel, 0.0, 1.0, xtol=1e-15, rtol=1e-13)


def inelastic_channel(m1, m2, T, model, dispersion="debye") -> Channel:
    """The inelastic channel of `model` at one temperature T (K): side 1's amplitude A (T/T_ref)^q
    and exponent m, side 2's constant c (exponent 0), ω_ref and G_inel (W m⁻² K⁻¹).

    G_inel = Σ_j ∫ (1/4) ħω D_1j v_1j ā_1j ∂n/∂T dω; c solves Σ_j ∫ (1/4) ħω D_2j v_2j ā_2j(c) ∂n/∂T dω
    = G_inel (brentq on [0, 1]; linear response at T, also for runs with a finite ΔT).
    ValueError naming A if medium 2 cannot carry G_inel.
    """
    model = _inelastic_model(m1, m2, model, dispersion)
    T = _check_temperatures(T)
    if T.size != 1:
        raise ValueError(f"T = {np.ravel(T)[:5]!r} K: the channel is for one temperature at a time")
    T = float(T.ravel()[0])
    ch = model.inelastic
    breaks = _cutoffs(m1, m2, dispersion=dispersion)
    amplitude = float(ch.amplitude(T))

    def emitted(a, b, amp, exponent):
        return float(_thermal_integral(lambda w: _inelastic_spectrum(a, b, w, model, amp, exponent, dispersion),
                                       T, breaks))

    g_inel = emitted(m1, m2, amplitude, ch.m)
    c = _side2_constant(lambda c: emitted(m2, m1, c, 0.0), g_inel, model, m1, m2, f"at T = {T:g} K")
    return Channel(T, (amplitude, c), (ch.m, 0.0), ch.omega_ref, g_inel)


def inelastic_conductance(m1, m2, T, model, side=1, dispersion="debye", delta_T=0.0, part="full"):
    """G_inel(T) (W m⁻² K⁻¹): the part of G the inelastic channel of `model` carries.

    side 1: Σ_j ∫ (1/4) ħω D_1j v_1j ā_1j w dω with τ = A (T/T_ref)^q (ω/ω_ref)^m; side 2: the same
    over medium 2 with τ = c(T) (`inelastic_channel`). Equal at delta_T = 0 (detailed balance);
    w as in `conductance` (delta_T, part). ValueError naming A where medium 2 cannot carry the
    channel (checked from either side).
    """
    model = _inelastic_model(m1, m2, model, dispersion)
    if side not in (1, 2):
        raise ValueError(f"side = {side!r} is invalid; valid: 1 (phonons from m1) or 2 (from m2)")
    T = _check_temperatures(T)
    ch = model.inelastic
    breaks = _cutoffs(m1, m2, dispersion=dispersion)
    if side == 2:
        c = np.array([inelastic_channel(m1, m2, t, model, dispersion).amplitude[1] for t in T.ravel()])
        return _thermal_integral(lambda w: _inelastic_spectrum(m2, m1, w, model, c[:, None], 0.0, dispersion),
                                 T, breaks, delta_T, part)
    amplitude = ch.amplitude(T).reshape(-1, 1)

    def sent(delta_T, part):
        return _thermal_integral(lambda w: _inelastic_spectrum(m1, m2, w, model, amplitude, ch.m, dispersion),
                                 T, breaks, delta_T, part)

    g = sent(delta_T, part)
    g_linear = g if delta_T == 0.0 else sent(0.0, "full")  # detailed balance is checked in linear response
    top = _thermal_integral(lambda w: _inelastic_spectrum(m2, m1, w, model, 1.0, 0.0, dispersion), T, breaks)
    for t, g_t, top_t in zip(T.ravel(), np.ravel(g_linear), np.ravel(top)):
        _check_capacity(g_t, top_t, model, m1, m2, f"at T = {t:g} K")
    return g


def inelastic_fraction(m1, m2, T, model, dispersion="debye"):
    """G_inel / G: the fraction of the heat (emitted-phonon temperatures, linear response) that
    crosses inelastically; shape of T."""
    model = _inelastic_model(m1, m2, model, dispersion)
    return inelastic_conductance(m1, m2, T, model, 1, dispersion) / conductance(m1, m2, T, model, dispersion=dispersion)
