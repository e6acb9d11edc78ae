"""Rough-interface Monte Carlo (geometric acoustics): what issue 9 asks to be shown.

Statistical comparisons use fixed seeds and |difference| < 4 standard errors, with the
relative standard error itself bounded so that the comparison is sharp. Reference values
come from elsewhere: the Landauer integral (`landauer`), the exact AMM coefficients
(`amm.coefficients`), and geometry computed here with NumPy root finding on the analytic
surface (not the mesh and not the kernel's ray walk).
"""

import math

import numpy as np
import pytest

import phononmc as pm
from phononmc import landauer
from phononmc.mc import interface
from phononmc.mc import rough as R
from phononmc.mc import surfaces as S
from phononmc.mc.rng import emitter_key
from phononmc.transmission import amm, specularity
from tests.mc import reference

SI, GE = pm.material("Si"), pm.material("Ge")
Z_MAX = 4.0
# trace columns (`rough.trace`)
J_IN, MU2, PHI, CHANNEL, HITS, J_FIRST, C_FIRST, D_OUT, LOST = 1, 2, 3, 4, 5, 6, 7, slice(8, 11), 12


def within(count, n, p, z=Z_MAX):
    """A binomial count within z standard errors of n p (p clipped to [0, 1] against round-off)."""
    p = min(max(p, 0.0), 1.0)
    return abs(count - n * p) <= z * math.sqrt(max(n * p * (1 - p), 1e-300))


# ------------------------------------------------------------------ flat = bare interface
@pytest.mark.parametrize("model,side", [("amm", 1), ("amm", 2), ("mixed(p=0.4)", 1)])
def test_flat_surface_reproduces_the_bare_interface(model, side):
    """z = 0 traced in 3D gives the Landauer G of the bare interface (Si|Ge, 300 K, 1e6
    packets, σ/G < 2e-3), every packet hits once, and a specular event leaves exactly in the
    flat mirror/Snell direction (p_eff = p + (1 − p) · the Lambert share of the 3° cone)."""
    res = R.run_rough(SI, GE, model, S.flat(), 300.0, side=side, seed=20 + side, n_batches=20, n_packets=50_000)
    exact = float(landauer.conductance(SI, GE, 300.0, model, side=side))
    assert res.G_err / exact < 2e-3 and abs(res.G - exact) < Z_MAX * res.G_err, (res.G, exact, res.G_err)
    hits = res.tally.sum("hits")
    assert res.lost == 0 and hits[:, 1].sum() == res.packets and hits.sum() == res.packets
    p = res.model.specularity.p
    p_eff, err = res.effective_specularity()
    cone = math.radians(res.cone_deg) ** 2  # Lambert share of a small cone about θ: δ² cos θ ≤ δ²
    assert p - Z_MAX * err <= p_eff <= p + (1 - p) * cone + Z_MAX * err


# ------------------------------------------------------------------ every packet leaves; reciprocity
@pytest.mark.parametrize("surface", [
    S.gaussian(0.3, 1.0, 8.0, 64, seed=1),
    pytest.param(S.sawtooth(45.0, 1.0, two_d=True), marks=pytest.mark.slow),
    pytest.param(S.sinusoid(0.25, 1.0, 48, two_d=True), marks=pytest.mark.slow),
], ids=["gaussian", "pyramids", "sinusoid2D"])
def test_rough_surface_is_reciprocal_and_every_packet_leaves(surface):
    """AMM at every facet of a rough Si|Ge interface, 300 K: G from medium 1 equals G from
    medium 2 (σ/G < 2e-3 each), while both differ from the flat AMM by more than 8σ; no
    packet is lost, and the packets counted by outcome are all the packets emitted."""
    flat = float(landauer.conductance(SI, GE, 300.0, "amm"))
    res = [R.run_rough(SI, GE, "amm", surface, 300.0, side=s, seed=30 + s, n_batches=20, n_packets=50_000)
           for s in (1, 2)]
    sigma = math.hypot(res[0].G_err, res[1].G_err)
    for r in res:
        assert r.lost == 0 and r.tally.sum("outcome").sum() == r.packets
        assert r.G_err / r.G < 2e-3
    assert abs(res[0].G - res[1].G) < Z_MAX * sigma, (res[0].G, res[1].G, sigma)
    assert abs(0.5 * (res[0].G + res[1].G) - flat) > 8 * sigma


