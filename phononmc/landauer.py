"""Landauer formula for the thermal boundary conductance G(T) (W m⁻² K⁻¹).

    G(T) = Σ_j ∫ (1/4) ħω D_1j(ω) v_1j(ω) α_{1→2,j}(ω) ∂n/∂T dω,
    α_{1→2,j}(ω) = ∫_0^1 τ_j(ω, μ) 2μ dμ                     (Swartz & Pohl 1989, Eq. 19)

with D v = k²/2π² per branch (see `dispersion`). The models for α (amm, dmm, mixed,
ziman, soffer) are registered in `phononmc.models`; models with a specular (AMM) part
need Debye branches.

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
from phononmc.models import Model, parse_model, transmission_spectrum
from phononmc.quadrature import occupation_weight, split_gauss_cosine, thermal_frequency_nodes
from phononmc.transmission import dmm

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


def _flux_spectrum(m1, m2, omega, model: Model, dispersion: str) -> np.ndarray:
    """Σ_j D_1j v_1j α_1j (m⁻²): transmitted modes per area, shape of omega."""
    alpha = transmission_spectrum(m1, m2, omega, model, dispersion)
    dv = np.stack([b.dos_velocity(omega) for b in branches(m1, dispersion)])
    return (dv * alpha).sum(axis=0)


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
    """Energy-weighted mean transmissions (τ̄_12, τ̄_21) = (G / G_emit,1, G / G_emit,2) at T."""
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
    """
    model = parse_model(model, p)
    _check_pair(m1, m2, model, dispersion)
    gamma = transmission_spectrum(m1, m2, np.zeros(1), model, dispersion)[:, 0]
    return LOWT_PREFACTOR * sum(g / b.velocity**2 for g, b in zip(gamma, branches(m1)))


def classical_limit(m1, m2, model="amm", p=None, dispersion="debye", side=1):
    """High-temperature limit of G (W m⁻² K⁻¹): ∂n/∂T → k_B/ħω, G_∞ = (k_B/4) ∫ Σ_j D_1j v_1j α_1j dω."""
    model = parse_model(model, p)
    _check_pair(m1, m2, model, dispersion)
    a, b = (m1, m2) if side == 1 else (m2, m1)
    omega, weight = split_gauss_cosine([0.0, *_cutoffs(a, b, dispersion=dispersion)], N_OMEGA)
    return 0.25 * K_B * float((_flux_spectrum(a, b, omega, model, dispersion) * weight).sum())
