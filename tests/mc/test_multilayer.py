"""The incoherent multilayer Monte Carlo (mc.multilayer) against closed forms and the analytic
incoherent stack, its link to the thickness-averaged coherent stack, and its conservation laws.

Statistical comparisons are within 4σ with σ/G ≤ 0.5 %, far below the effects they separate
(a layer changes G by tens of per cent; the incoherent and coherent pictures differ by more).
"""

import math
import textwrap

import numpy as np
import pytest

from phononmc import config, landauer
from phononmc.dispersion import branches
from phononmc.materials import material
from phononmc.mc import run as mc_run
from phononmc.transmission import amm
from phononmc.transmission import incoherent as inc
from tests.gray_reference import solve
from tests.transmission.test_incoherent import thickness_average

SI, GE = material("Si"), material("Ge")


def stack_run(stack, model="amm", m1="Si", m2="Si", T=50.0, packets=20000, batches=20, seed=5, extra=""):
    """A [layers] run in memory: `stack` is the TOML text of the stack array."""
    text = textwrap.dedent(f"""
        seed = {seed}
        [interface]
        material_1 = "{m1}"
        material_2 = "{m2}"
        [[models]]
        kind = "{model}"
        [temperatures]
        values = [{T}]
        [layers]
        stack = {stack}
        n_omega = 8
        n_angle = 12
        {extra}
        [monte_carlo]
        packets_per_batch = {packets}
        batches = {batches}
        checkpoint_every = {batches}
    """)
    return mc_run.simulate(config.parse(text), progress=False, write=False).points


def emission(m, T, branch=None):
    """G_emit of medium m (W m⁻² K⁻¹), or of one branch of it."""
    bs = branches(m) if branch is None else [branches(m)[branch]]
    return float(landauer._thermal_integral(lambda w: sum(b.dos_velocity(w) for b in bs), T,
                                            landauer._cutoffs(m)))


def test_identical_media_under_the_amm_are_transparent():
    """Si | Si | Si, specular: every event transmits, so every packet crosses and G = G_emit exactly
    (no statistical error at all)."""
    p = stack_run('[{ material = "Si", thickness = 3e-9 }, { material = "Si", thickness = 1e-9 }]')[0]
    G, err = p.measured()
    assert err == 0.0
    assert abs(G / emission(SI, 50.0) - 1.0) < 1e-12


def test_dmm_layers_add_as_resistances_in_series():
    """Diffuse interfaces and Lambert flights: 1/(M₁ τ) = Σ_media 1/M per frequency (M = Σ_j D_j v_j),
    so identical media with two interfaces give G_emit/3 and Si | Ge | GaAs | Si the series
    integral computed here."""
    p = stack_run('[{ material = "Si", thickness = 2e-9 }]', model="dmm")[0]
    G, err = p.measured()
    want = emission(SI, 50.0) / 3.0
    assert err < 5e-3 * want and abs(G - want) < 4 * err

    gaas = material("GaAs")
    p = stack_run('[{ material = "Ge", thickness = 2e-9 }, { material = "GaAs", thickness = 1e-9 }]',
                  model="dmm", T=300.0)[0]
    G, err = p.measured()

    def spectrum(w):
        flux = [sum(b.dos_velocity(w) for b in branches(m)) for m in (SI, GE, gaas, SI)]
        with np.errstate(divide="ignore"):
            return np.where(flux[1] * flux[2] > 0, 1.0 / sum(1.0 / np.where(f > 0, f, 1.0) for f in flux), 0.0)
    want = float(landauer._thermal_integral(spectrum, 300.0, landauer._cutoffs(SI, GE, gaas)))
    assert err < 5e-3 * want and abs(G - want) < 4 * err


@pytest.mark.parametrize("T", [50.0, 300.0])
@pytest.mark.parametrize("m2,stack,layers", [
    (SI, '[{ material = "Ge", thickness = 2e-9 }]', [(GE, 2e-9)]),
    (GE, '[{ material = "GaAs", thickness = 1e-9 }, { material = "Al2O3", thickness = 1e-9 }]',
     [(material("GaAs"), 1e-9), (material("Al2O3"), 1e-9)]),
], ids=["Si|Ge|Si", "Si|GaAs|Al2O3|Ge"])
def test_amm_stack_is_the_incoherent_markov_chain(m2, stack, layers, T):
    """Specular events with mode conversion and Debye cutoffs (Ge's transverse cutoff lies inside
    the 300 K band) packet by packet = the absorbing Markov chain of `transmission.incoherent`."""
    p = stack_run(stack, m2=m2.name, T=T)[0]
    G, err = p.measured()
    want = float(inc.incoherent_conductance(SI, m2, layers, T, "amm"))
    assert p.G_incoherent == pytest.approx(want, rel=1e-12)
    assert err < 5e-3 * want and abs(G - want) < 4 * err
    assert abs(G / p.G_interface - 1.0) > 20 * err / G  # the layer matters, many σ over


def test_graded_layer_matches_the_incoherent_chain_of_its_sublayers():
    """A graded Si → Ge layer of 6 uniform sublayers (7 interfaces) under the AMM: the Monte Carlo
    against the chain through the same sublayers, and above the sharp Si | Ge interface."""
    from phononmc.transmission import multilayer as ml

    p = stack_run('[{ graded = true, thickness = 6e-9, sublayers = 6 }]', m2="Ge", T=50.0)[0]
    G, err = p.measured()
    want = float(inc.incoherent_conductance(SI, GE, ml.graded(SI, GE, 6e-9, 6), 50.0, "amm"))
    assert err < 5e-3 * want and abs(G - want) < 4 * err
    assert G - p.G_interface > 10 * err