# ------------------------------------------------------------------ sawtooth with 45° facets
def sawtooth_height(two_d, top, L=1.0):
    if two_d:
        return lambda x, y: top * (2 / 3 - 2 * np.maximum(np.abs(x % L - 0.5 * L), np.abs(y % L - 0.5 * L)) / L)
    return lambda x, y: top * (0.5 - 2 * np.abs(x % L - 0.5 * L) / L) + 0 * y


def rehits(h, start, d, below, t_max, samples=1500, chunk=1000):
    """Whether each ray start + t d (t > 0; start, d (n, 3)) crosses z = h again: f = z − h
    sampled densely along it changes sign (NumPy)."""
    t = np.linspace(1e-7, t_max, samples)[None, :, None]
    out = []
    for k in range(0, len(start), chunk):
        pts = start[k:k + chunk, None, :] + t * d[k:k + chunk, None, :]
        f = pts[..., 2] - h(pts[..., 0], pts[..., 1])
        out.append(np.any(f > 0, axis=1) if below else np.any(f < 0, axis=1))
    return np.concatenate(out)


@pytest.mark.parametrize("two_d,side", [(True, 1), (False, 2)], ids=["pyramids-from-Si", "grooves-from-Ge"])
def test_sawtooth_45_single_hit_is_the_amm_at_45_and_multiple_hits_follow_geometry(two_d, side):
    """Normally incident packets onto 45° facets of Si|Ge (10 K: no cutoff reached), from Si
    below or from Ge above.

    * The first event's channel fractions, per local branch, are the AMM coefficients at 45°.
    * Per first-event channel, the fraction of packets that hit again equals the geometric
      fraction of hit points from which the mirror/Snell ray of that channel meets the
      surface again, computed by sampling the analytic sawtooth along the ray in NumPy.
    """
    L, top = 1.0, 0.5
    surf = S.sawtooth(45.0, L, two_d=two_d)
    rec = R.trace(SI, GE, "amm", surf, 10.0, side=side, seed=8, n_packets=200_000, incidence=(0.0, 0.0))
    assert not rec[:, LOST].any() and np.all(rec[:, HITS] >= 1)
    m_in, m_other = (SI, GE) if side == 1 else (GE, SI)
    up = 1.0 if side == 1 else -1.0  # direction of incidence along z
    theta = math.radians(45.0)
    h = sawtooth_height(two_d, top, L)
    rng = np.random.default_rng(3)
    checked = 0
    for j, name in enumerate(amm.BRANCHES):
        mine = rec[rec[:, J_FIRST] == j]
        expected = amm.coefficients(m_in, m_other, theta, name).as_array()
        for c in range(6):
            assert within(np.sum(mine[:, C_FIRST] == c), len(mine), expected[c]), (name, amm.CHANNELS[c])
        # geometry: hit points uniform over the period (normal incidence), the facet under each
        xy = rng.uniform(0, L, (3000, 2))
        start = np.column_stack([xy, h(xy[:, 0], xy[:, 1])])
        eps = 1e-7
        gx = (h(xy[:, 0] + eps, xy[:, 1]) - h(xy[:, 0] - eps, xy[:, 1])) / (2 * eps)
        gy = (h(xy[:, 0], xy[:, 1] + eps) - h(xy[:, 0], xy[:, 1] - eps)) / (2 * eps)
        n = np.column_stack([-gx, -gy, np.ones_like(gx)]) / np.sqrt(1 + gx**2 + gy**2)[:, None]
        for c in range(6):
            if expected[c] < 1e-3:
                continue
            crossed, out_branch = divmod(c, 3)
            v_in = m_in.v_long if j == 0 else m_in.v_trans
            m_out = m_other if crossed else m_in
            r = (m_out.v_long if out_branch == 0 else m_out.v_trans) / v_in
            cos_out = math.sqrt(1 - math.sin(theta) ** 2 * r * r)
            in_medium_2 = (side == 2) != bool(crossed)
            tangential = np.array([0.0, 0.0, up]) - up * math.cos(theta) * n
            d = r * tangential + (cos_out if in_medium_2 else -cos_out) * n
            geometric = rehits(h, start, d, below=not in_medium_2, t_max=1.5 * L).mean()
            sel = mine[mine[:, C_FIRST] == c]
            again = np.mean(sel[:, HITS] >= 2)
            se = math.sqrt(geometric * (1 - geometric) / len(sel) + geometric * (1 - geometric) / len(start))
            # + 2e-3: sampling steps of 1e-3 L miss a re-hit window narrower than a step (a ray
            # from within 5e-4 L of a valley that crosses the far side of the next valley)
            assert abs(again - geometric) < Z_MAX * se + 2e-3, (name, amm.CHANNELS[c], again, geometric)
            checked += 0 < geometric < 1
    assert checked >= 1  # a channel where some hit points re-hit and some do not


