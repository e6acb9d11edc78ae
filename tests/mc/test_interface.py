"""Monte Carlo at a bare interface: kernel vs reference, MC vs Landauer, tallies, streams.

Statistical comparisons use fixed seeds and |MC − exact| < 4 standard errors, with the
relative standard error itself required to be small (stated per test).
"""

import math

import numba
import numpy as np
import pytest

import phononmc as pm
from phononmc import landauer, models
from phononmc.mc import events
from phononmc.mc import interface as I
from phononmc.mc.rng import emitter_key
from phononmc.mc.tallies import ScoreTally
from phononmc.transmission import amm, dmm
from tests.mc import reference

SI, GE = pm.material("Si"), pm.material("Ge")
AL, SAPPHIRE = pm.material("Al"), pm.material("Al2O3")
AU, DIAMOND = pm.material("Au"), pm.material("diamond")
Z_MAX = 4.0


def packets_for(m1, m2, model, T, side, rel_err=1e-3, batches=20):
    """Packets per batch for an expected relative standard error of rel_err/2 (binomial:
    σ/G = √((1 − f)/(f N)) with f the linear-response mean transmission of the emitting side).
    The factor 2 is margin: σ estimated from 20 batches scatters by 1/√38 = 16 %, so a bound
    of rel_err on it is 6 of those from the expected value and never fails by chance."""
    f = binomial_fraction(m1, m2, model, T, side)
    return int(math.ceil(4.0 * (1 - f) / f / rel_err**2 / batches / 1000) * 1000)


def binomial_fraction(m1, m2, model, T, side):
    """Energy-weighted mean transmission f of packets from `side` (1 or 2)."""
    exact = landauer.conductance(m1, m2, T, model, side=side)
    return exact / landauer.emission_conductance((m1, m2)[side - 1], T)


def run(m1, m2, model, T, side, batches=20, n=None, seed=1, point=0, delta_T=0.0, part="full",
        spectral_bins=16, angle_bins=30):
    """One side's batches (side 1 or 2); n=None picks the packets for < 1e-3 relative standard
    error. Returns (plan, scores by name (batch, ...), G from the tally, its standard error)."""
    if n is None:
        n = packets_for(m1, m2, model, T, side, batches=batches)
    plan = I.plan_side(m1, m2, models.parse_model(model), T, delta_T, side, part)
    layout = I.score_layout(spectral_bins, angle_bins)
    scores = I.run_batches(plan, seed, point, 0, batches, n, layout)
    tally = ScoreTally(layout, plan.table.g_emit / n)
    tally.add(scores)
    return plan, layout.split(scores), tally.mean("transmitted"), tally.stderr("transmitted")


# ------------------------------------------------------------------ kernel vs reference
@pytest.mark.parametrize("model,dispersion", [("amm", "debye"), ("dmm", "debye"), ("dmm", "sine"),
                                              ("mixed(p=0.5)", "debye"), ("ziman(eta=0.3e-9)", "debye"),
                                              ("soffer(eta=0.3e-9)", "debye")])
@pytest.mark.parametrize("side", [1, 2])
def test_kernel_matches_reference_packet_by_packet(model, dispersion, side):
    """Same stream, same packets: ω, branch, μ², outgoing channel, specular choice and μ'² agree
    one by one with the plain-Python emission draw and interface event."""
    m = models.parse_model(model)
    plan = I.plan_side(SI, GE, m, 30.0, 0.0, side, "full", dispersion)
    rec = I.trace(plan, seed=7, n_packets=400)
    rng = reference.Xoshiro256(7, 0, emitter_key("side", side), 0)
    near_threshold = 0
    for row in rec:
        omega, j = reference.draw(rng, plan.table)
        mu2 = rng.uniform()
        assert row[0] == pytest.approx(omega, rel=1e-13) and row[1] == j and row[2] == mu2
        d = np.array([math.sqrt(1 - mu2), 0.0, math.sqrt(mu2) * (1 if side == 1 else -1)])
        s_out, j_out, _, mu2_out, specular, r, cum = reference.event(
            rng, SI, GE, m, side - 1, j, omega, d, np.array([0.0, 0.0, 1.0]), dispersion, azimuth=False)
        assert bool(row[4]) == specular
        if row[3] != j_out + 3 * (s_out != side - 1):  # only a table-interpolation hair from a threshold
            near_threshold += 1
            assert specular and np.min(np.abs(cum - r)) < 1e-6 * cum[-1]
        else:
            assert row[5] == pytest.approx(mu2_out, abs=1e-12)
    assert near_threshold <= 2


