"""Exact phonon transmission and Kapitza conductance of a junction of two harmonic chains.

Chain 1 (masses m1, nearest-neighbour springs k1) fills the sites n ≤ 0, chain 2 (m2, k2)
the sites n ≥ 1, and one interface spring k12 joins sites 0 and 1. Each chain has the
dispersion ω = ω_c,i sin(q_i/2), cut off at ω_c,i = 2√(k_i/m_i).

Transmission. The energy transmission follows from the Caroli formula
τ = Γ_1 Γ_2 |G_01|² (Caroli, Combescot, Nozières & Saint-James, J. Phys. C 4, 916 (1971);
for phonons and the harmonic chain see J.-S. Wang, J. Wang & J. T. Lü, Eur. Phys. J. B 62,
381 (2008), arXiv:0802.2761, §2–3), with the device = sites {0, 1}, the retarded lead
self-energies Σ_i = −k_i e^{iq_i} and Γ_i = 2 k_i sin q_i. Written with
e_i = sin(q_i/2) + i cos(q_i/2) and Z_i = √(m_i k_i), this closed form is

    τ(ω) = 4 Z1 Z2 cos(q1/2) cos(q2/2) / |Z1 e1 + Z2 e2 − (ω Z1 Z2 / k12) e1 e2|²

for ω below both cutoffs, and τ = 0 above the smaller one (no propagating wave to carry
the energy away). It is symmetric under 1 ↔ 2 and at ω → 0 becomes the acoustic
long-wave value 4 Z1 Z2/(Z1 + Z2)² (docs/theory.md, "1D chain") whatever k12 is.

Default interface spring. k12 = None means the harmonic mean k12 = 2 k1 k2/(k1 + k2):
the bond of chain 1 cut in half (a spring 2 k1) in series with half a bond of chain 2
(2 k2), so the junction is built only of primitive blocks of the two chains (Polanco,
Saltonstall, Norris, Hopkins & Ghosh, Nanoscale Microscale Thermophys. Eng. 17, 263
(2013), who show it is the single interface bond of least thermal resistance). Indeed it
maximises τ(ω) at every ω: the denominator is |A − β B| with A = Z1 e1 + Z2 e2,
B = e1 e2 (|B| = 1) and β = ωZ1Z2/k12 real, smallest at β = Re(A B̄) =
ω Z1 Z2 (1/k1 + 1/k2)/2. With it the transmission takes the impedance form

    τ(ω) = 4 Ẑ1 Ẑ2/(Ẑ1 + Ẑ2)²,   Ẑ_i(ω) = Z_i / cos(q_i/2) = Z_i / √(1 − (ω/ω_c,i)²),

the acoustic mismatch formula with a frequency-dependent impedance, and identical
chains transmit fully (τ = 1) across the band.

Conductance. The 1D Landauer formula per cross-sectional area S,

    G(T) = (1/S) ∫_0^{ω_max} (dω/2π) ħω τ(ω) ∂n/∂T,   ω_max = min(ω_c,1, ω_c,2),

is computed with Gauss–Legendre panels in t under ω = ω_max sin²(πt/2), which turns the
√ band-edge behaviour into smooth functions; panels are refined geometrically towards
t = 0 (to resolve ω ~ k_B T/ħ at low T) and t = 1 (near-coincident cutoffs).

Interlayers. `interlayer_transmission` and `interlayer_conductance` put N atoms of chosen
masses and N + 1 springs between the chains (docs/theory.md, "1D chain");
`graded_interlayer` builds a graded one, `optimal_interlayer` the best single atom.
"""

from __future__ import annotations

import math

import numpy as np

from phononmc.constants import HBAR, K_B

__all__ = [
    "transmission",
    "long_wave_transmission",
    "cutoff",
    "default_interface_spring",
    "conductance",
    "classical_conductance",
    "interlayer_transmission",
    "graded_interlayer",
    "interlayer_conductance",
    "optimal_interlayer",
]