def test_diffuse_events_at_facets_scatter_in_3d():
    """A local DMM sends packets out Lambert-distributed about the local normal, with a uniform
    azimuth (flat surface: μ'² uniform, and each azimuth quadrant holds a quarter)."""
    rec = R.trace(SI, GE, "dmm", S.flat(), 300.0, side=1, seed=9, n_packets=40_000)
    d = rec[:, D_OUT]
    quadrant = (d[:, 0] > 0).astype(int) * 2 + (d[:, 1] > 0)
    for q in range(4):
        assert within(np.sum(quadrant == q), len(d), 0.25)
    for lo in np.arange(0.0, 1.0, 0.25):
        assert within(np.sum((d[:, 2] ** 2 >= lo) & (d[:, 2] ** 2 < lo + 0.25)), len(d), 0.25)


def test_transverse_polarization_is_resolved_into_the_facet_frame():
    """Grooves along y, packets incident in the y–z plane (θ = 30°, φ = 90°): at a facet
    with normal in the x–z plane the local SH probability of an emitted SV or SH packet is
    (e·ĥ)², computed here from the geometry (e the polarization about the mean plane)."""
    surf = S.sawtooth(30.0, 1.0)
    rec = R.trace(SI, GE, "amm", surf, 10.0, side=1, seed=4, n_packets=60_000, incidence=(30.0, 90.0))
    d = np.array([0.0, math.sin(math.radians(30)), math.cos(math.radians(30))])
    s, c = math.sin(math.radians(30)), math.cos(math.radians(30))
    e_sh = np.cross(d, [0, 0, 1.0])
    e_sh /= np.linalg.norm(e_sh)
    e_sv = np.cross(e_sh, d)
    shares = []
    for n in (np.array([-s, 0, c]), np.array([s, 0, c])):  # the two facets of a groove
        h_axis = np.cross(d, n) / np.linalg.norm(np.cross(d, n))
        shares.append({1: float(e_sv @ h_axis) ** 2, 2: float(e_sh @ h_axis) ** 2})
    p_sh = shares[0]
    assert shares[1] == pytest.approx(p_sh, abs=1e-12) and 0.1 < p_sh[1] < 0.9
    for j in (1, 2):
        mine = rec[rec[:, J_IN] == j]
        assert within(np.sum(mine[:, J_FIRST] == 2), len(mine), p_sh[j]), j


# ------------------------------------------------------------------ total internal reflection
def test_steep_roughness_transmits_from_outside_the_flat_critical_cone():
    """Ge → Si: a transverse phonon beyond sin θ = v_T,Ge / v_T,Si = 0.604 meets only evanescent
    channels at a flat interface: not one of them crosses (checked on the flat surface). On
    45° pyramids the local angle differs from θ, and a clear share of them crosses."""
    sin_c = GE.v_trans / SI.v_trans
    counts = {}
    for name, surf in (("flat", S.flat()), ("pyramids", S.sawtooth(45.0, 1.0, two_d=True))):
        res = R.run_rough(GE, SI, "amm", surf, 300.0, side=1, seed=41, n_batches=10, n_packets=50_000)
        ang = res.tally.sum("angular")  # (incident branch, channel, sin θ bin)
        beyond = res.angle_edges[:-1] >= sin_c
        emitted = ang[1:, :, beyond].sum()
        counts[name] = ang[1:, 3:, beyond].sum(), emitted
    assert counts["flat"][0] == 0 and counts["flat"][1] > 50_000
    transmitted, emitted = counts["pyramids"]
    assert transmitted > 0.05 * emitted and emitted > 50_000


# ------------------------------------------------------------------ comparison tools
def test_best_fit_p_recovers_a_mixed_interface_and_rejects_a_rough_one():
    """A flat interface with the mixed model p = 0.4 at every event: the fit of τ(θ) and the fit
    of G both give p = 0.4 within their errors, with χ²/dof near 1. Random roughness with AMM
    facets: χ²/dof ≫ 1, p-mixing does not describe its angular transmission."""
    mixed = R.run_rough(SI, GE, "mixed(p=0.4)", S.flat(), 300.0, side=2, seed=51, n_batches=20, n_packets=25_000)
    fit = R.fit_specularity(mixed)
    assert abs(fit.p_angle - 0.4) < Z_MAX * fit.p_angle_err and fit.p_angle_err < 0.01
    assert abs(fit.p_G - 0.4) < Z_MAX * fit.p_G_err
    assert fit.chi2_dof < 2.0  # 29 dof: P(χ²/dof > 2) < 1e-3
    rough = R.run_rough(SI, GE, "amm", S.gaussian(0.3, 1.0, 8.0, 64, seed=1), 300.0, side=2, seed=52,
                        n_batches=20, n_packets=25_000)
    assert R.fit_specularity(rough).chi2_dof > 20.0