# ------------------------------------------------------------------ MC vs Landauer
# Ge → Si and Al → sapphire have total internal reflection; Au → diamond (slow: its
# transmission cone is θ < 15°, so 1e-3 needs ~1e8 packets) is the extreme mismatch.
PAIRS = [(SI, GE), (AL, SAPPHIRE), pytest.param(AU, DIAMOND, marks=pytest.mark.slow)]


@pytest.mark.parametrize("model", ["amm", "dmm", "mixed(p=0.5)"])
@pytest.mark.parametrize("T", [5.0, 300.0])
@pytest.mark.parametrize("m1,m2", PAIRS, ids=lambda m: m.name)
def test_mc_agrees_with_landauer(m1, m2, model, T):
    """Both emitting sides, each to < 1e-3 relative standard error, within 4σ of Landauer."""
    for side in (1, 2):
        exact = landauer.conductance(m1, m2, T, model, side=side)
        _, _, g, se = run(m1, m2, model, T, side, seed=11 + side, point=3)
        assert se / exact < 1e-3
        assert abs(g - exact) < Z_MAX * se, (side, g, exact, se)


def test_detailed_balance_mc():
    """G from side 1 equals G from side 2 within statistics (AMM with cutoffs, 300 K)."""
    _, _, g1, s1 = run(SI, GE, "amm", 300.0, 1, seed=3)
    _, _, g2, s2 = run(SI, GE, "amm", 300.0, 2, seed=4)
    assert max(s1, s2) / g1 < 1e-3
    assert abs(g1 - g2) < Z_MAX * math.hypot(s1, s2)


@pytest.mark.parametrize("model", ["ziman(eta=0.3e-9)", "soffer(eta=0.3e-9)"])
def test_rough_interfaces_against_their_landauer_side(model):
    """Ziman and Soffer at 15 K, where p is neither 0 nor 1: MC from each side matches the
    Landauer integral of that side, which is many standard errors from AMM, from DMM, and from
    Ziman with η/√π — what dropping the π of Ziman's exp(−4π η² k²), or the cos²θ of Soffer's
    exp(−4 η² k² cos²θ), would give."""
    T = 15.0
    wrong_p = f"ziman(eta={0.3e-9 / math.sqrt(math.pi)})"
    for side in (1, 2):
        _, _, g, se = run(SI, GE, model, T, side, seed=21 + side)
        exact = landauer.conductance(SI, GE, T, model, side=side)
        assert se / exact < 1e-3 and abs(g - exact) < Z_MAX * se, (model, side)
        for other in ("amm", "dmm", wrong_p):
            assert abs(landauer.conductance(SI, GE, T, other, side=side) - exact) > 20 * se, other


def test_standard_error_matches_batch_scatter_and_binomial_estimate():
    """The tally's σ of G equals np.std(ddof=1)/√B of the batch values computed independently,
    and both agree with the binomial σ/G = √((1 − f)/(f N B)) within the scatter of a
    100-batch estimate (its relative error is 1/√(2·99) = 7 %; 4σ = 28 %)."""
    batches, n = 100, 20_000
    plan, out, g, se = run(SI, GE, "dmm", 300.0, 1, batches=batches, n=n, seed=71)
    per_batch = plan.table.g_emit * out["transmitted"] / n
    assert g == pytest.approx(per_batch.mean(), rel=1e-12)
    assert se == pytest.approx(per_batch.std(ddof=1) / math.sqrt(batches), rel=1e-9)
    f = binomial_fraction(SI, GE, "dmm", 300.0, 1)
    binomial = g * math.sqrt((1 - f) / (f * n * batches))
    assert abs(se / binomial - 1) < 4 / math.sqrt(2 * (batches - 1))