#: Gauss–Legendre nodes per quadrature panel.
_NODES_PER_PANEL = 20
#: Panels halve in width this many times towards the band edge t = 1.
_EDGE_LEVELS = 30
#: x = ħω/k_B T above which x² eˣ/(eˣ − 1)² is taken as 0 (it is < 1e-300 there).
_X_ZERO = 720.0
#: Temperatures per block when forming the (temperature × node) weight matrix.
_T_BLOCK = 256


# --------------------------------------------------------------------------- validation


def _positive_scalar(name: str, value, unit: str, what: str) -> float:
    """Return `value` as float, or raise ValueError naming the parameter and the rule."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} = {value!r} is invalid: {what} must be a finite number > 0 (in {unit})"
        ) from None
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} = {v!r} {unit} is invalid: {what} must be a finite number > 0")
    return v


def _array(name: str, value, unit: str, what: str, allow_zero: bool) -> np.ndarray:
    """Return `value` as a float array; raise ValueError quoting the first bad element."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r} is invalid: {what} must be finite numbers") from None
    ok = np.isfinite(a) & ((a >= 0.0) if allow_zero else (a > 0.0))
    if not np.all(ok):
        bad = float(a[~ok].flat[0])
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} = {bad!r} {unit} is invalid: {what} must be a finite number {rule}")
    return a


def _chain_parameters(m1, k1, m2, k2, k12):
    m1 = _positive_scalar("m1", m1, "kg", "a mass")
    k1 = _positive_scalar("k1", k1, "N/m", "a spring constant")
    m2 = _positive_scalar("m2", m2, "kg", "a mass")
    k2 = _positive_scalar("k2", k2, "N/m", "a spring constant")
    if k12 is None:
        k12 = 2.0 * k1 * k2 / (k1 + k2)
    else:
        k12 = _positive_scalar("k12", k12, "N/m", "an interface spring constant")
    return m1, k1, m2, k2, k12


# --------------------------------------------------------------------------- transmission


def cutoff(m, k) -> float:
    """Band-edge angular frequency 2√(k/m) (rad/s) of a chain of masses m (kg), springs k (N/m)."""
    m = _positive_scalar("m", m, "kg", "a mass")
    k = _positive_scalar("k", k, "N/m", "a spring constant")
    return 2.0 * math.sqrt(k / m)


def long_wave_transmission(m1, k1, m2, k2) -> float:
    """ω → 0 limit of the transmission, 4 Z1 Z2/(Z1 + Z2)² with Z_i = √(m_i k_i) (kg/s).

    Independent of the interface spring.
    """
    m1, k1, m2, k2, _ = _chain_parameters(m1, k1, m2, k2, None)
    z1, z2 = math.sqrt(m1 * k1), math.sqrt(m2 * k2)
    return 4.0 * z1 * z2 / (z1 + z2) ** 2


def default_interface_spring(k1, k2) -> float:
    """Interface spring used when k12 is None: the harmonic mean 2 k1 k2/(k1 + k2) (N/m)."""
    k1 = _positive_scalar("k1", k1, "N/m", "a spring constant")
    k2 = _positive_scalar("k2", k2, "N/m", "a spring constant")
    return 2.0 * k1 * k2 / (k1 + k2)


def _tau(omega, s1, c1, s2, c2, z1, z2, k12):
    """Closed-form τ from the half-wavenumber sines s_i = sin(q_i/2) and cosines c_i.

    All array arguments broadcast; valid inside both bands (c_i ≥ 0). Clipped to [0, 1]
    against round-off (the exact value never leaves that range).
    """
    e1 = s1 + 1j * c1
    e2 = s2 + 1j * c2
    d = z1 * e1 + z2 * e2 - (omega * z1 * z2 / k12) * (e1 * e2)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = 4.0 * z1 * z2 * c1 * c2 / (d.real**2 + d.imag**2)
    # 0/0 happens only at a band edge of identical chains (ω = ω_c exactly), where τ = 0.
    return np.clip(np.nan_to_num(tau, nan=0.0), 0.0, 1.0)


