"""The inelastic channel in the Monte Carlo (events._inelastic_event) against the analytic channel
(landauer.inelastic_channel, models.acceptance_spectrum): G with the channel from either side,
the heat it carries, its re-emission spectrum, and the slab kernel in the ballistic limit.

diamond | Pb: Pb's cutoffs lie far below diamond's, so most diamond phonons have no elastic
partner and the channel carries 30–90 % of G — an effect hundreds of σ wide at σ/G < 0.5 %.
"""

import math
import textwrap

import numba
import numpy as np
import pytest

from phononmc import config, landauer, models
from phononmc.constants import HBAR
from phononmc.dispersion import branches
from phononmc.materials import material
from phononmc.mc import run as mc_run
from phononmc.mc.events import ELASTIC, _band, _inelastic_event, inelastic_tables, interface_tables
from phononmc.mc.rng import _stream
from phononmc.models import Model
from phononmc.quadrature import bose_derivative, gauss_cosine

DIAMOND, PB = material("diamond"), material("Pb")
CHANNEL = '{ A = 0.02, q = 1.0, m = 1.0 }'


def interface_run(kind, side, T=100.0, inelastic=CHANNEL, packets=50000, batches=20, seed=4):
    text = textwrap.dedent(f"""
        seed = {seed}
        [interface]
        material_1 = "diamond"
        material_2 = "Pb"
        [[models]]
        kind = "{kind}"
        {'' if inelastic is None else f'inelastic = {inelastic}'}
        [temperatures]
        values = [{T}]
        [monte_carlo]
        packets_per_batch = {packets}
        batches = {batches}
        side = {side if side != "both" else '"both"'}
    """)
    return mc_run.simulate(config.parse(text), progress=False, write=False).points[0]


@pytest.mark.parametrize("kind", ["dmm", "amm"])
@pytest.mark.parametrize("side", [1, 2, "both"])
def test_monte_carlo_reproduces_g_with_the_channel(kind, side):
    """G and the inelastic part of G within 4σ of the analytic values, from medium 1 (τ_inel, capped
    per (ω, μ)), from medium 2 (the detailed-balance constant c) and from both; the channel moves G
    by far more than 20σ."""
    p = interface_run(kind, side)
    assert p.G_err < 5e-3 * p.G_analytic
    assert abs(p.G - p.G_analytic) < 4 * p.G_err
    g_inel, g_inel_err = p.G_inel
    assert abs(g_inel - p.G_inel_analytic) < 4 * g_inel_err
    elastic = float(landauer.conductance(DIAMOND, PB, 100.0, kind))
    assert p.G - elastic > 20 * p.G_err
    assert abs(g_inel / (p.G - elastic) - 1.0) < 4 * math.hypot(g_inel_err / g_inel, p.G_err / (p.G - elastic))


def test_zero_amplitude_is_the_elastic_run():
    """A = 0 carries nothing: the kernel runs elastic, packet for packet the same as without a channel."""
    a = interface_run("dmm", "both", inelastic="{ A = 0.0 }", packets=5000, batches=4)
    b = interface_run("dmm", "both", inelastic=None, packets=5000, batches=4)
    assert (a.G, a.G_err) == (b.G, b.G_err) and a.G_inel == (0.0, 0.0)
    assert inelastic_tables(DIAMOND, PB, Model("dmm", inelastic={"A": 0.0}), 100.0) is ELASTIC


@numba.njit
def _reemitted(inel, iface, spec, side, omega, n):
    """(ω′, branch′, μ′²) rows of the packets the channel takes from `side` at ω (above the other
    side's cutoffs: the elastic event always reflects them), in n tries."""
    state = _stream(11, 0, 0, 0)
    out = np.empty((n, 3))
    k = 0
    for _ in range(n):
        went, w, j, mu2 = _inelastic_event(state, iface, spec, inel, side, 0, omega, _band(iface, omega), 0.5)
        if went:
            out[k, 0], out[k, 1], out[k, 2] = w, j, mu2
            k += 1
    return out[:k]


def _binned(far, near, model, T, amplitude, exponent, omega_ref, w_edges, mu2_edges, capped=True):
    """Expected share of re-emitted packets per (branch, ω bin, μ² bin): ∫∫ F_j(ω) a_j(ω, μ) dμ² dω,
    F_j ∝ ħω D_j v_j ∂n/∂T, a = min(τ0, 1 − τ_el,j(ω, μ)) (or 1 if not `capped`), normalized."""
    t, wt = gauss_cosine(0.0, 1.0, 8)
    out = np.zeros((3, len(w_edges) - 1, len(mu2_edges) - 1))
    for j, b in enumerate(branches(far)):
        for i, (lo, hi) in enumerate(zip(w_edges[:-1], w_edges[1:])):
            w = lo + (hi - lo) * t
            f = b.dos_velocity(w) * HBAR * w * bose_derivative(w, T) * wt * (hi - lo)
            tau0 = amplitude * (w / omega_ref) ** exponent
            for k, (a, c) in enumerate(zip(mu2_edges[:-1], mu2_edges[1:])):
                mu2 = a + (c - a) * t
                s = np.sqrt(1.0 - mu2) / b.velocity
                tau_el = models.elastic_tau(far, near, model, w, s, b.name)  # (n_ω, n_μ)
                acc = np.minimum(tau0[:, None], 1.0 - tau_el) if capped else np.ones_like(tau_el)
                out[j, i, k] = (f[:, None] * acc * wt[None, :] * (c - a)).sum()
    return out / out.sum()


@pytest.mark.parametrize("side,inelastic,T", [(0, {"A": 0.08}, 300.0), (1, {"A": 0.02, "q": 1.0, "m": 1.0}, 100.0)],
                         ids=["into Pb (cap c binds)", "into diamond (tau0 ∝ ω)"])