def test_finite_delta_T():
    """G(T ± ΔT/2) → G(T) as ΔT → 0, and at large ΔT MC follows the finite-ΔT Landauer G,
    which differs from the linear-response G by many standard errors."""
    T = 10.0
    linear = landauer.conductance(SI, GE, T, "dmm")
    _, _, g_small, s_small = run(SI, GE, "dmm", T, 1, delta_T=0.01, seed=31)
    assert abs(g_small - linear) < Z_MAX * s_small and s_small / linear < 1e-3
    big = landauer.conductance(SI, GE, T, "dmm", delta_T=16.0)
    _, _, g_big, s_big = run(SI, GE, "dmm", T, 1, delta_T=16.0, seed=32)
    assert abs(g_big - big) < Z_MAX * s_big
    assert abs(g_big - linear) > 20 * s_big
    # two-sided deviational split: side 1 emits the excess, side 2 the deficit
    halves = [run(SI, GE, "dmm", T, s, delta_T=16.0, part=part, seed=33 + s) for s, part in ((1, "upper"), (2, "lower"))]
    g_two = 0.5 * (halves[0][2] + halves[1][2])
    s_two = 0.5 * math.hypot(halves[0][3], halves[1][3])
    assert abs(g_two - big) < Z_MAX * s_two


# ------------------------------------------------------------------ resolved tallies
def _bin_average(f, edges, weight, n=400):
    """Weighted average of f over each bin: Σ f w / Σ w with n midpoints per bin."""
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        x = lo + (np.arange(n) + 0.5) / n * (hi - lo)
        w = weight(x)
        out.append((f(x) * w).sum() / w.sum() if w.sum() > 0 else np.nan)
    return np.array(out)


def test_angle_resolved_transmission_reproduces_amm():
    """Per branch and channel, in sin θ bins: MC fractions match the AMM τ(θ), and channels
    are exactly empty beyond their critical angles (Ge → Si, below all cutoffs)."""
    n_ang = 30
    _, out, _, _ = run(GE, SI, "amm", 5.0, 1, batches=10, n=200_000, angle_bins=n_ang, seed=41)
    ang = out["angular"].sum(axis=0)  # (3, 6, n_ang)
    edges = np.linspace(0, 1, n_ang + 1)
    crit = amm.critical_angles(GE, SI)
    for j, name in enumerate(amm.BRANCHES):
        emitted = ang[j].sum(axis=0)
        v = pm.dispersion.branches(GE)[j].velocity
        for c, chan in enumerate(amm.CHANNELS):
            f = lambda x, name=name, c=c: amm.coefficients_slowness(GE, SI, x / v, name).as_array()[c]
            expected = _bin_average(f, edges, lambda x: x)  # μ² uniform ⇒ density ∝ sin θ in sin θ
            frac = ang[j, c] / emitted
            se = np.sqrt(np.maximum(expected * (1 - expected), 1e-12) / emitted)
            assert np.all(np.abs(frac - expected) < 5 * se + 1e-12), (name, chan)
            key = f"{name}->{chan}"
            if key in crit:
                beyond = edges[:-1] > math.sin(crit[key])
                assert ang[j, c][beyond].sum() == 0, key