def transmission(omega, m1, k1, m2, k2, k12=None) -> np.ndarray:
    """Energy transmission τ(ω) from chain 1 (m1 kg, k1 N/m) to chain 2 (m2, k2).

    Parameters
    ----------
    omega : array_like, any shape, angular frequency (rad/s), finite and ≥ 0.
    k12 : interface spring (N/m); None → harmonic mean 2 k1 k2/(k1 + k2).

    Returns
    -------
    ndarray, float64, the shape of `omega` (a numpy scalar for scalar input): τ ∈ [0, 1],
    exactly 0 for ω ≥ min(2√(k1/m1), 2√(k2/m2)). Same value for 2 → 1 (τ_12 = τ_21).
    """
    m1, k1, m2, k2, k12 = _chain_parameters(m1, k1, m2, k2, k12)
    inside, wi, s1, c1, s2, c2 = _common_band(omega, m1, k1, m2, k2)
    tau = _tau(wi, s1, c1, s2, c2, math.sqrt(m1 * k1), math.sqrt(m2 * k2), k12)
    return np.where(inside, tau, 0.0)[()]


def _common_band(omega, m1, k1, m2, k2):
    """ω checked, and inside the common band (ω < both cutoffs 2√(k/m)): the mask, ω there
    (0 outside), s_i = ω/ω_c,i and c_i = √(1 − s_i²) of each chain."""
    w = _array("omega", omega, "rad/s", "an angular frequency", allow_zero=True)
    wc1, wc2 = 2.0 * math.sqrt(k1 / m1), 2.0 * math.sqrt(k2 / m2)
    inside = w < min(wc1, wc2)
    wi = np.where(inside, w, 0.0)
    s1, s2 = wi / wc1, wi / wc2
    return inside, wi, s1, np.sqrt((1.0 - s1) * (1.0 + s1)), s2, np.sqrt((1.0 - s2) * (1.0 + s2))


# --------------------------------------------------------------------------- quadrature


def _band_nodes(m1, k1, m2, k2, tau_of, t_small: float):
    """Nodes ω (rad/s), weights for ∫_0^{ω_max} dω, and τ at the nodes; each shape (n,).

    `tau_of(omega, s1, c1, s2, c2, z1, z2)` gives τ from the half-wavenumber sines and
    cosines of the two leads (`_tau` with the interface spring bound, or `_tau_interlayer`).

    Panels in t ∈ [0, 1] (ω = ω_max sin²(πt/2)) with breaks 2^-j down to below `t_small`
    and 1 − 2^-j up to 1 − 2^-_EDGE_LEVELS. Sines and cosines of q/2 are formed from
    sin(πt/2), cos(πt/2) directly so they keep full relative precision at the band edge.
    """
    wc1, wc2 = 2.0 * math.sqrt(k1 / m1), 2.0 * math.sqrt(k2 / m2)
    wmax = min(wc1, wc2)
    levels_low = min(1000, max(4, math.ceil(math.log2(1.0 / t_small)) + 4))
    low = 2.0 ** -np.arange(levels_low, 0, -1)  # 2^-L ... 1/2
    up = 2.0 ** -np.arange(2, _EDGE_LEVELS + 1)  # u = 1 − t for the breaks above 1/2
    x, wx = np.polynomial.legendre.leggauss(_NODES_PER_PANEL)
    x, wx = 0.5 * (x + 1.0), 0.5 * wx

    # Lower half: t ∈ [0, 1/2], panels [0, 2^-L], [2^-L, 2^-L+1], ..., [1/4, 1/2].
    a = np.concatenate([[0.0], low[:-1]])
    b = low
    t = (a[:, None] + (b - a)[:, None] * x[None, :]).ravel()
    wt_lo = ((b - a)[:, None] * wx[None, :]).ravel()
    sn_lo, cs_lo = np.sin(0.5 * np.pi * t), np.cos(0.5 * np.pi * t)
    # Upper half in u = 1 − t ∈ [0, 1/2]: panels [0, 2^-E], ..., [1/4, 1/2].
    a, b = np.concatenate([[0.0], up[::-1]]), np.concatenate([up[::-1], [0.5]])
    u = (a[:, None] + (b - a)[:, None] * x[None, :]).ravel()
    wt_up = ((b - a)[:, None] * wx[None, :]).ravel()
    sn_up, cs_up = np.cos(0.5 * np.pi * u), np.sin(0.5 * np.pi * u)

    sn = np.concatenate([sn_lo, sn_up])  # sin(πt/2)
    cs = np.concatenate([cs_lo, cs_up])  # cos(πt/2)
    weight = np.concatenate([wt_lo, wt_up]) * (np.pi * wmax * sn * cs)  # dω/dt = π ω_max sn cs
    sq = sn * sn
    omega = wmax * sq
    # Chain with the smaller cutoff: s = sn², c = √(1 − sn⁴) = cs √(1 + sn²).
    # The other: s = r sn², c² = (1 − r)(1 + r) + r² cs² (1 + sn²), r = ω_max/ω_c ≤ 1.
    r = wmax / max(wc1, wc2)
    s_a, c_a = sq, cs * np.sqrt(1.0 + sq)
    s_b, c_b = r * sq, np.sqrt((1.0 - r) * (1.0 + r) + (r * cs) ** 2 * (1.0 + sq))
    if wc1 <= wc2:
        s1, c1, s2, c2 = s_a, c_a, s_b, c_b
    else:
        s1, c1, s2, c2 = s_b, c_b, s_a, c_a
    tau = tau_of(omega, s1, c1, s2, c2, math.sqrt(m1 * k1), math.sqrt(m2 * k2))
    return omega, weight, tau