def test_reemission_is_the_far_sides_inelastic_emission(side, inelastic, T):
    """Detailed balance of the separable kernel: a packet crossing inelastically is re-emitted in the
    other medium with (ω′, branch, μ′) ∝ F_j(ω′) min(τ0(ω′), 1 − τ_el,j(ω′, μ′)) there. AMM: into Pb
    the cap min(c, 1 − τ_el) (c = 0.77) binds inside the cone sin θ ≲ v_Pb/v_diamond where Pb
    phonons transmit elastically (τ_el up to 0.8) and thins the re-emission there; into diamond τ0 ∝ ω shapes the spectrum. χ² over (branch, ω, μ²) bins against
    that distribution, and rejects the plain emission F_j × Lambert (χ² > 2× the threshold)."""
    model = Model("amm", inelastic=inelastic)
    inel = inelastic_tables(DIAMOND, PB, model, T)
    iface = interface_tables(DIAMOND, PB)
    far, near = (PB, DIAMOND) if side == 0 else (DIAMOND, PB)
    pb_top = max(b.omega_cutoff for b in branches(PB))
    omega_in = 1.5 * pb_top if side == 0 else 0.5 * pb_top
    rows = _reemitted(inel, iface, model.specularity, side, omega_in, 400_000 if side == 0 else 1_500_000)
    assert rows.shape[0] > 20_000

    w_edges = np.unique(np.concatenate([np.linspace(0.0, max(b.omega_cutoff for b in branches(far)), 7),
                                        [b.omega_cutoff for b in branches(far)]]))
    mu2_edges = np.array([0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 1.0])  # fine near normal: Pb's cone into diamond
    counts = np.stack([np.histogram2d(rows[rows[:, 1] == j, 0], rows[rows[:, 1] == j, 2], (w_edges, mu2_edges))[0]
                       for j in range(3)])
    amplitude, exponent = inel.amplitude[1 - side], inel.exponent[1 - side]
    threshold = None
    for capped in (True, False):
        expected = rows.shape[0] * _binned(far, near, model, T, amplitude, exponent, inel.omega_ref, w_edges,
                                           mu2_edges, capped)
        keep = expected > 20
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 = float((((counts - expected) ** 2 / expected)[keep]).sum())
        if threshold is None:
            dof = int(keep.sum()) - 1
            threshold = dof + 5 * math.sqrt(2 * dof)
            assert chi2 < threshold
        else:
            assert chi2 > 2 * threshold  # the plain emission is rejected, with margin


def slab_run(seed, thickness, cells, scattering_2, packets):
    """A diamond | Pb slab point with the DMM and `CHANNEL` at 100 K (diamond: mean free path 1 µm)."""
    text = textwrap.dedent(f"""
        seed = {seed}
        [interface]
        material_1 = "diamond"
        material_2 = "Pb"
        [[models]]
        kind = "dmm"
        inelastic = {CHANNEL}
        [temperatures]
        values = [100.0]
        [slab]
        thickness = {thickness}
        cells = {cells}
        scattering_1 = {{ mfp = 1e-6 }}
        scattering_2 = {scattering_2}
        [monte_carlo]
        packets_per_batch = {packets}
        batches = 20
    """)
    return mc_run.simulate(config.parse(text), progress=False, write=False).points[0]


def test_ballistic_slab_with_the_channel_is_landauer():
    """A diamond | Pb slab far thinner than its mean free path: the walls see the bare interface, so
    q/ΔT is the Landauer G with the channel (emitted-phonon temperatures), within 4σ."""
    p = slab_run(3, "[1e-12, 1e-12]", "[2, 2]", "{ mfp = 1e-6 }", 20000)
    q, q_err = p.flux()
    want = float(landauer.conductance(DIAMOND, PB, 100.0, Model("dmm", inelastic={"A": 0.02, "q": 1.0, "m": 1.0})))
    assert q_err < 5e-3 * want and abs(q - want) < 4 * q_err


def test_slab_with_the_channel_is_reciprocal():
    """Linear response and an equilibrium that the channel leaves alone (detailed balance): each
    wall's packets carry half the flux, q₁ = q₂ = G ΔT/2, also when the inelastically re-emitted
    packets scatter in Pb and meet the interface again. Pb scatters with a Rayleigh rate
    A ω⁴ (mean free path ~10 nm at 1e13 rad/s) and boundary scattering: a packet re-emitted at a
    frequency other than Pb's inelastic emission (say, its diamond frequency) flies a different
    first path, and the balance breaks."""
    p = slab_run(8, "[1e-12, 2e-8]", "[1, 4]", "{ impurity = 1e-41, boundary = 2e-8 }", 80000)
    (q1, q2), (e1, e2) = ([float(t.mean("crossed")[0]) for t in p.tallies],
                          [float(t.stderr("crossed")[0]) for t in p.tallies])
    assert max(e1 / q1, e2 / q2) < 5e-3
    assert abs(q1 - q2) < 4 * math.hypot(e1, e2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dmm", "amm"])
def test_channel_at_high_precision(kind):
    """Both sides at 300 K with q = m = 0 (the channel carries 82–93 % of G): the Monte Carlo G and
    G_inel against the analytic values at σ/G < 1e-3."""
    p = interface_run(kind, "both", T=300.0, inelastic="{ A = 0.02 }", packets=2_000_000, batches=20)
    assert p.G_err < 1e-3 * p.G_analytic
    assert abs(p.G - p.G_analytic) < 4 * p.G_err
    g_inel, g_inel_err = p.G_inel
    assert abs(g_inel - p.G_inel_analytic) < 4 * g_inel_err