def test_spectral_transmission_reproduces_dmm():
    """Spectral tallies: transmitted/emitted per ω bin equals the emission-weighted τ_DMM(ω)."""
    plan, out, _, _ = run(SI, GE, "dmm", 300.0, 1, batches=10, n=200_000, spectral_bins=24, seed=51)
    spec = out["spectral"].sum(axis=0)
    edges = np.linspace(0, plan.table.top, 25)
    weight = lambda w: sum(b.dos_velocity(w) for b in pm.dispersion.branches(SI)) * w * \
        pm.quadrature.bose_derivative(w, 300.0)
    expected = _bin_average(lambda w: dmm.transmission(SI, GE, w), edges, weight)
    ok = spec[0] > 1000
    frac = spec[1][ok] / spec[0][ok]
    se = np.sqrt(expected[ok] * (1 - expected[ok]) / spec[0][ok])
    assert np.all(np.abs(frac - expected[ok]) <= 5 * se)  # = 0 where Ge has no phonon at all
    assert ok.sum() >= 20


def test_diffuse_directions_are_lambert_and_bookkeeping_closes():
    n_ang, batches, n = 20, 10, 100_000
    _, out, _, _ = run(SI, GE, "dmm", 100.0, 1, batches=batches, n=n, angle_bins=n_ang, seed=61)
    outgoing = out["outgoing"].sum(axis=(0, 1))
    edges = np.linspace(0, 1, n_ang + 1)
    expected = np.diff(edges**2) * outgoing.sum()  # μ'² uniform: P(sin θ' < x) = x²
    chi2 = ((outgoing - expected) ** 2 / expected).sum()
    assert chi2 < 50  # 19 degrees of freedom: p ≈ 1e-4
    outcome = out["outcome"].sum(axis=0)
    assert outcome.sum() == batches * n  # every packet has exactly one outcome
    assert outcome[:, 3:].sum() == out["transmitted"].sum()
    assert outcome[0].sum() == 0  # DMM: nothing specular
    assert np.all(out["spectral"][:, 0].sum(axis=1) == n)


# ------------------------------------------------------------------ streams
def test_bit_identical_for_one_and_two_threads():
    plan = I.plan_side(SI, GE, models.parse_model("mixed(p=0.5)"), 50.0, 0.0, 1, "full")
    layout = I.score_layout(8, 10)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = I.run_batches(plan, 5, 2, 0, 6, 20_000, layout)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = I.run_batches(plan, 5, 2, 0, 6, 20_000, layout)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)
    # and batches are independent streams: batch k of a run starting at batch k is the same
    np.testing.assert_array_equal(one[3:], I.run_batches(plan, 5, 2, 3, 3, 20_000, layout))
    for other in (I.run_batches(plan, 6, 2, 0, 6, 20_000, layout),  # another seed,
                  I.run_batches(plan, 5, 3, 0, 6, 20_000, layout),  # point,
                  I.run_batches(I.plan_side(SI, GE, models.parse_model("mixed(p=0.5)"), 50.0, 0.0, 2, "full"),
                                5, 2, 0, 6, 20_000, layout)):  # or emitter: other streams
        assert not np.array_equal(layout.split(one)["spectral"], layout.split(other)["spectral"])
    assert len({emitter_key(kind, k) for kind in ("side", "wall", "layer") for k in (1, 2)}) == 6


# ------------------------------------------------------------------ tables (deterministic bias)
@pytest.mark.parametrize("m1,m2", [(SI, GE), (AU, DIAMOND), (pm.material("Cu"), pm.material("He4"))],
                         ids=lambda m: m.name)
