"""Acoustic Mismatch Model: plane elastic waves at a flat interface of isotropic media.

Medium 1 (incident side) fills z < 0, medium 2 fills z > 0. A plane wave of branch
L, SV or SH hits the interface; the tangential slowness s = sin θ / v is conserved
(Snell's law), and the amplitudes of the reflected and transmitted waves follow from
the boundary conditions at z = 0:

* solid–solid: u_x, u_z, σ_xz, σ_zz continuous (P–SV); u_y, σ_yz continuous (SH);
* solid–liquid: u_z and σ_zz continuous, σ_xz = 0 on the solid side (the liquid slips);
  SH is totally reflected;
* liquid–liquid: u_z and σ_zz (pressure) continuous.

The energy coefficient of an outgoing wave k is the ratio of normal energy fluxes,
|A_k|² ρ_k v_k² q_k / (ρ v² q)_incident with q the normal slowness (Aki & Richards,
*Quantitative Seismology*, 2nd ed., 2002, §5.2); evanescent waves (imaginary q) carry
no flux. Reflected + transmitted = 1. SH and liquid–liquid P couple one wave per side and
use the closed form in the ratio q₂/q₁; P–SV is solved as a linear system. At grazing
incidence (q = 0, no flux) the coefficients are the limit s → 1/v: total reflection, or
total transmission when m2 is m1 (elastically identical media transmit at every angle).

Frequency cutoffs (docs/theory.md, "Frequency cutoffs"): with Debye branches, a channel
(1,j) → (i′,j′) is open at ω only below both branch cutoffs; a closed channel's share
goes to specular reflection in the incident branch. This keeps detailed balance mode by
mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phononmc.dispersion import branches
from phononmc.materials import Material
from phononmc.quadrature import split_gauss_cosine

#: Outgoing channels, in the order of every coefficient array: reflected then transmitted.
CHANNELS = ("rL", "rSV", "rSH", "tL", "tSV", "tSH")
BRANCHES = ("L", "SV", "SH")


@dataclass(frozen=True)
class Coefficients:
    """Energy reflection and transmission coefficients into each outgoing branch.

    Each field is an array with the shape of the incidence angles it was computed for.
    """

    rL: np.ndarray
    rSV: np.ndarray
    rSH: np.ndarray
    tL: np.ndarray
    tSV: np.ndarray
    tSH: np.ndarray

    @property
    def reflected(self) -> np.ndarray:
        return self.rL + self.rSV + self.rSH

    @property
    def transmitted(self) -> np.ndarray:
        return self.tL + self.tSV + self.tSH

    def as_array(self) -> np.ndarray:
        """Stacked coefficients, shape (6, *angles), in the order of `CHANNELS`."""
        return np.stack([getattr(self, c) for c in CHANNELS])


def _check_incident(m1: Material, incident: str) -> None:
    if incident not in BRANCHES:
        raise ValueError(f"incident = {incident!r} is not a branch; valid: {', '.join(BRANCHES)}")
    if m1.is_liquid and incident != "L":
        raise ValueError(
            f"incident = {incident!r} is impossible in {m1.name}: a liquid carries no shear waves, only 'L'"
        )


def _normal_slowness(v, s):
    """q = √(1/v² − s²) (s m⁻¹), complex: imaginary for an evanescent wave, exactly 0 at s v = 1."""
    return np.sqrt(((1.0 - (s * v) ** 2) / v**2).astype(complex))


def _wave(rho, v, mu, lam, s, direction, kind):
    """Displacement (x, z) and traction (σ_xz, σ_zz)/iω of a unit-amplitude P or SV wave.

    s: real tangential slowness, shape (N,); direction +1 (towards +z) or −1.
    Returns (d_x, d_z, t_xz, t_zz, q), each complex, shape (N,).
    """
    q = direction * _normal_slowness(v, s)
    if kind == "P":
        dx, dz = v * s, v * q
    else:
        dx, dz = v * q, -v * s
    txz = mu * (q * dx + s * dz)
    tzz = lam * (s * dx + q * dz) + 2.0 * mu * q * dz
    return dx, dz, txz, tzz, q


def _propagating(q):
    """Re q where the wave propagates (real q), 0 where it is evanescent: its normal energy flux per ρv²|A|²."""
    return np.where(np.abs(q.imag) <= 1e-12 * np.abs(q.real) + 1e-300, np.abs(q.real), 0.0)


def _waves_of(m: Material):
    """The P–SV wave kinds a medium carries and their velocities."""
    return [("P", m.v_long)] if m.is_liquid else [("P", m.v_long), ("S", m.v_trans)]


def coefficients_slowness(m1: Material, m2: Material, s, incident: str = "L") -> Coefficients:
    """Energy coefficients for tangential slowness s = sin θ₁ / v₁ (s m⁻¹), shape (N,).

    The incident wave travels in m1 (z < 0) towards m2. This is the continuum result with
    no frequency cutoffs. See `coefficients` for the angle form.
    """
    _check_incident(m1, incident)
    s = np.atleast_1d(np.asarray(s, dtype=float))
    zero = np.zeros_like(s)
    if incident == "SH":
        if m2.is_liquid:  # the liquid takes no shear: total reflection
            return Coefficients(zero, zero, zero + 1.0, zero, zero, zero)
        t = _single_wave(m1.shear_modulus, m2.shear_modulus, m1.v_trans, m2.v_trans, s)
        return Coefficients(zero, zero, 1.0 - t, zero, zero, t)
    if m1.is_liquid and m2.is_liquid:
        t = _single_wave(m2.density, m1.density, m1.v_long, m2.v_long, s)
        return Coefficients(1.0 - t, zero, zero, t, zero, zero)

    rho1, rho2 = m1.density, m2.density
    mu1, mu2 = m1.shear_modulus, m2.shear_modulus
    lam1, lam2 = m1.lame_lambda, m2.lame_lambda
    both_solid = not (m1.is_liquid or m2.is_liquid)

    v_inc = m1.v_long if incident == "L" else m1.v_trans
    scale = 1.0 / (rho1 * v_inc)  # tractions ~ ρv, displacements ~ 1: balance the rows

    def rows(d):
        dx, dz, txz, tzz, _ = d
        txz, tzz = txz * scale, tzz * scale
        out = ([dx] if both_solid else []) + [dz, txz, tzz]
        return np.stack(out, axis=-1)  # (N, n_eq)

    kind_inc = "P" if incident == "L" else "S"
    inc = _wave(rho1, v_inc, mu1, lam1, s, +1, kind_inc)
    refl = [(k, v, rho1, _wave(rho1, v, mu1, lam1, s, -1, k)) for k, v in _waves_of(m1)]
    trans = [(k, v, rho2, _wave(rho2, v, mu2, lam2, s, +1, k)) for k, v in _waves_of(m2)]
    matrix = np.stack([rows(w) for *_, w in refl] + [-rows(w) for *_, w in trans], axis=-1)
    # Grazing incidence (q_inc = 0) carries no flux; its limit s → 1/v is total specular
    # reflection (set below), unless m2 continues the incident wave unchanged. Two outgoing
    # waves of equal speed and moduli that both graze (identical media at grazing or at a
    # shared critical slowness) make the matrix singular: there, solve by least squares for
    # the departure from the incident wave running on into m2 (0 for identical media). The
    # null direction is made of grazing waves, which carry no flux.
    col_scale = 1.0 / np.abs(matrix).max(axis=-2, keepdims=True)  # equilibrate columns
    a = matrix * col_scale
    sv = np.linalg.svd(a, compute_uv=False)
    singular = sv[:, -1] <= 1e-14 * sv[:, 0]
    grazing = (s * v_inc >= 1.0) & ~singular
    replaced = (singular | grazing)[:, None, None]
    x = np.linalg.solve(np.where(replaced, np.eye(a.shape[-1]), a), -rows(inc)[..., None])[..., 0]
    amplitudes = x * col_scale[:, 0, :]
    ahead = next((len(refl) + c for c, (k, *_) in enumerate(trans) if k == kind_inc), None)
    if np.any(singular):
        departure = -rows(inc)[singular]
        if ahead is not None:
            departure += rows(trans[ahead - len(refl)][3])[singular]
        x = (np.linalg.pinv(a[singular]) @ departure[..., None])[..., 0]
        amplitudes[singular] = x * col_scale[singular, 0, :]
        if ahead is not None:
            amplitudes[singular, ahead] += 1.0

    # Energy coefficient = (ρ_k v_k² / ρ₁ v²) |A_k|² Re q_k / q_inc; where q_inc = 0 (only
    # on singular rows here) q_k / q_inc → 1 for a wave of the incident's speed, and any
    # other wave's amplitude vanishes with q_inc.
    q_inc = inc[4].real
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for col, (prefix, (kind, v, rho, wave)) in enumerate([("r", w) for w in refl] + [("t", w) for w in trans]):
            ratio = np.where(q_inc > 0, _propagating(wave[4]) / q_inc, float(v == v_inc))
            energy = rho * v**2 / (rho1 * v_inc**2) * np.abs(amplitudes[:, col]) ** 2 * ratio
            name = prefix + ("L" if kind == "P" else "SV")
            out[name] = np.where(grazing, float(name == "r" + incident), energy)
    out = {c: out.get(c, zero) for c in CHANNELS}
    return Coefficients(**out)


def _single_wave(a1, a2, v1, v2, s):
    """Transmission when one wave per side couples (SH; P between liquids), shape of s.

    T = 4 a₁a₂ρ / (a₁ + a₂ρ)² with ρ = q₂/q₁ (0 if q₂ is evanescent): a = μ for SH
    (a₁ = μ₁, a₂ = μ₂), a = ρ for liquids (a₁ = ρ₂, a₂ = ρ₁). At grazing (q₁ = 0) ρ is its
    limit: 1 for equal speeds (q₂ = q₁ for every s), else ∞ (T = 0, total reflection).
    """
    q1 = _normal_slowness(v1, s).real
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q1 > 0, _propagating(_normal_slowness(v2, s)) / q1, float(v1 == v2))
    return 4.0 * a1 * a2 * ratio / (a1 + a2 * ratio) ** 2


def _check_angles(theta):
    theta = np.asarray(theta, dtype=float)
    if np.any(~np.isfinite(theta)) or np.any(theta < 0.0) or np.any(theta > 0.5 * math.pi):
        bad = float(theta[~np.isfinite(theta) | (theta < 0.0) | (theta > 0.5 * math.pi)].ravel()[0])
        raise ValueError(f"theta = {bad!r} rad is not an angle of incidence; valid: 0 <= theta <= pi/2")
    return theta


def coefficients(m1: Material, m2: Material, theta, incident: str = "L", omega=None) -> Coefficients:
    """Energy fractions rL rSV rSH tL tSV tSH for a wave incident from m1 at angle θ (rad).

    Parameters
    ----------
    m1, m2 : incident and far media.
    theta : array of incidence angles from the normal, 0 ≤ θ ≤ π/2 (rad).
    incident : "L", "SV" or "SH".
    omega : optional angular frequency (rad s⁻¹, scalar). When given, channels closed by
        the Debye cutoffs are shut and their share is returned to specular reflection in
        the incident branch (docs/theory.md, "Frequency cutoffs"); above the incident
        branch's own cutoff there is no phonon and every coefficient is 0.

    Returns
    -------
    Coefficients with arrays of the shape of `theta`.
    """
    _check_incident(m1, incident)
    theta = _check_angles(theta)
    v_inc = m1.v_long if incident == "L" else m1.v_trans
    c = coefficients_slowness(m1, m2, np.sin(theta).ravel() / v_inc, incident)
    arr = c.as_array()
    if omega is not None:
        arr = apply_cutoffs(arr, open_channels(m1, m2, incident, float(omega))[:, None], incident)
    return Coefficients(*(a.reshape(theta.shape) for a in arr))


def open_channels(m1: Material, m2: Material, incident: str, omega) -> np.ndarray:
    """Which of the six outgoing channels are open at ω (rad s⁻¹) for Debye branches.

    Returns bool array, shape (6, *omega.shape): a channel is open when ω lies below the
    cutoff of the incident branch and of the outgoing branch; channels into branches a
    medium lacks (a liquid's SV, SH) are reported closed.
    """
    omega = np.asarray(omega, dtype=float)
    cut1 = {b.name: b.omega_cutoff for b in branches(m1)}
    cut2 = {b.name: b.omega_cutoff for b in branches(m2)}
    w_in = cut1[incident]
    rows = []
    for c in CHANNELS:
        cut = (cut1 if c[0] == "r" else cut2).get(c[1:])
        rows.append((omega < w_in) & (omega < cut) if cut is not None else np.zeros(omega.shape, bool))
    return np.stack(rows)


def apply_cutoffs(arr, is_open, incident: str):
    """Shut closed channels: their energy goes to specular reflection in the incident branch.

    arr: coefficients, shape (6, ...); is_open: bool, shape (6, ...) broadcastable to arr.
    Where the incident channel itself is closed (no phonon), everything is 0.
    """
    arr = np.asarray(arr, dtype=float)
    is_open = np.broadcast_to(is_open, arr.shape)
    spec = CHANNELS.index("r" + incident)
    out = np.where(is_open, arr, 0.0)
    closed_share = np.where(is_open, 0.0, arr).sum(axis=0)
    out[spec] = np.where(is_open[spec], out[spec] + closed_share, 0.0)
    return out


def critical_angles(m1: Material, m2: Material) -> dict[str, float]:
    """Critical angles (rad) for waves incident from m1.

    Keys are "<incident>-><channel>", e.g. "L->tL" or "SV->rL": beyond that angle the
    outgoing wave is evanescent, θ_c = arcsin(v_incident / v_outgoing). Only channels
    faster than the incident wave (and that the media carry) have one.
    """
    v = {"r": {"L": m1.v_long, "SV": m1.v_trans, "SH": m1.v_trans},
         "t": {"L": m2.v_long, "SV": m2.v_trans, "SH": m2.v_trans}}
    out = {}
    for inc in (("L",) if m1.is_liquid else BRANCHES):
        v_in = v["r"][inc]
        for c in CHANNELS:
            if inc == "SH" and c[1:] != "SH" or inc != "SH" and c[1:] == "SH":
                continue  # SH does not couple to the sagittal-plane waves
            v_out = v[c[0]][c[1:]]
            if v_out > v_in:
                out[f"{inc}->{c}"] = math.asin(v_in / v_out)
    return out


def critical_slownesses(m1: Material, m2: Material, v_in: float) -> list[float]:
    """Tangential slownesses 1/v (s m⁻¹) of every wave of either medium faster than v_in,
    ascending: where the coefficients of a wave of speed v_in have square-root kinks."""
    speeds = [m.v_long for m in (m1, m2)] + [m.v_trans for m in (m1, m2) if not m.is_liquid]
    return sorted({1.0 / v for v in speeds if v > v_in})


def slowness_nodes(m1: Material, m2: Material, incident: str, n: int = 64, others=()):
    """Quadrature in s for hemispherical averages: ∫_0^1 f 2μ dμ = 2v² ∫_0^{1/v} f(s) s ds.

    The interval is split at every critical slowness 1/v_k < 1/v_incident, where the
    coefficients have square-root kinks; `others` are further media whose critical
    slownesses also split it (the layers of a stack). Returns (s, weight) with
    Σ weight·f ≈ ∫ f 2μ dμ.
    """
    v_in = m1.v_long if incident == "L" else m1.v_trans
    kinks = {x for m in others for x in critical_slownesses(m, m, v_in)}.union(critical_slownesses(m1, m2, v_in))
    s, w = split_gauss_cosine([0.0, 1.0 / v_in, *kinks], n)
    return s, 2.0 * v_in**2 * w * s


def hemispherical_average(m1: Material, m2: Material, incident: str = "L", n: int = 64) -> np.ndarray:
    """Hemispherical averages ∫_0^1 c(μ) 2μ dμ of the six energy coefficients, shape (6,).

    Continuum (all channels open). The transmitted entries summed give Γ, the
    low-temperature transmission of branch `incident`.
    """
    _check_incident(m1, incident)
    s, w = slowness_nodes(m1, m2, incident, n)
    return coefficients_slowness(m1, m2, s, incident).as_array() @ w


def transmission_spectrum(m1: Material, m2: Material, omega, n: int = 64, angular_weight=None) -> np.ndarray:
    """α_{1→2,j}(ω) = ∫ w(ω, μ) τ_j(ω, μ) 2μ dμ for each branch j of m1, with Debye cutoffs.

    omega : array (rad s⁻¹). angular_weight : optional callable (branch, ω[..., None],
    μ²[None, :]) → weight (e.g. a Soffer specularity); None means w = 1.
    Returns shape (n_branches(m1), *omega.shape). Closed channels carry no transmission.
    """
    omega = np.asarray(omega, dtype=float)
    out = []
    for b in branches(m1):
        s, w = slowness_nodes(m1, m2, b.name, n)
        trans = coefficients_slowness(m1, m2, s, b.name).as_array()[3:]  # (3, n_s)
        is_open = open_channels(m1, m2, b.name, omega)[3:].astype(float)  # (3, *omega.shape)
        if angular_weight is None:
            out.append(np.tensordot(trans @ w, is_open, axes=(0, 0)))
        else:
            aw = angular_weight(b, omega[..., None], (1.0 - (s * b.velocity) ** 2)[None, :]) * w
            out.append(np.einsum("cs,...s,c...->...", trans, aw, is_open))
    return np.stack(out)
