"""Deterministic reference for gray 1D phonon transport in slabs: the exact expectations of
the Monte Carlo slab tests.

Problem (optical coordinates: x in units of the mean free path Λ of each medium). Medium 1
fills x ∈ [−a1, 0], medium 2 x ∈ [0, a2], between two black isothermal walls. I(x, μ) is the
intensity deviation in temperature units per kelvin of ΔT (μ = cos θ from +x); in each medium
(bulk relaxation-time scattering, energy conserving, isotropic re-emission)

    μ ∂I/∂x = −I + θ(x),   θ(x) = ½ ∫_{−1}^{1} I(x, μ) dμ,

θ the local temperature deviation / ΔT. Walls: I(−a1, μ > 0) = +½, I(a2, μ < 0) = −½.
Interface x = 0: a specular transmission t_s (same μ; specular reflection is 0) and, with
probability 1 − t_s, diffuse scattering: into the other medium with τ12 (from 1) / τ21
(from 2), otherwise back, Lambert (isotropic) outgoing. Detailed balance E1 τ12 = E2 τ21
(E the emissive power of a medium) turns the energy balance into temperature units:

    I(0+, μ > 0) = (1 − t_s) [τ21 T1 + (1 − τ21) T2] + t_s I(0−, μ),
    I(0−, μ < 0) = (1 − t_s) [τ12 T2 + (1 − τ12) T1] + t_s I(0+, μ),
    T1 = 2 ∫_0^1 I(0−, μ) μ dμ,   T2 = 2 ∫_0^1 I(0+, −μ) μ dμ

(T1, T2 the flux-weighted incident temperatures). A specular part needs identical media
(τ12 = τ21): it carries temperature unchanged. The heat flux in units of E/4 of the local
medium is Ψ = 2 ∫_{−1}^{1} I μ dμ; Ψ1 = q / (E1 ΔT / 4) is constant in medium 1 and
Ψ2 = Ψ1 E1/E2 = Ψ1 τ21/τ12 in medium 2. Ballistic limit (a → 0, no interface): Ψ = 1. At
the interface Ψ1 = τ_tot (T1 − T2), τ_tot = t_s + (1 − t_s) τ12: the Landauer flux between
the incident temperatures.

Method: discrete ordinates solved exactly in x (S. Chandrasekhar, Radiative Transfer (1950),
the method of discrete ordinates; as the "analytical discrete-ordinates" method, L. B.
Barichello and C. E. Siewert, J. Quant. Spectrosc. Radiat. Transf. 62, 665 (1999)). μ runs over the double-Gauss set
(Gauss–Legendre on each half range, ±μ_i, weights w_i with Σ w_i = 1), and in each medium

    I(x, ±μ_i) = A + B (x ∓ μ_i) + Σ_k α_k ν_k/(ν_k ∓ μ_i) e^{−(x − x_L)/ν_k}
                                 + Σ_k β_k ν_k/(ν_k ± μ_i) e^{−(x_R − x)/ν_k},
    θ(x) = A + B x + Σ_k [α_k e^{−(x − x_L)/ν_k} + β_k e^{−(x_R − x)/ν_k}],

with ν_k (k = 1..N−1) the positive roots of the characteristic equation
Σ_i w_i ν²/(ν² − μ_i²) = 1 (one in each (μ_i, μ_{i+1})) and A + B(x ∓ μ) the diffusion
(zero-eigenvalue) pair; the exponential modes carry no flux, so Ψ = −(4/3) B exactly. The
boundary and interface conditions at the 2N ordinates fix A, B, α, β: one dense linear
system of 2N (one slab) or 4N unknowns. The only approximation is the μ quadrature: with
N = 128 per half range Ψ is converged to 1e-10 and θ to a few 1e-6 everywhere (largest within
~1/N² of a wall or the interface; tests/test_gray_reference.py refines N and compares with an
independent Nyström solution of the integral equation).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

#: Ordinates per half range (double-Gauss): θ error ≲ 3e-6, Ψ error ≲ 1e-10 (see module doc).
N_MU = 128
#: Uniform cells per medium whose centres are GraySolution.x.
CELLS = 200
#: Grid step of the far-field least-squares fits (units of Λ).
FIT_STEP = 0.01


@dataclass(frozen=True)
class _Medium:
    """The discrete-ordinates solution in one medium on [left, right] (x in its Λ): θ = A + B x
    + Σ α_k e^{−(x − left)/ν_k} + Σ β_k e^{−(right − x)/ν_k} with n_mu ordinates (module doc)."""

    left: float
    right: float
    A: float
    B: float
    alpha: np.ndarray  # (N−1,) modes decaying from the left edge
    beta: np.ndarray  # (N−1,) modes decaying from the right edge
    n_mu: int


@dataclass(frozen=True)
class GraySolution:
    """Solution of the gray slab problem (module doc); x < 0 is medium 1, x > 0 medium 2.

    x: cell centres (units of Λ of their medium), theta: θ(x) = temperature deviation / ΔT,
    psi: q / (E1 ΔT / 4). `theta_at`, `cell_averages`, `flux_at` evaluate the exact
    discrete-ordinates solution anywhere.
    """

    x: np.ndarray
    theta: np.ndarray
    psi: float
    a1: float
    a2: float
    t_s: float
    tau12: float
    tau21: float
    _media: tuple = field(repr=False, compare=False)


@functools.lru_cache(maxsize=8)
def _ordinates(n: int):
    """(μ, w, ν): Gauss–Legendre nodes and weights on (0, 1) (Σ w = 1) and the N−1 roots
    ν_k ∈ (μ_k, μ_{k+1}) of Σ_i w_i ν²/(ν² − μ_i²) = 1, by bisection in z = ν² (the sum
    falls from +∞ to −∞ between consecutive poles μ_i²)."""
    t, w = np.polynomial.legendre.leggauss(n)
    mu, w = (t + 1.0) / 2.0, w / 2.0
    m2 = mu**2
    lo, hi = m2[:-1].copy(), m2[1:].copy()
    for _ in range(1100):  # halves a (μ_k², μ_{k+1}²) interval down to adjacent doubles
        mid = 0.5 * (lo + hi)
        if np.all((mid == lo) | (mid == hi)):
            break
        f = (w * mid[:, None] / (mid[:, None] - m2)).sum(axis=1) - 1.0
        lo, hi = np.where(f > 0.0, mid, lo), np.where(f > 0.0, hi, mid)
    nu = np.sqrt(0.5 * (lo + hi))
    for a in (mu, w, nu):
        a.flags.writeable = False
    return mu, w, nu


def _edge_rows(n: int, left: float, right: float, x: float, sign: int) -> np.ndarray:
    """(N, 2N): I(x, sign·μ_i) = rows @ [A, B, α, β] at a point x of the medium [left, right]."""
    mu, _, nu = _ordinates(n)
    m = sign * mu[:, None]
    return np.hstack([
        np.ones((n, 1)),
        x - m,
        nu / (nu - m) * np.exp(-(x - left) / nu),
        nu / (nu + m) * np.exp(-(right - x) / nu),
    ])


def _check(name, value, lo, hi, lo_open=False):
    ok = math.isfinite(value) and (lo < value if lo_open else lo <= value) and value <= hi
    if not ok:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}]"
        raise ValueError(f"{name} = {value!r} is invalid; valid: a finite number in {interval}")


def solve(a1, a2=0.0, t_s=0.0, tau12=1.0, tau21=1.0, *, n_mu=N_MU, cells=CELLS) -> GraySolution:
    """Gray slab problem of the module doc: medium 1 of optical thickness a1 (units of Λ1),
    medium 2 of a2 (units of Λ2), interface t_s, τ12, τ21. a2 = 0: one slab of thickness a1
    between the walls, no interface (t_s, τ12, τ21 keep their defaults). n_mu: ordinates per
    half range (≥ 2); cells: uniform cells per medium whose centres are the returned x.
    """
    _check("a1", float(a1), 0.0, math.inf, lo_open=True)
    _check("a2", float(a2), 0.0, math.inf)
    _check("t_s", float(t_s), 0.0, 1.0)
    _check("tau12", float(tau12), 0.0, 1.0, lo_open=True)
    _check("tau21", float(tau21), 0.0, 1.0, lo_open=True)
    if a2 == 0.0 and (t_s, tau12, tau21) != (0.0, 1.0, 1.0):
        raise ValueError(
            f"a2 = 0 is one slab without interface, but t_s = {t_s!r}, tau12 = {tau12!r}, "
            f"tau21 = {tau21!r} were given; valid: a2 > 0, or the defaults t_s = 0, tau12 = tau21 = 1"
        )
    if t_s > 0.0 and tau12 != tau21:
        raise ValueError(
            f"t_s = {t_s!r} with tau12 = {tau12!r} != tau21 = {tau21!r}: a specular part passes "
            "temperature unchanged, which conserves energy only between identical media (tau12 = tau21)"
        )
    if not (isinstance(n_mu, (int, np.integer)) and n_mu >= 2):
        raise ValueError(f"n_mu = {n_mu!r} is invalid; valid: an integer >= 2 (ordinates per half range)")
    if not (isinstance(cells, (int, np.integer)) and cells >= 1):
        raise ValueError(f"cells = {cells!r} is invalid; valid: an integer >= 1 (cells per medium)")
    a1, a2, n = float(a1), float(a2), n_mu
    mu, w, _ = _ordinates(n)
    half = 0.5 * np.ones(n)
    if a2 == 0.0:
        matrix = np.vstack([_edge_rows(n, -a1, 0.0, -a1, +1), _edge_rows(n, -a1, 0.0, 0.0, -1)])
        coeffs = [np.linalg.solve(matrix, np.concatenate([half, -half]))]
        edges = [(-a1, 0.0)]
    else:
        edges = [(-a1, 0.0), (0.0, a2)]
        p1, m1 = _edge_rows(n, -a1, 0.0, 0.0, +1), _edge_rows(n, -a1, 0.0, 0.0, -1)
        p2, m2 = _edge_rows(n, 0.0, a2, 0.0, +1), _edge_rows(n, 0.0, a2, 0.0, -1)
        t1, t2 = 2.0 * (w * mu) @ p1, 2.0 * (w * mu) @ m2  # incident temperatures T1, T2 (rows)
        e, diffuse = np.ones((n, 1)), 1.0 - t_s
        z = np.zeros((n, 2 * n))
        matrix = np.block([  # rows: left wall, I(0−, μ < 0), I(0+, μ > 0), right wall
            [_edge_rows(n, -a1, 0.0, -a1, +1), z],
            [m1 - diffuse * (1.0 - tau12) * e * t1, -t_s * m2 - diffuse * tau12 * e * t2],
            [-t_s * p1 - diffuse * tau21 * e * t1, p2 - diffuse * (1.0 - tau21) * e * t2],
            [z, _edge_rows(n, 0.0, a2, a2, -1)],
        ])
        rhs = np.concatenate([half, np.zeros(2 * n), -half])
        c = np.linalg.solve(matrix, rhs)
        coeffs = [c[: 2 * n], c[2 * n :]]
    media = tuple(
        _Medium(left, right, float(c[0]), float(c[1]), c[2 : n + 1].copy(), c[n + 1 :].copy(), n)
        for (left, right), c in zip(edges, coeffs)
    )
    xs = [left + (np.arange(cells) + 0.5) * (right - left) / cells for left, right in edges]
    psi = -4.0 * media[0].B * float(w @ mu**2)
    theta = np.concatenate([_theta(m, xm) for m, xm in zip(media, xs)])
    return GraySolution(np.concatenate(xs), theta, psi, a1, a2, float(t_s), float(tau12), float(tau21), media)


def _theta(m: _Medium, x: np.ndarray) -> np.ndarray:
    _, _, nu = _ordinates(m.n_mu)
    xc = x[:, None]
    return m.A + m.B * x + np.exp(-(xc - m.left) / nu) @ m.alpha + np.exp(-(m.right - xc) / nu) @ m.beta


def _check_points(sol: GraySolution, x: np.ndarray, name: str):
    if x.size == 0 or not np.all(np.isfinite(x)) or x.min() < -sol.a1 or x.max() > sol.a2:
        raise ValueError(f"{name} = {x.ravel()[:5]!r} is invalid; valid: finite values in [{-sol.a1}, {sol.a2}]")


def _evaluate(sol: GraySolution, x, side, func) -> np.ndarray:
    """func(medium, points) over x, each point in its medium; x = 0 between two media is on
    `side` (1: 0−, 2: 0+)."""
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    _check_points(sol, flat, "x")
    if len(sol._media) == 1:
        if side not in (None, 1):
            raise ValueError(f"side = {side!r} is invalid for a single slab; valid: None or 1")
        return func(sol._media[0], flat).reshape(x.shape)
    if side is None:
        if np.any(flat == 0.0):
            raise ValueError("x = 0 is the interface, where θ jumps; pass side = 1 (x = 0−) or 2 (x = 0+)")
        side_of = np.where(flat < 0.0, 1, 2)
    elif (side == 1 and flat.max() <= 0.0) or (side == 2 and flat.min() >= 0.0):
        side_of = np.full(flat.shape, side)
    else:
        raise ValueError(f"side = {side!r} is invalid for x in [{flat.min()}, {flat.max()}]; "
                         "valid: 1 (all x <= 0) or 2 (all x >= 0)")
    out = np.empty_like(flat)
    for s, m in enumerate(sol._media, start=1):
        mask = side_of == s
        if mask.any():
            out[mask] = func(m, flat[mask])
    return out.reshape(x.shape)


def theta_at(sol: GraySolution, x, side=None) -> np.ndarray:
    """θ(x) (temperature deviation / ΔT) of the discrete-ordinates solution, exact in x; x in
    units of Λ of its medium, shape of x. At x = 0 between two media give side = 1 (θ(0−)) or
    2 (θ(0+))."""
    return _evaluate(sol, x, side, _theta)


def _flux(m: _Medium, x: np.ndarray) -> np.ndarray:
    """Ψ = 2 Σ_i w_i μ_i [I(x, μ_i) − I(x, −μ_i)] summed mode by mode (module doc)."""
    mu, w, nu = _ordinates(m.n_mu)
    mode = 2.0 * (w * mu) @ (nu / (nu - mu[:, None]) - nu / (nu + mu[:, None]))  # (N−1,), ≈ 0
    xc = x[:, None]
    return (-4.0 * m.B * float(w @ mu**2)
            + np.exp(-(xc - m.left) / nu) @ (mode * m.alpha) - np.exp(-(m.right - xc) / nu) @ (mode * m.beta))


def flux_at(sol: GraySolution, x, side=None) -> np.ndarray:
    """Ψ(x) = q / (E ΔT / 4) in units of the local medium's E (E1 for x < 0, E2 for x > 0),
    from the ordinates at x; constant in each medium, Ψ2 = Ψ1 τ21/τ12."""
    return _evaluate(sol, x, side, _flux)


def incident_temperatures(sol: GraySolution) -> tuple[float, float]:
    """(T1, T2): the flux-weighted temperatures of the phonons incident on the interface,
    T1 = 2 ∫_0^1 I(0−, μ) μ dμ, T2 = 2 ∫_0^1 I(0+, −μ) μ dμ (module doc)."""
    if len(sol._media) == 1:
        raise ValueError("incident_temperatures needs an interface: solve with a2 > 0")
    mu, w, _ = _ordinates(sol._media[0].n_mu)
    out = []
    for m, sign in zip(sol._media, (+1, -1)):
        c = np.concatenate([[m.A, m.B], m.alpha, m.beta])
        out.append(float(2.0 * (w * mu) @ (_edge_rows(m.n_mu, m.left, m.right, 0.0, sign) @ c)))
    return out[0], out[1]


def cell_averages(sol: GraySolution, edges) -> np.ndarray:
    """Exact averages of θ over the cells [edges[i], edges[i+1]] (strictly increasing edges in
    [−a1, a2]; no cell may straddle the interface x = 0): the diffusion mode at the cell
    centre and each exponential mode averaged in closed form, e^{−d_a/ν} ν (1 − e^{−h/ν}) / h."""
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0.0):
        raise ValueError(f"edges = {edges.ravel()[:5]!r} is invalid; valid: a 1D strictly increasing array of >= 2 edges")
    _check_points(sol, edges, "edges")
    lo, hi = edges[:-1], edges[1:]
    if len(sol._media) == 2 and np.any((lo < 0.0) & (hi > 0.0)):
        raise ValueError("a cell straddles the interface x = 0; valid: edges that include 0")
    out = np.empty(lo.size)
    for s, m in enumerate(sol._media, start=1):
        mask = (hi <= 0.0) if s == 1 else (lo >= 0.0)
        if not mask.any():
            continue
        a, b = lo[mask][:, None], hi[mask][:, None]
        _, _, nu = _ordinates(m.n_mu)
        shrink = -np.expm1(-(b - a) / nu) * nu / (b - a)
        out[mask] = (m.A + m.B * 0.5 * (a[:, 0] + b[:, 0])
                     + (np.exp(-(a - m.left) / nu) * shrink) @ m.alpha
                     + (np.exp(-(m.right - b) / nu) * shrink) @ m.beta)
    return out


def _line(m: _Medium, x0: float, x1: float, step: float) -> tuple[float, float]:
    """(θ at x = 0, slope) of the least-squares line through θ on a uniform grid of [x0, x1]."""
    x = np.linspace(x0, x1, max(2, int(math.ceil((x1 - x0) / step)) + 1))
    slope, intercept = np.polyfit(x, _theta(m, x), 1)
    return float(intercept), float(slope)


def far_field_jump(sol: GraySolution, exclude, *, step=FIT_STEP) -> dict:
    """The measured temperature jump: θ fitted by a straight line (least squares on a uniform
    grid of spacing ≤ step) on [−a1 + exclude, −exclude] and [exclude, a2 − exclude], both
    lines extrapolated to x = 0. Returns theta1_0, theta2_0, jump = theta1_0 − theta2_0,
    slope1, slope2 (per Λ of each medium) and psi; G_measured / (E1/4) = psi / jump."""
    if len(sol._media) == 1:
        raise ValueError("far_field_jump needs an interface: solve with a2 > 0")
    _check("step", float(step), 0.0, math.inf, lo_open=True)
    if not (math.isfinite(exclude) and 0.0 <= 2.0 * exclude < min(sol.a1, sol.a2)):
        raise ValueError(f"exclude = {exclude!r} leaves no fit window; valid: 0 <= exclude < min(a1, a2)/2 = {min(sol.a1, sol.a2) / 2}")
    m1, m2 = sol._media
    theta1_0, slope1 = _line(m1, -sol.a1 + exclude, -exclude, step)
    theta2_0, slope2 = _line(m2, exclude, sol.a2 - exclude, step)
    return {"theta1_0": theta1_0, "theta2_0": theta2_0, "jump": theta1_0 - theta2_0,
            "slope1": slope1, "slope2": slope2, "psi": sol.psi}


def asymptotic_jump(sol: GraySolution) -> dict:
    """The far_field_jump of infinitely thick media: the diffusion mode A + B x of each medium
    (θ less its boundary layers, which decay as e^{−d/ν_k}) extrapolated to x = 0. Same keys
    as far_field_jump; the limit of its fits as a1, a2 → ∞ at any fixed exclude."""
    if len(sol._media) == 1:
        raise ValueError("asymptotic_jump needs an interface: solve with a2 > 0")
    m1, m2 = sol._media
    return {"theta1_0": m1.A, "theta2_0": m2.A, "jump": m1.A - m2.A,
            "slope1": m1.B, "slope2": m2.B, "psi": sol.psi}