# ------------------------------------------------------------------ specularity models
@pytest.mark.parametrize("kind", ["ziman", "soffer"])
def test_specularity_goes_from_amm_to_dmm_with_roughness(kind):
    """p → 1 as η/λ → 0 and → 0 as η/λ → ∞ (Ziman exp(−16π³η²/λ²), Soffer exp(−16π²η²cos²θ/λ²),
    here at normal incidence). Au|diamond at 100 K (G_DMM ≈ 2.3 G_AMM): the mixed G is
    p G_AMM + (1 − p) G_DMM; Ziman's and Soffer's G run from the AMM G (η → 0) to the DMM G
    (η → ∞) through the crossover, their specular share (G − G_DMM)/(G_AMM − G_DMM) falling
    from 1 to 0. (Ziman's may pass G_DMM by a few tenths of a percent on the way: p(ω) weights
    frequencies where the AMM transmits more than the DMM differently from those where it
    transmits less.)"""
    lam = 1e-9
    k = 2 * math.pi / lam
    p = {"ziman": lambda eta: specularity.ziman(k, eta), "soffer": lambda eta: specularity.soffer(k, 1.0, eta)}[kind]
    assert p(1e-6 * lam) == pytest.approx(1.0, abs=1e-9) and p(10 * lam) < 1e-300
    assert p(0.05 * lam) == pytest.approx(math.exp(-(16 if kind == "soffer" else 16 * math.pi) * math.pi**2 * 0.05**2))
    T, au, diamond = 100.0, pm.material("Au"), pm.material("diamond")
    g_amm, g_dmm = (float(landauer.conductance(au, diamond, T, m)) for m in ("amm", "dmm"))
    assert g_dmm > 2 * g_amm
    g_mixed = float(landauer.conductance(au, diamond, T, "mixed(p=0.3)"))
    assert g_mixed == pytest.approx(0.3 * g_amm + 0.7 * g_dmm, rel=1e-10)
    etas = [1e-15, 1e-11, 3e-11, 1e-10, 3e-10, 1e-9, 1e-7]
    g = np.array([float(landauer.conductance(au, diamond, T, f"{kind}(eta={eta})")) for eta in etas])
    share = (g - g_dmm) / (g_amm - g_dmm)
    assert share[0] == pytest.approx(1.0, abs=1e-6) and share[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.all((share > -0.01) & (share < 1.0 + 1e-6))
    assert np.sum((share > 0.05) & (share < 0.95)) >= 2  # a crossover, not a jump


def test_rough_streams_are_keyed_apart_from_bare_streams():
    """The rough kernel draws from stream (seed, point, ("rough", side), batch) — the plain-Python
    reference stream with that key gives its packets' ω — and not from the bare interface's
    ("side", side) stream with the same seed and point."""
    rec = R.trace(SI, GE, "amm", S.flat(), 300.0, side=1, seed=3, n_packets=5)
    table = interface.plan_side(SI, GE, pm.models.parse_model("amm"), 300.0, 0.0, 1).table
    for kind, same in (("rough", True), ("side", False)):
        rng = reference.Xoshiro256(3, 0, emitter_key(kind, 1), 0)
        omega, _ = reference.draw(rng, table)
        assert (rec[0, 0] == pytest.approx(omega, rel=1e-13)) == same, kind


@pytest.mark.parametrize("kwargs,field", [
    ({"side": 3}, "side"), ({"n_packets": 0}, "n_packets"), ({"cone_deg": 0.0}, "cone_deg"),
    ({"incidence": (90.0, 0.0)}, "incidence"), ({"hit_bins": 1}, "hit_bins"), ({"surface": "flat"}, "surface"),
])
def test_run_rough_names_the_bad_argument(kwargs, field):
    args = dict(m1=SI, m2=GE, model="amm", surface=S.flat(), T=300.0) | kwargs
    with pytest.raises(ValueError, match=f"^{field} = "):
        R.run_rough(**args)