def test_amm_table_integrates_to_hemispherical_average(m1, m2):
    """The kernel's interpolated AMM table, integrated over μ², reproduces the analytic
    hemispherical transmission to 1e-5 (a grid uniform in μ² missed it by 1e-4)."""
    iface = events.interface_tables(m1, m2)
    table = iface.amm.reshape(2, 3, events.N_SEGMENTS, 2, events.N_PER_HALF + 1, 6)
    edges = iface.amm_edges.reshape(2, 3, events.N_SEGMENTS + 1)
    y = np.linspace(0.0, 1.0, events.N_PER_HALF + 1)
    yy = np.linspace(0.0, 1.0, 100_001)
    for side, (a, b) in enumerate(((m1, m2), (m2, m1))):
        for j, name in enumerate(amm.BRANCHES[: 1 if a.is_liquid else 3]):
            exact = amm.hemispherical_average(a, b, name)[3:].sum()
            e, total = edges[side, j], 0.0
            for seg in range(events.N_SEGMENTS):
                half = 0.5 * (e[seg + 1] - e[seg])
                for h in (0, 1):  # μ² = end ± half·y², dμ² = 2·half·y dy
                    transmitted = 1.0 - table[side, j, seg, h][:, 2]
                    total += np.trapezoid(np.interp(yy, y, transmitted) * 2 * half * yy, yy)
            assert abs(total - exact) <= 1e-5 * exact, (a.name, name)


@pytest.mark.parametrize("T", [3.0, 300.0])
def test_emission_table_flux_and_dmm_expectation_are_exact(T):
    """Cell masses sum to the analytic emitted flux, and with Debye DMM the kernel's expected G
    — the cell masses times the transmitted probability of the interface's own per-band
    thresholds — equals Landauer to round-off: any MC deviation is statistics."""
    for side, (a, b) in ((1, (SI, GE)), (2, (GE, SI))):
        plan = I.plan_side(SI, GE, models.parse_model("dmm"), T, 0.0, side, "full")
        t = plan.table
        assert t.g_emit == pytest.approx(landauer.emission_conductance(a, T), rel=1e-12)
        mid = t.entries[::t.mass.shape[1], 2] + 0.5 * t.entries[::t.mass.shape[1], 3]
        band = (mid[:, None] >= plan.iface.band_edges[None, :]).sum(axis=1)
        reflected = plan.iface.dmm.reshape(events.N_BANDS, 2, 5)[band, side - 1, 2]  # P(rL + rSV + rSH)
        expected = (t.mass.sum(axis=1) * (1.0 - reflected)).sum()
        assert expected == pytest.approx(landauer.conductance(SI, GE, T, "dmm", side=side), rel=1e-12)


# ------------------------------------------------------------------ identical media (first rung)
HE = pm.material("He4")


@pytest.mark.parametrize("medium", [SI, GE, HE], ids=lambda m: m.name)
def test_identical_media_amm_transmits_every_packet_and_dmm_half(medium):
    """AMM: every packet of every branch crosses into its own branch — G = G_emit exactly, σ = 0;
    DMM: τ = 1/2 for every phonon, so G = G_emit/2 within 4σ, from both sides."""
    for side in (1, 2):
        plan, out, g, se = run(medium, medium, "amm", 20.0, side, batches=4, n=50_000, seed=81)
        assert se == 0.0 and g == pytest.approx(plan.table.g_emit, rel=1e-12)
        outcome = out["outcome"].sum(axis=0)[0]  # specular: channel = the incident branch, transmitted
        assert outcome[3:].sum() == 4 * 50_000
        angular = out["angular"].sum(axis=0)
        for j in range(3):
            assert angular[j].sum() == angular[j, 3 + j].sum()
        _, _, g, se = run(medium, medium, "dmm", 20.0, side, batches=20, n=50_000, seed=82)
        assert abs(g - 0.5 * plan.table.g_emit) < Z_MAX * se and se / g < 2e-3


@pytest.mark.parametrize("field", ["density", "v_long", "v_trans"])
def test_nearly_identical_media_have_no_cliff(field):
    """Media differing by 1e-9 in one property: the AMM transmits all but a fraction of the
    packets far below the statistical resolution (1e-4 here), continuous with identical media."""
    other = pm.Material(**{**{f: getattr(SI, f) for f in ("name", "density", "v_long", "v_trans", "atom_density")},
                           field: getattr(SI, field) * (1 + 1e-9)})
    for side in (1, 2):
        plan, out, g, _ = run(SI, other, "amm", 20.0, side, batches=4, n=50_000, seed=83)
        assert g / plan.table.g_emit > 1 - 1e-4
