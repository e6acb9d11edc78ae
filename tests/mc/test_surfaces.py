"""Periodic surfaces and the ray–surface intersection, against independent calculations.

The reference is brute-force root finding in NumPy: f(t) = z(t) − h(x(t), y(t)) with the
analytic h of the surface (not its triangulation), sampled densely along the ray, every
sign change refined with scipy's brentq. Sawtooth surfaces are exact on their grid, so
there the hits agree to round-off, for grazing rays and rays that cross many periods; a
sinusoid is a triangulation, so there they agree within the interpolation error.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from phononmc.mc import surfaces as S


def brute_crossings(h, origin, d, z_lo, z_hi, samples=400_001):
    """Every t > 0 at which the ray origin + t d crosses z = h(x, y) inside the layer."""
    o, d = np.asarray(origin, float), np.asarray(d, float)
    t_max = ((z_hi if d[2] > 0 else z_lo) - o[2]) / d[2]
    f = lambda t: o[2] + t * d[2] - h(o[0] + t * d[0], o[1] + t * d[1])
    t = np.linspace(0.0, t_max, samples)
    v = f(t)
    change = np.nonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0)[0]
    return np.array([brentq(f, t[i], t[i + 1], xtol=1e-15 * t_max, rtol=1e-14) for i in change])


def random_ray(rng, period, z, below, min_cos):
    """Origin uniform over a period at height z; direction with |d_z| ≥ min_cos, towards the surface."""
    mu = rng.uniform(min_cos, 1.0)
    phi = rng.uniform(0.0, 2.0 * math.pi)
    s = math.sqrt(1.0 - mu * mu)
    d = np.array([s * math.cos(phi), s * math.sin(phi), mu if below else -mu])
    return np.array([rng.uniform(0, period), rng.uniform(0, period), z]), d


@pytest.mark.parametrize("two_d", [False, True], ids=["1D", "2D"])
def test_sinusoid_hits_match_root_finding_within_the_triangulation_error(two_d):
    """First hit of 300 rays from below and above (|cos θ| ≥ 0.3): the point agrees with the
    root of the analytic A sin(qx)[sin(qy)] to within the interpolation bound, and the facet
    normal with the analytic normal to within the slope error of a chord."""
    a, L, n = 0.15, 1.0, 128
    q = 2 * math.pi / L
    surf = S.sinusoid(a, L, n, two_d=two_d)
    if two_d:
        h = lambda x, y: a * np.sin(q * x) * np.sin(q * y)
        grad = lambda x, y: (a * q * np.cos(q * x) * np.sin(q * y), a * q * np.sin(q * x) * np.cos(q * y))
    else:
        h = lambda x, y: a * np.sin(q * x) + 0 * y
        grad = lambda x, y: (a * q * np.cos(q * x), 0 * y)
    dz = a * q * q * (L / n) ** 2  # ≥ max |h − chord| (|h''| Δ²/8 per direction, both directions)
    rng = np.random.default_rng(5)
    worst = 0.0
    for r in range(300):
        below = r % 2 == 0
        o, d = random_ray(rng, L, -1.01 * a if below else 1.01 * a, below, 0.3)
        exact = brute_crossings(h, o, d, -a, a, samples=20_001)
        pts, normals, t = S.crossings(surf, o, d, 0 if below else 1)
        assert len(exact) >= 1 and len(t) == 1
        gx, gy = grad(*(o[:2] + exact[0] * d[:2]))
        slope_along = d[2] - gx * d[0] - gy * d[1]  # df/dt at the exact crossing
        assert abs(t[0] - exact[0]) < 2 * dz / abs(slope_along), (r, t[0], exact[0])
        n_exact = np.array([-gx, -gy, 1.0]) / math.sqrt(1 + gx * gx + gy * gy)
        assert np.linalg.norm(normals[0] - n_exact) < 2 * a * q * q * L / n
        worst = max(worst, abs(t[0] - exact[0]))
    assert worst > 1e-6  # the triangulation error is visible: the reference is not the mesh itself


@pytest.mark.parametrize("two_d", [False, True], ids=["grooves", "pyramids"])
def test_sawtooth_crossings_are_exact_for_grazing_rays_across_many_periods(two_d):
    """Every crossing of straight rays, down to 0.06° above the mean plane: the same number
    of crossings, at the same points to 1e-9 of a period, as the analytic sawtooth; the
    grazing rays cross tens of periods and the surface many times."""
    L, angle = 1.0, 45.0
    surf = S.sawtooth(angle, L, two_d=two_d)
    top = 0.5 * L * math.tan(math.radians(angle))
    if two_d:
        h = lambda x, y: top * (2 / 3 - 2 * np.maximum(np.abs(x % L - 0.5), np.abs(y % L - 0.5)) / L)
        lo, hi = -top / 3, 2 * top / 3
    else:
        h = lambda x, y: top * (0.5 - 2 * np.abs(x % L - 0.5) / L) + 0 * y
        lo, hi = -top / 2, top / 2
    rng = np.random.default_rng(9)
    most_periods, most_hits = 0.0, 0
    for r in range(60):
        below = r % 2 == 0
        o, d = random_ray(rng, L, lo - 1e-3 if below else hi + 1e-3, below, 0.0)
        if r < 20:  # grazing: 0.06° to 6° above the mean plane
            mu = 10 ** rng.uniform(-3, -1)
            s = math.sqrt(1 - mu * mu)
            phi = rng.uniform(0, 2 * math.pi)
            d = np.array([s * math.cos(phi), s * math.sin(phi), mu if below else -mu])
            o[2] = rng.uniform(lo, hi)
            o[2] = min(o[2], h(o[0], o[1]) - 1e-3) if below else max(o[2], h(o[0], o[1]) + 1e-3)
        exact = brute_crossings(h, o, d, lo, hi, samples=2_000_001 if r < 20 else 20_001)
        pts, normals, t = S.crossings(surf, o, d, 0 if below else 1, count=len(exact) + 2)
        assert len(t) == len(exact), (r, len(t), len(exact))
        np.testing.assert_allclose(t, exact, rtol=0, atol=1e-9 * max(1.0, exact[-1]))
        assert np.all(np.abs(np.abs(normals[:, 2]) - math.cos(math.radians(angle))) < 1e-12)
        most_periods = max(most_periods, exact[-1] * math.hypot(d[0], d[1]) / L)
        most_hits = max(most_hits, len(t))
    assert most_periods > 20 and most_hits > 10


def test_hits_alternate_in_direction_and_match_the_height_of_the_mesh():
    """A straight ray through a random surface: each crossing lies on the mesh (h(x, y) = z),
    and its facet normal is crossed upward, then downward, in turn."""
    surf = S.gaussian(0.2, 1.0, 8.0, 64, seed=2)
    d = np.array([0.99, 0.12, 0.0])
    d[2] = math.sqrt(1 - d[0] ** 2 - d[1] ** 2)
    pts, normals, _ = S.crossings(surf, [0.3, 0.4, surf.heights.min() - 1e-6], d, 0, count=50)
    assert len(pts) >= 3 and len(pts) % 2 == 1  # starts below, ends above
    np.testing.assert_allclose(surf.height(pts[:, 0], pts[:, 1]), pts[:, 2], atol=1e-12)
    signs = np.sign(normals @ d)
    assert np.all(signs == np.where(np.arange(len(pts)) % 2 == 0, 1, -1))


def test_gaussian_surface_is_reproducible_with_its_rms_and_correlation():
    """Same seed, same surface; another seed, another one. rms height exactly σ; the height
    correlation at lag ξ is σ²/e and the rms slope per direction √2 σ/ξ, averaged over 8
    seeds (each 32 ξ wide), within 5 %."""
    sigma, xi, L, n = 0.5, 2.0, 64.0, 256
    a, b = S.gaussian(sigma, xi, L, n, seed=4), S.gaussian(sigma, xi, L, n, seed=4)
    assert np.array_equal(a.heights, b.heights)
    assert not np.allclose(a.heights, S.gaussian(sigma, xi, L, n, seed=5).heights)
    lag = int(round(xi / (L / n)))
    corr, slopes = [], []
    for seed in range(8):
        s = S.gaussian(sigma, xi, L, n, seed=seed)
        assert s.rms_height == pytest.approx(sigma, rel=1e-12) and abs(s.heights.mean()) < 1e-12
        corr.append(np.mean(s.heights * np.roll(s.heights, lag, axis=0)))
        slopes.append(np.mean(np.diff(s.heights, axis=1, append=s.heights[:, :1]) ** 2) / (L / n) ** 2)
    assert np.mean(corr) == pytest.approx(sigma**2 / math.e, rel=0.05)
    assert math.sqrt(np.mean(slopes)) == pytest.approx(math.sqrt(2) * sigma / xi, rel=0.05)


def test_sawtooth_facets_have_the_given_angle():
    for two_d in (False, True):
        s = S.sawtooth(30.0, 2.0, two_d=two_d)
        assert s.rms_slope == pytest.approx(math.tan(math.radians(30.0)), rel=1e-12)
        x, y = np.random.default_rng(1).uniform(0, 2, (2, 10_000))
        assert abs(s.height(x, y).mean()) < 0.01  # mean plane z = 0


@pytest.mark.parametrize("call,field", [
    (lambda: S.sinusoid(-1.0, 1.0), "amplitude"), (lambda: S.sinusoid(1.0, 0.0), "period"),
    (lambda: S.sinusoid(1.0, 1.0, cells=2), "cells"), (lambda: S.sawtooth(90.0, 1.0), "facet_angle_deg"),
    (lambda: S.gaussian(1.0, -1.0, 10.0), "correlation_length"), (lambda: S.gaussian(1.0, 1.0, 10.0, seed=-1), "seed"),
])
def test_constructors_name_the_bad_field(call, field):
    with pytest.raises(ValueError, match=f"^{field} = "):
        call()


@pytest.mark.parametrize("surface", [S.gaussian(0.3, 1.0, 8.0, 64, seed=3), S.sinusoid(0.2, 1.0, 32, two_d=True)],
                         ids=["gaussian", "sinusoid2D"])
def test_block_walk_finds_the_same_crossings_as_the_cell_walk(surface):
    """The coarse level only skips blocks the ray cannot touch: every crossing of 300 rays
    (a third grazing, down to 0.06° from the mean plane, across many periods) is the same with
    blocks of 8 × 8 (or 4 × 4) cells as with the cells walked one by one."""
    assert surface.kernel_input().bx > 1
    rng = np.random.default_rng(12)
    lo, hi = surface.heights.min(), surface.heights.max()
    for r in range(300):
        below = r % 2 == 0
        o, d = random_ray(rng, surface.period[0], lo - 1e-3 if below else hi + 1e-3, below, 0.0)
        if r % 3 == 0:
            mu = 10 ** rng.uniform(-3, -1)
            d = np.array([*(d[:2] / np.linalg.norm(d[:2]) * math.sqrt(1 - mu * mu)), mu if below else -mu])
        blocked = S.crossings(surface, o, d, 0 if below else 1, count=200)
        cells = S.crossings(surface, o, d, 0 if below else 1, count=200, block=1)
        assert len(blocked[2]) == len(cells[2]) >= 1
        np.testing.assert_allclose(blocked[2], cells[2], rtol=1e-12, atol=0)
        np.testing.assert_array_equal(blocked[1], cells[1])