def _thermal_weight(x):
    """x² eˣ/(eˣ − 1)² = (x e^{−x/2}/(1 − e^{−x}))², 1 at x = 0, no overflow at large x."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        f = x * np.exp(-0.5 * x) / -np.expm1(-x)
    f = np.where(x > 0.0, f, 1.0)
    return np.where(x < _X_ZERO, f * f, 0.0)


def conductance(T, m1, k1, m2, k2, k12=None, area=1.0):
    """Kapitza conductance G(T) (W m⁻² K⁻¹) of the chain junction per cross-section `area`.

    G = (1/S) ∫_0^{ω_max} (dω/2π) ħω τ(ω) ∂n/∂T, evaluated as
    (k_B/2πS) ∫ τ(ω) x² eˣ/(eˣ − 1)² dω with x = ħω/k_B T (relative error ~1e-15 against
    30-digit quadrature).
    Limits: G → π k_B² T τ(0)/(6ħS) as T → 0; G → `classical_conductance` as T → ∞.

    Parameters
    ----------
    T : array_like, any shape, temperature (K), finite and > 0.
    m1, k1, m2, k2 : masses (kg) and springs (N/m) of chains 1 and 2.
    k12 : interface spring (N/m); None → harmonic mean 2 k1 k2/(k1 + k2).
    area : cross-section S (m²) per chain; with the default 1 m² the value is the
        conductance of one chain in W/K.

    Returns
    -------
    ndarray, float64, the shape of `T` (a numpy scalar for scalar input).
    """
    m1, k1, m2, k2, k12 = _chain_parameters(m1, k1, m2, k2, k12)
    return _landauer(T, m1, k1, m2, k2, _bind_spring(k12), area)


def _bind_spring(k12):
    """`_tau` with the interface spring fixed, in the `tau_of` form `_band_nodes` takes."""
    return lambda omega, s1, c1, s2, c2, z1, z2: _tau(omega, s1, c1, s2, c2, z1, z2, k12)


def _landauer(T, m1, k1, m2, k2, tau_of, area):
    """G(T) (W m⁻² K⁻¹) = (k_B/2πS) ∫ τ x² eˣ/(eˣ − 1)² dω for validated chain parameters."""
    area = _positive_scalar("area", area, "m^2", "a cross-sectional area")
    T = _array("T", T, "K", "a temperature", allow_zero=False)
    wmax = min(2.0 * math.sqrt(k1 / m1), 2.0 * math.sqrt(k2 / m2))
    # Thermal phonons sit at ω ~ k_B T/ħ, i.e. t ~ (2/π)√(k_B T/ħω_max): refine below that.
    ratio = min(1.0, K_B * float(T.min()) / (HBAR * wmax)) if T.size else 1.0
    omega, weight, tau = _band_nodes(m1, k1, m2, k2, tau_of, t_small=math.sqrt(ratio))
    wtau = weight * tau
    flat = T.ravel()
    out = np.empty(flat.shape)
    for i in range(0, flat.size, _T_BLOCK):
        tb = flat[i : i + _T_BLOCK]
        x = (HBAR / K_B) * omega[None, :] / tb[:, None]
        out[i : i + _T_BLOCK] = _thermal_weight(x) @ wtau
    return (K_B / (2.0 * math.pi * area) * out).reshape(T.shape)[()]


def _classical(m1, k1, m2, k2, tau_of, area) -> float:
    """(k_B/2πS) ∫_0^{ω_max} τ dω (W m⁻² K⁻¹) for validated chain parameters."""
    area = _positive_scalar("area", area, "m^2", "a cross-sectional area")
    _, weight, tau = _band_nodes(m1, k1, m2, k2, tau_of, t_small=1.0)
    return K_B / (2.0 * math.pi * area) * float(weight @ tau)


def classical_conductance(m1, k1, m2, k2, k12=None, area=1.0) -> float:
    """High-temperature limit of `conductance`: (k_B/2πS) ∫_0^{ω_max} τ(ω) dω (W m⁻² K⁻¹).

    Each 1D mode carries k_B per unit bandwidth dω/2π classically. If τ were a constant,
    this would be k_B ω_c τ/(2πS) (docs/theory.md, "1D chain"); identical chains (τ = 1) give
    exactly k_B ω_c/(2πS). `area` is S in m² (default 1 m²: one chain, W/K).
    """
    m1, k1, m2, k2, k12 = _chain_parameters(m1, k1, m2, k2, k12)
    return _classical(m1, k1, m2, k2, _bind_spring(k12), area)


# --------------------------------------------------------------------------- interlayers


def _interlayer_parameters(m1, k1, m2, k2, masses, springs):
    """Validate the leads and an interlayer of N atoms and N + 1 springs; return floats/arrays."""
    m1, k1, m2, k2, _ = _chain_parameters(m1, k1, m2, k2, None)
    masses = _array("masses", masses, "kg", "an interlayer mass", allow_zero=False)
    springs = _array("springs", springs, "N/m", "an interlayer spring constant", allow_zero=False)
    if masses.ndim != 1 or springs.ndim != 1 or springs.size != masses.size + 1:
        raise ValueError(
            f"springs has shape {springs.shape} and masses {masses.shape}: N interlayer atoms "
            "(masses, 1D) need N + 1 springs (1D), the first joining chain 1, the last chain 2"
        )
    return m1, k1, m2, k2, masses, springs


def _tau_interlayer(omega, s1, c1, s2, c2, z1, z2, masses, springs):
    """τ through an interlayer by the impedance recursion (see `interlayer_transmission`).

    omega, s_i = sin(q_i/2), c_i = cos(q_i/2) broadcast (inside both bands); z_i = √(m_i k_i);
    masses (N,) and springs (N + 1,) in kg and N/m.
    """
    eps = z1 * (s1 + 1j * c1)  # ε_0 = Z1 e1
    prod = np.ones(np.shape(eps))  # ∏_{j<L} |1 − ω ε_j/b_j|²
    for j, b in enumerate(springs):
        denom = 1.0 - omega * eps / b
        with np.errstate(over="ignore"):  # inf only where τ < 1e-308: τ = 0 below
            prod = prod * (denom.real**2 + denom.imag**2)
        eps = eps / denom  # the spring b_j in series
        if j < masses.size:
            eps = eps + masses[j] * omega  # interlayer atom j
    d = eps + z2 * (s2 + 1j * c2)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = 4.0 * z1 * z2 * c1 * c2 / (prod * (d.real**2 + d.imag**2))
    # 0/0 only at a band edge where both c_i → 0; τ = 0 there (cf. `_tau`).
    return np.clip(np.nan_to_num(tau, nan=0.0), 0.0, 1.0)


def _bind_interlayer(masses, springs):
    """`_tau_interlayer` with the interlayer fixed, in the `tau_of` form `_band_nodes` takes."""
    return lambda omega, s1, c1, s2, c2, z1, z2: _tau_interlayer(
        omega, s1, c1, s2, c2, z1, z2, masses, springs
    )


def interlayer_transmission(omega, m1, k1, m2, k2, masses, springs) -> np.ndarray:
    """Exact energy transmission τ(ω) from chain 1 through N interlayer atoms to chain 2.

    The last atom of chain 1 (m1) is joined by springs[0] to interlayer atom 0 (masses[0]),
    atom i to atom i + 1 by springs[i + 1], and the last interlayer atom by springs[N] to the
    first atom of chain 2 (m2); the two chains are semi-infinite (springs k1, k2 inside).
    N = 0 (masses = [], springs = [k12]) is the junction of `transmission`.

    Method: the Caroli formula τ = Γ1 Γ2 |G_0L|² (see the module docstring) on the device
    0, ..., L = N + 1 (the two end atoms of the chains and the interlayer), the form used by
    the atomistic Green's function method (W. Zhang, T. S. Fisher & N. Mingo, J. Heat
    Transfer 129, 483 (2007)); G_0L by the left-to-right recursive Green's function (the
    continued-fraction decimation of a tridiagonal matrix; C. H. Lewenkopf & E. R. Mucciolo,
    J. Comput. Electron. 12, 203 (2013)). With the left-connected diagonal g_j = 1/D_j,
    write D_j = ω ε_j − b_j (b_j = springs[j]): ε_j is the dynamic impedance (force per
    velocity, kg/s) of everything left of spring j, ε_0 = Z1 e1, and the recursion is

        ε_{j+1} = M_{j+1} ω + ε_j/(1 − ω ε_j/b_j),
        τ = 4 Z1 Z2 cos(q1/2) cos(q2/2) / (|ε_N/(1 − ω ε_N/b_N) + Z2 e2|² ∏_{j=0}^{N} |1 − ω ε_j/b_j|²),

    (Z_i, e_i as in `transmission`; M_j = masses[j − 1]). For N = 0 this is the closed form
    of `transmission` with k12 = springs[0]. It is stable: Im ε_j > 0 inside the band (each
    step maps the upper half-plane to itself), so no denominator vanishes; ε_j stays bounded,
    and evanescent waves in a long interlayer only make the product large (τ decays
    geometrically with N and becomes exactly 0 once the product passes 1e308).

    Parameters
    ----------
    omega : array_like, any shape, angular frequency (rad/s), finite and ≥ 0.
    m1, k1, m2, k2 : masses (kg) and springs (N/m) of chains 1 and 2.
    masses : (N,) interlayer masses (kg); springs : (N + 1,) springs (N/m).

    Returns
    -------
    ndarray, float64, the shape of `omega` (a numpy scalar for scalar input): τ ∈ [0, 1],
    0 for ω ≥ min(2√(k1/m1), 2√(k2/m2)); the same seen from chain 2 (reversed interlayer).
    """
    m1, k1, m2, k2, masses, springs = _interlayer_parameters(m1, k1, m2, k2, masses, springs)
    inside, wi, s1, c1, s2, c2 = _common_band(omega, m1, k1, m2, k2)
    tau = _tau_interlayer(wi, s1, c1, s2, c2, math.sqrt(m1 * k1), math.sqrt(m2 * k2), masses, springs)
    return np.where(inside, tau, 0.0)[()]


def graded_interlayer(m1, k1, m2, k2, n: int):
    """A graded interlayer of n atoms between chains 1 and 2: (masses (n,), springs (n + 1,)).

    Masses linear in position, m_i = m1 + (m2 − m1)(i + 1)/(n + 1), i = 0..n−1; compliances
    1/k linear at the bond midpoints, 1/b_j = 1/k1 + (1/k2 − 1/k1)(j + ½)/(n + 1), j = 0..n
    (springs in series add compliances, so this is the spring analogue of a linear profile).
    n = 0 gives the harmonic-mean bond of `default_interface_spring`; n = 1 gives the
    arithmetic-mean mass between two springs 4k1k2/(k1 + 3k2) and 4k1k2/(3k1 + k2).
    """
    m1, k1, m2, k2, _ = _chain_parameters(m1, k1, m2, k2, None)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n = {n!r} is invalid: the number of interlayer atoms must be an integer >= 0")
    x = np.arange(1, n + 1) / (n + 1)
    y = (np.arange(n + 1) + 0.5) / (n + 1)
    return m1 + (m2 - m1) * x, 1.0 / (1.0 / k1 + (1.0 / k2 - 1.0 / k1) * y)


def interlayer_conductance(T, m1, k1, m2, k2, masses, springs, area=1.0):
    """Kapitza conductance G(T) (W m⁻² K⁻¹) through an interlayer, per cross-section `area` (m²).

    The 1D Landauer integral of `conductance` with τ from `interlayer_transmission`; the
    quadrature resolves features of τ wider than ~1e-3 ω_max, so an interlayer bound by
    very weak springs (resonances narrower than that) needs a check against finer quadrature.
    T: array_like (K), > 0; returns the shape of T (a numpy scalar for scalar input).
    """
    m1, k1, m2, k2, masses, springs = _interlayer_parameters(m1, k1, m2, k2, masses, springs)
    return _landauer(T, m1, k1, m2, k2, _bind_interlayer(masses, springs), area)


def optimal_interlayer(m1, k1, m2, k2, T=None, area=1.0, springs=None):
    """The one-atom interlayer of largest G: (mass m, springs [k_a, k_b], G).

    Maximises `interlayer_conductance` at temperature T (K), or for T = None its classical
    (high-T) limit (k_B/2πS) ∫ τ dω, with scipy.optimize over log m (and log k_a, log k_b).
    springs = None frees all three (Nelder–Mead from the arithmetic-mean mass and
    harmonic-mean springs 2k1k2/(k1 + k2)); springs = (k_a, k_b) fixes the springs (N/m)
    and optimises the mass alone (bounded Brent).

    Known result (Polanco et al., module docstring): with the neighbours' springs,
    springs = (k1, k2), the best mass is the arithmetic mean (m1 + m2)/2 exactly, at every
    ω and so at every T. Proof: there τ = 4 Z1 Z2 c1 c2/|m ω − (m1 + m2) ω/2 + i(Z1 c1 + Z2 c2)|²
    (c_i = cos(q_i/2)), largest at m = (m1 + m2)/2, where τ = 4 Z1c1 Z2c2/(Z1c1 + Z2c2)².
    With the springs free as well the optimum lies elsewhere and G is a little larger
    (docs/theory.md, "1D chain").

    Returns
    -------
    (mass (kg), springs ndarray (2,) = [k_a, k_b] (N/m), G (W m⁻² K⁻¹) at the optimum).
    """
    from scipy.optimize import minimize, minimize_scalar

    m1, k1, m2, k2, _ = _chain_parameters(m1, k1, m2, k2, None)
    area = _positive_scalar("area", area, "m^2", "a cross-sectional area")
    if T is not None:
        T = _positive_scalar("T", T, "K", "a temperature")
    m0 = 0.5 * (m1 + m2)
    if springs is None:
        k0, free = np.full(2, 2.0 * k1 * k2 / (k1 + k2)), True
    else:
        k0 = _array("springs", springs, "N/m", "an interlayer spring constant", allow_zero=False)
        if k0.shape != (2,):
            raise ValueError(f"springs has shape {k0.shape}: a one-atom interlayer has 2 springs [k_a, k_b]")
        free = False

    def parameters(x):
        return np.array([m0 * math.exp(x[0])]), (k0 * np.exp(x[1:]) if free else k0)

    def g(x):
        tau_of = _bind_interlayer(*parameters(x))
        if T is None:
            return _classical(m1, k1, m2, k2, tau_of, area)
        return float(_landauer(T, m1, k1, m2, k2, tau_of, area))

    g0 = g(np.zeros(3))
    if free:
        x = minimize(lambda x: -g(x) / g0, np.zeros(3), method="Nelder-Mead",
                     options=dict(xatol=1e-7, fatol=1e-13, maxiter=4000)).x
    else:
        # log m within ±6: masses from m0/400 to 400 m0
        x = np.array([minimize_scalar(lambda y: -g([y]) / g0, bounds=(-6.0, 6.0), method="bounded",
                                      options=dict(xatol=1e-9)).x])
    masses, ks = parameters(x)
    return float(masses[0]), ks.copy(), g(x)
