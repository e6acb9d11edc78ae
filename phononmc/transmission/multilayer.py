"""Coherent elastic-wave transmission through a stack of layers between two half-spaces.

Medium m1 fills z < 0, then the layers in order (each a `Material` and a thickness in m),
then m2. A plane wave of branch L, SV or SH comes from m1 with tangential slowness
s = sin θ / v, conserved in every layer (Snell's law). Every medium here must be a solid.

In each medium the field is a sum of up- and down-going waves with the unit amplitudes of
`amm` (displacement, traction/iω); welded interfaces make (u_x, u_z, σ_xz, σ_zz) continuous
for P–SV and (u_y, σ_yz) for SH. Each interface A|B gives a scattering matrix (r_AB, t_AB,
r_BA, t_BA: 2×2 for P–SV, 1×1 for SH) that does not depend on ω. The stack is solved by
Kennett's reflection-matrix recursion (B. L. N. Kennett and N. J. Kerry, Geophys. J. R.
astr. Soc. 57, 557 (1979); Kennett, *Seismic Wave Propagation in Stratified Media*,
Cambridge 1983, ch. 6), from m2 back to m1:

    R̃_j = P_j R_j P_j,   D = (I − r_{j,j−1} R̃_j)⁻¹ t_{j−1,j},
    R_{j−1} = r_{j−1,j} + t_{j,j−1} R̃_j D,   U_{j−1} = U_j P_j D,

with P_j = diag exp(iω q h_j) the phase across layer j. Im q ≥ 0 for every wave, so
|P| ≤ 1: evanescent waves in thick layers decay instead of overflowing, unlike a product
of transfer matrices. R_0 is the reflection matrix in m1, U_0 the transmission into m2.
Normal incidence and SH are the scalar special cases (P–SV decouples at s = 0).

Energy coefficients are flux ratios as in `amm` (Aki & Richards 2002, §5.2); evanescent
waves in m1 and m2 carry no flux, and rL+rSV+rSH+tL+tSV+tSH = 1. Grazing incidence
(q = 0) is returned as its limit, total specular reflection.

Frequency cutoffs: the layers are continua (no cutoffs inside them); the Debye cutoffs
of the outer media act as in the single-interface AMM (`amm.open_channels`), so with no
layers `conductance` is `landauer.conductance(m1, m2, T, "amm")`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.landauer import _check_temperatures, _cutoffs
from phononmc.materials import Material
from phononmc.quadrature import X_MAX, bose_derivative, split_gauss_cosine
from phononmc.transmission import amm

PROFILES = ("linear",)


@dataclass(frozen=True)
class Layer:
    """One layer of the stack: a solid and its thickness (m, ≥ 0)."""

    material: Material
    thickness: float


def _check_stack(m1, m2, layers) -> list[Layer]:
    out = []
    for i, item in enumerate(layers):
        layer = item if isinstance(item, Layer) else Layer(*item)
        h = float(layer.thickness)
        if not isinstance(layer.material, Material):
            raise ValueError(f"layers[{i}].material = {layer.material!r} is not a Material")
        if not (math.isfinite(h) and h >= 0.0):
            raise ValueError(f"layers[{i}].thickness = {layer.thickness!r} m is invalid; it must be finite and >= 0")
        out.append(Layer(layer.material, h))
    for label, m in [("m1", m1), ("m2", m2)] + [(f"layers[{i}]", l.material) for i, l in enumerate(out)]:
        if not isinstance(m, Material):
            raise ValueError(f"{label} = {m!r} is not a Material")
        if m.is_liquid:
            raise ValueError(f"{label} = {m.name!r} is a liquid; the coherent stack supports solids only")
    return out


def graded(m_a: Material, m_b: Material, thickness: float, n_sub: int, profile="linear") -> list[Layer]:
    """A graded layer from m_a (its z < 0 side) to m_b as n_sub uniform sublayers.

    Sublayer k (k = 0 … n_sub−1) sits at x = (k + ½)/n_sub and takes every property p
    (density, v_L, v_T, atom density) as p_a + (p_b − p_a) f(x): linear in the properties,
    with f(x) = x for profile "linear" or a user callable f: [0, 1] → [0, 1].
    Returns a list of `Layer`, total thickness `thickness` (m).
    """
    if isinstance(n_sub, bool) or not isinstance(n_sub, (int, np.integer)) or n_sub < 1:
        raise ValueError(f"n_sub = {n_sub!r} is invalid; it must be an integer >= 1")
    if not (math.isfinite(float(thickness)) and thickness >= 0.0):
        raise ValueError(f"thickness = {thickness!r} m is invalid; it must be finite and >= 0")
    if callable(profile):
        f = profile
    elif profile == "linear":
        f = lambda x: x  # noqa: E731
    else:
        raise ValueError(f"profile = {profile!r} is not known; valid: {', '.join(PROFILES)} or a callable f(x)")
    x = (np.arange(n_sub) + 0.5) / n_sub
    fx = np.asarray(f(x), dtype=float)
    if fx.shape != x.shape or np.any(~np.isfinite(fx)) or np.any(fx < 0.0) or np.any(fx > 1.0):
        raise ValueError("profile(x) must return values in [0, 1], one per point of x")
    fields = ("density", "v_long", "v_trans", "atom_density")
    return [Layer(Material(name=f"{m_a.name}-{m_b.name} {k}/{n_sub}",
                           **{p: getattr(m_a, p) + (getattr(m_b, p) - getattr(m_a, p)) * w for p in fields}),
                  thickness / n_sub) for k, w in enumerate(fx)]


def _basis(m: Material, s, sh: bool, scale: float):
    """Wave basis of m at slownesses s, shape (n_s,): columns [down-going…, up-going…].

    Rows (u, traction·scale) of the `amm` unit waves: (u_x, u_z, σ_xz, σ_zz) and waves
    [P, SV] for P–SV; (u_y, σ_yz) for SH. Returns (E, q): E (n_s, 2n, 2n) complex,
    q (n_s, n) the normal slownesses of the down-going waves (Im q ≥ 0).
    """
    if sh:
        q = amm._normal_slowness(m.v_trans, s)
        one = np.ones_like(q)
        t = m.shear_modulus * q * scale
        e = np.stack([np.stack([one, one], -1), np.stack([t, -t], -1)], -2)
        return e, q[:, None]
    cols, qs = [], []
    for direction in (+1, -1):
        for kind, v in (("P", m.v_long), ("S", m.v_trans)):
            dx, dz, txz, tzz, q = amm._wave(m.density, v, m.shear_modulus, m.lame_lambda, s, direction, kind)
            cols.append(np.stack([dx, dz, txz * scale, tzz * scale], -1))
            if direction == 1:
                qs.append(q)
    return np.stack(cols, -1), np.stack(qs, -1)


def _interface(ea, eb, n):
    """Scattering blocks (r_AB, t_AB, r_BA, t_BA) of the welded interface A|B, each (n_s, n, n).

    Solves E_A [a⁺; a⁻] = E_B [b⁺; b⁻] for the outgoing (a⁻, b⁺) given the incoming (a⁺, b⁻).
    """
    lhs = np.concatenate([ea[..., n:], -eb[..., :n]], -1)
    rhs = np.concatenate([-ea[..., :n], eb[..., n:]], -1)
    sc = np.linalg.solve(lhs, rhs)
    return sc[..., :n, :n], sc[..., n:, :n], sc[..., n:, n:], sc[..., :n, n:]


def _inv(a):
    """Inverse of a batch of 1×1 or 2×2 matrices (..., n, n), closed form (fast for many small matrices)."""
    if a.shape[-1] == 1:
        return 1.0 / a
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
    adj = np.stack([np.stack([a[..., 1, 1], -a[..., 0, 1]], -1), np.stack([-a[..., 1, 0], a[..., 0, 0]], -1)], -2)
    return adj / det[..., None, None]


def transmission_slowness(m1: Material, m2: Material, layers, omega, s, incident: str = "L") -> np.ndarray:
    """Energy coefficients (rL rSV rSH tL tSV tSH) through the stack, shape (6, n_ω, n_s).

    omega : angular frequencies (rad s⁻¹), 1-D; s : tangential slownesses (s m⁻¹), 1-D,
    0 ≤ s ≤ 1/v of the incident branch. Continuum: no frequency cutoffs.
    """
    amm._check_incident(m1, incident)
    layers = _check_stack(m1, m2, layers)
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    s = np.atleast_1d(np.asarray(s, dtype=float))
    sh = incident == "SH"
    n = 1 if sh else 2
    media = [m1] + [l.material for l in layers] + [m2]
    scale = 1.0 / (m1.density * m1.v_long)  # tractions ~ ρv, displacements ~ 1: balance the rows
    cache = {}
    for m in media:
        if m not in cache:
            cache[m] = _basis(m, s, sh, scale)
    faces = {}
    for a, b in zip(media[:-1], media[1:]):
        if (a, b) not in faces:
            faces[a, b] = _interface(cache[a][0], cache[b][0], n)

    r, t = faces[media[-2], media[-1]][:2]
    r = np.broadcast_to(r, (len(omega), *r.shape))
    u = t
    for j in range(len(layers), 0, -1):
        p = np.exp(1j * omega[:, None, None] * cache[media[j]][1][None] * layers[j - 1].thickness)  # (n_ω, n_s, n)
        r_tilde = p[..., :, None] * r * p[..., None, :]
        r_ab, t_ab, r_ba, t_ba = faces[media[j - 1], media[j]]
        d = _inv(np.eye(n) - r_ba @ r_tilde) @ t_ab
        r = r_ab + t_ba @ r_tilde @ d
        u = u @ (p[..., :, None] * d)
    u = np.broadcast_to(u, r.shape)

    k = 0 if incident in ("L", "SH") else 1
    v_in = m1.v_trans if sh else (m1.v_long, m1.v_trans)[k]
    q_in = cache[m1][1][:, k].real
    out = np.zeros((6, len(omega), len(s)))
    names = ("SH",) if sh else ("L", "SV")
    with np.errstate(divide="ignore", invalid="ignore"):
        for prefix, m, amp in (("r", m1, r), ("t", m2, u)):
            speeds = (m.v_trans,) if sh else (m.v_long, m.v_trans)
            for i, (name, v) in enumerate(zip(names, speeds)):
                flux = amm._propagating(cache[m][1][:, i]) / q_in
                e = m.density * v**2 / (m1.density * v_in**2) * np.abs(amp[..., i, k]) ** 2 * flux
                out[amm.CHANNELS.index(prefix + name)] = np.where(q_in > 0, e, float(prefix + name == "r" + incident))
    return out


def transmission(m1: Material, m2: Material, layers, omega, theta, incident: str = "L") -> amm.Coefficients:
    """Energy fractions rL rSV rSH tL tSV tSH through the stack for a wave from m1 at angle θ (rad).

    omega : angular frequency (rad s⁻¹), scalar or array; theta : incidence angle(s),
    0 ≤ θ ≤ π/2. Each field has shape omega.shape + theta.shape. Continuum (no cutoffs).
    """
    amm._check_incident(m1, incident)
    theta = amm._check_angles(theta)
    omega = np.asarray(omega, dtype=float)
    v_in = m1.v_long if incident == "L" else m1.v_trans
    arr = transmission_slowness(m1, m2, layers, omega.ravel(), np.sin(theta).ravel() / v_in, incident)
    return amm.Coefficients(*(a.reshape(omega.shape + theta.shape) for a in arr))


def alpha(m1: Material, m2: Material, layers, omega, n: int = 32) -> np.ndarray:
    """α_{1→2,j}(ω) = ∫_0^1 τ_j(ω, μ) 2μ dμ for each branch j of m1, shape (3, *omega.shape).

    Angles by `amm.slowness_nodes` (split at the critical slownesses of m1 and m2, n nodes
    per piece; the kinks of the layers' own critical slownesses are left to n). The Debye
    cutoffs of m1 and m2 shut channels as in `amm.transmission_spectrum`.
    """
    omega = np.asarray(omega, dtype=float)
    out = []
    for b in branches(m1):
        s, w = amm.slowness_nodes(m1, m2, b.name, n)
        trans = transmission_slowness(m1, m2, layers, omega.ravel(), s, b.name)[3:] @ w  # (3, n_ω)
        is_open = amm.open_channels(m1, m2, b.name, omega.ravel())[3:]
        out.append((trans * is_open).sum(axis=0).reshape(omega.shape))
    return np.stack(out)


def frequency_nodes(T, breaks, n: int = 16):
    """Frequency nodes (rad s⁻¹) shared by all temperatures T (K) and their weights, each (n_nodes,).

    `split_gauss_cosine` with n nodes per piece on [0, min(max(breaks), X_MAX k_B T_max/ħ)],
    split at the `breaks` (cutoffs) and at a ladder of octaves down to 0.2 k_B T_min/ħ, so the
    thermal window of every T is resolved by the same nodes: the stack is solved once.
    """
    T = np.asarray(T, dtype=float)
    top = min(max(breaks), X_MAX * K_B * T.max() / HBAR)
    low = 0.2 * K_B * T.min() / HBAR
    ladder = top * 0.5 ** np.arange(1, max(1, math.ceil(math.log2(top / low))) + 1)
    return split_gauss_cosine([0.0, top, *[b for b in breaks if b < top], *ladder], n)


def conductance(m1: Material, m2: Material, layers, T, n_omega: int = 16, n_angle: int = 32):
    """Landauer G(T) (W m⁻² K⁻¹) through the stack, phonons emitted by m1.

    G = Σ_j ∫ (1/4) ħω D_1j v_1j α_1j(ω) ∂n/∂T dω with the coherent α of `alpha` (Debye
    branches; cutoffs of m1 and m2 only). T : temperature(s) (K), result of its shape.
    n_omega : nodes per frequency piece (`frequency_nodes`); n_angle : per slowness piece.
    """
    T = _check_temperatures(T)
    omega, weight = frequency_nodes(T.ravel(), _cutoffs(m1, m2), n_omega)
    dv = np.stack([b.dos_velocity(omega) for b in branches(m1)])
    spectrum = (dv * alpha(m1, m2, layers, omega, n_angle)).sum(axis=0) * 0.25 * HBAR * omega * weight
    return (spectrum[None, :] * bose_derivative(omega[None, :], T.reshape(-1, 1))).sum(axis=1).reshape(T.shape)