def test_sh_phonons_recover_the_thickness_averaged_coherent_stack():
    """The link between the pictures where it is exact (one scalar layer): SH phonons of Si through
    a Ge layer keep their polarization at every specular event, and below every cutoff the
    coherent SH transmission averaged over the layer thickness is the incoherent one (Airy).
    The Monte Carlo's SH share of G, through[SH] of both walls, equals ᾱ_SH × G_emit,SH(Si).
    At 20 K the Ge cutoffs (ħω_c/k_B T ≥ 17) shut off < 10⁻⁵ of the SH flux, far below σ."""
    p = stack_run('[{ material = "Ge", thickness = 2e-9 }]', T=20.0, packets=40000)[0]
    t1, t2 = p.tallies
    g_sh = float(t1.mean("through")[2] - t2.mean("through")[2])
    err = math.hypot(float(t1.stderr("through")[2]), float(t2.stderr("through")[2]))
    s, w = amm.slowness_nodes(SI, SI, "SH", 16, [GE])
    alpha_sh = thickness_average(SI, SI, [(GE, 1.0)], s, "SH", 100, 20)[3:].sum(axis=0) @ w
    want = alpha_sh * emission(SI, 20.0, branch=2)
    assert err < 5e-3 * want and abs(g_sh - want) < 4 * err
    # the full G is not the averaged coherent G: P–SV keeps a residual (transmission.incoherent)
    assert abs(p.G_coherent / want - 1.0) > 0.1


def test_ballistic_stack_does_not_depend_on_thickness():
    """Phases are never followed and nothing scatters: the same random draws (point 0 of two runs)
    give the same events for any thickness, so G is bit-identical while the profiles stretch; in
    one series the points draw from their own streams and agree within their errors."""
    a, b = (stack_run(f'[{{ material = "Ge", thickness = {h} }}]', model="dmm", packets=2000, batches=4)[0]
            for h in (1e-9, 7e-9))
    assert a.measured() == b.measured()
    assert not np.array_equal(a.edges, b.edges)
    c, d = stack_run('[{ material = "Ge", thickness = [1e-9, 7e-9] }]', model="dmm", packets=2000, batches=4)
    assert (c.swept, d.swept) == (1e-9, 7e-9) and c.measured() != d.measured()
    assert abs(c.measured()[0] - d.measured()[0]) < 4 * math.hypot(c.measured()[1], d.measured()[1])
    c = stack_run('[{ material = "GaAs", thickness = 1e-9 }]', model="dmm", packets=2000, batches=4)[0]
    assert c.measured()[0] != a.measured()[0]


def test_gray_layer_between_transparent_leads_is_the_gray_slab():
    """Si leads | Si layer with one mean free path Λ | Si leads, AMM (transparent): exactly the gray
    slab between black walls, G/G_emit = Ψ(L/Λ) (Heaslet–Warming, `tests.gray_reference`)."""
    p = stack_run('[{ material = "Si", thickness = 1e-8, scattering = { mfp = 1e-8 }, cells = 10 }]',
                  T=300.0, packets=20000)[0]
    G, err = p.measured()
    psi, psi_err = G / emission(SI, 300.0), err / emission(SI, 300.0)
    exact = solve(1.0).psi
    assert psi_err < 2.5e-3 * exact and abs(psi - exact) < 4 * psi_err


def test_every_interface_carries_the_same_flux():
    """Steady state, packet by packet: every history crosses each interface a net 0 or ±1 times, the
    same for all interfaces, so the net crossings agree to round-off in every batch."""
    p = stack_run('[{ material = "Ge", thickness = 2e-9, scattering = { mfp = 1e-9 } }, '
                  '{ material = "GaAs", thickness = 1e-9 }]', model="dmm", T=300.0, packets=2000, batches=4)[0]
    q, _ = p.crossed()
    assert q.shape == (3,)
    assert np.allclose(q, q[0], rtol=1e-12, atol=0.0)
    theta, _ = p.profile()
    assert theta[0] > theta[-1]  # hot lead to cold lead


@pytest.mark.slow
@pytest.mark.parametrize("model", ["amm", "dmm"])
@pytest.mark.parametrize("m2,stack,layers,packets,precision", [
    ("Si", '[{ material = "Ge", thickness = 2e-9 }]', "Ge", 1_000_000, 1e-3),
    ("Ge", '[{ graded = true, thickness = 20e-9, sublayers = 20 }]', "graded", 500_000, 2.5e-3),
], ids=["Si|Ge|Si", "Si|graded(20)|Ge"])
def test_stacks_at_high_precision(model, m2, stack, layers, packets, precision):
    """300 K, cutoffs of every layer inside the band: the Monte Carlo against the incoherent chain,
    at σ/G < 1e-3 for one layer and < 2.5e-3 for the 21 interfaces of a graded layer (19 events
    per packet; the graded layer moves G from the sharp interface's by −3 % (AMM, 11σ) and
    −91 % (DMM))."""
    from phononmc.transmission import multilayer as ml

    p = stack_run(stack, model=model, m2=m2, T=300.0, packets=packets, batches=20)[0]
    G, err = p.measured()
    media = [(GE, 2e-9)] if layers == "Ge" else ml.graded(SI, GE, 20e-9, 20)
    want = float(inc.incoherent_conductance(SI, material(m2), media, 300.0, model))
    assert err < precision * want and abs(G - want) < 4 * err
