"""Incoherent (particle) stack transmission: the single-interface limits, energy conservation,
detailed balance, the DMM series formulas, and the link to the thickness-averaged coherent stack."""

import math

import numpy as np
import pytest

from phononmc import landauer
from phononmc.materials import material
from phononmc.dispersion import branches
from phononmc.transmission import amm, dmm
from phononmc.transmission import incoherent as inc
from phononmc.transmission import multilayer as ml
from tests.strategies import AL2O3, GE, PB, SI

DIAMOND = material("diamond")

T = np.array([3.0, 40.0, 300.0])
STACK = [(AL2O3, 1e-9), (PB, 0.0), (GE, 2e-9)]


def omegas(*media):
    """Frequencies (rad s⁻¹) on both sides of every cutoff of the media, and one above all."""
    cuts = np.array(landauer._cutoffs(*media))
    return np.sort(np.concatenate([[1e11], 0.97 * cuts, cuts, 1.03 * cuts]))  # at a cutoff it is closed


def slownesses(m, incident, n=25):
    v = m.v_long if incident == "L" else m.v_trans
    return np.sin(np.linspace(0.0, 0.5 * math.pi, n)) / v


def single_interface(m1, m2, omega, s, incident):
    """The single-interface AMM fractions with the cutoff rule, (6, n_ω, n_s)."""
    c = amm.coefficients_slowness(m1, m2, s, incident).as_array()
    return amm.apply_cutoffs(np.broadcast_to(c[:, None], (6, len(omega), len(s))),
                             amm.open_channels(m1, m2, incident, omega)[:, :, None], incident)


@pytest.mark.parametrize("model", inc.MODELS)
@pytest.mark.parametrize("m1,m2", [(SI, GE), (GE, PB), (AL2O3, SI)], ids=lambda m: m.name)
def test_no_layers_is_the_landauer_conductance(model, m1, m2):
    # the same slowness nodes (64 per piece) and thermal nodes as landauer: agreement to round-off
    got = inc.incoherent_conductance(m1, m2, [], T, model, n_angle=64)
    np.testing.assert_allclose(got, landauer.conductance(m1, m2, T, model), rtol=1e-12)


@pytest.mark.parametrize("m1,m2", [(SI, GE), (GE, PB), (PB, AL2O3)], ids=lambda m: m.name)
@pytest.mark.parametrize("incident", amm.BRANCHES)
def test_layers_of_the_outer_media_are_the_single_interface(m1, m2, incident):
    """m1|m1 and m2|m2 transmit everything, so these stacks are the bare m1|m2 interface."""
    omega, s = omegas(m1, m2), slownesses(m1, incident)
    want = single_interface(m1, m2, omega, s, incident)
    for layers in ([], [(m1, 3e-9)], [(m1, 0.0), (m1, 1e-9)], [(m2, 0.0)], [(m1, 1e-9), (m2, 2e-9)]):
        got = inc.incoherent_transmission_slowness(m1, m2, layers, omega, s, incident)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("m1,m2", [(SI, GE), (GE, SI), (PB, AL2O3)], ids=lambda m: m.name)
@pytest.mark.parametrize("incident", amm.BRANCHES)
def test_energy_is_conserved_at_every_frequency_and_slowness(m1, m2, incident):
    omega, s = omegas(m1, m2, *(m for m, _ in STACK)), slownesses(m1, incident)
    got = inc.incoherent_transmission_slowness(m1, m2, STACK, omega, s, incident)
    has_phonon = omega < {b.name: b.omega_cutoff for b in branches(m1)}[incident]
    assert has_phonon.any() and not has_phonon.all()
    assert np.all(got >= -1e-15)
    np.testing.assert_allclose(got.sum(axis=0), np.where(has_phonon, 1.0, 0.0)[:, None] + 0 * s, rtol=0, atol=1e-12)
    # a layer in the middle of the stack changes the answer (the chain is not the bare interface)
    assert np.abs(got - single_interface(m1, m2, omega, s, incident)).max() > 0.05


@pytest.mark.parametrize("model", inc.MODELS)
def test_detailed_balance_through_the_stack(model):
    """G from m1 equals G of the reversed stack emitted by m2. Per slowness s the integrand
    Σ_j D_j v_j τ_j 2μ dμ ∝ Σ τ(s) s ds is common to both sides and the slowness pieces
    coincide, so this holds to round-off even with coarse nodes (n_angle = 4)."""
    for n in (4, 32):
        g12 = inc.incoherent_conductance(SI, GE, STACK, T, model, n)
        g21 = inc.incoherent_conductance(GE, SI, STACK[::-1], T, model, n)
        np.testing.assert_allclose(g12, g21, rtol=1e-12)
    assert np.all(np.abs(g12 / landauer.conductance(SI, GE, T, model) - 1.0) > 0.05)


def test_alpha_converges_with_the_layer_critical_slownesses_as_breaks():
    """A layer faster than m1 (Al2O3 in Si|Al2O3|Ge) stops its waves beyond its own critical
    slownesses; with those as breaks of the slowness pieces 12 nodes per piece give α to 10⁻⁶
    (without them the error is 2–5 %)."""
    omega = np.array([1e12])
    ref = inc.incoherent_alpha(SI, GE, [(AL2O3, 0.0)], omega, n=64)
    np.testing.assert_allclose(inc.incoherent_alpha(SI, GE, [(AL2O3, 0.0)], omega, n=12), ref, rtol=0, atol=2e-6)


def test_dmm_single_layer_is_the_series_formula():
    """One layer A: the packet bounces in A, τ = τ_1A τ_A2 Σ_n [(1 − τ_A1)(1 − τ_A2)]ⁿ."""
    omega = omegas(SI, GE, AL2O3)
    t1a, ta2 = dmm.transmission(SI, GE, omega), dmm.transmission(GE, AL2O3, omega)
    ra1, ra2 = 1.0 - dmm.transmission(GE, SI, omega), 1.0 - ta2
    with np.errstate(invalid="ignore"):
        want = np.where(t1a > 0, t1a * ta2 / (1.0 - ra1 * ra2), 0.0)
    got = inc.incoherent_transmission_dmm(SI, AL2O3, [(GE, 1e-9)], omega)
    assert np.any(want == 0.0) and np.any(want > 0.3)  # above the Ge cutoffs, and below
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_dmm_stack_adds_resistances_in_series():
    """Detailed balance M_A τ_AB = M_A M_B/(M_A + M_B) makes 1/(M_A τ_AB) = 1/M_A + 1/M_B an
    interface resistance, and the stack's 1/(M_1 τ) = Σ over all media 1/M (induction on the
    series formula above). Below every cutoff, where all M > 0."""
    media = [SI, *(m for m, _ in STACK), GE]
    omega = np.linspace(1e11, 0.9 * min(landauer._cutoffs(*media)), 7)
    want = 1.0 / (dmm.flux_density(SI, omega) * sum(1.0 / dmm.flux_density(m, omega) for m in media))
    np.testing.assert_allclose(inc.incoherent_transmission_dmm(SI, GE, STACK, omega), want, rtol=1e-13)


# ---------------------------------------------------------------- the adding method against a dense chain
# The obviously-correct reference: every (layer, branch, direction) a state of one dense absorbing
# Markov chain, e₀ᵀ (I − Q)⁻¹ R, with the states reachable from the incident one (the module's
# first implementation, kept here as the reference of `_adding`).

def dense_absorption(q, r):
    """Absorption probabilities of an absorbing Markov chain started in transient state 0.

    q : (..., n, n) transient → transient, r : (..., n, m) transient → absorbing
    transition probabilities. States not reachable from state 0 (through transitions
    above `1e-13`) are left out, so closed classes nothing enters do not make
    I − Q singular. Returns (..., m): e₀ᵀ (I − Q)⁻¹ R.
    """
    n = q.shape[-1]
    link = (q > 1e-13).astype(float)
    reach = np.zeros(q.shape[:-1])
    reach[..., 0] = 1.0
    for _ in range(n - 1):
        reach = np.minimum(1.0, reach + (reach[..., None, :] @ link)[..., 0, :])
    keep = (reach[..., :, None] * reach[..., None, :]) > 0.0
    a = np.eye(n) - np.where(keep, q, 0.0)
    start = np.zeros(q.shape[:-1])
    start[..., 0] = 1.0
    visits = np.linalg.solve(np.swapaxes(a, -1, -2), start[..., None])[..., 0]  # expected visits per state
    return (visits[..., None, :] @ r)[..., 0, :]


def dense_chain(media, omega, s, incident):
    """The AMM chain at every (ω, s): fractions (6, n_ω, n_s) absorbed in m1 (r…) and m2 (t…)."""
    group = ("SH",) if incident == "SH" else ("L", "SV")
    nb, n_layers = len(group), len(media) - 2
    n = 1 + 2 * nb * n_layers

    def state(medium, down, g):  # transient index of (layer medium = 1…n_layers, direction, branch)
        return 1 + ((medium - 1) * 2 + down) * nb + g

    q = np.zeros((len(omega), len(s), n, n))
    r = np.zeros((len(omega), len(s), n, 6))
    for i in range(n_layers + 1):  # the interface between media i and i + 1
        for g, b in enumerate(group):
            # up-going in medium i meets it from below; down-going in medium i + 1 from above
            for src_medium, down, near, far in ((i, 0, i, i + 1), (i + 1, 1, i + 1, i)):
                if src_medium == n_layers + 1 or (src_medium == 0 and b != incident):
                    continue  # no packet arrives from inside m2, and m1 emits only `incident`
                src = 0 if src_medium == 0 else state(src_medium, down, g)
                f = np.moveaxis(inc._fractions(media[near], media[far], s, b, omega), 0, -1)
                for g_out, b_out in enumerate(group):
                    for prefix, medium, goes_down in (("r", near, 1 - down), ("t", far, down)):
                        share = f[..., amm.CHANNELS.index(prefix + b_out)]
                        if medium == 0:
                            r[..., src, amm.CHANNELS.index("r" + b_out)] = share
                        elif medium == n_layers + 1:
                            r[..., src, amm.CHANNELS.index("t" + b_out)] = share
                        else:
                            q[..., src, state(medium, goes_down, g_out)] = share
    return np.moveaxis(dense_absorption(q, r), -1, 0)


@pytest.mark.parametrize("incident", ["L", "SV", "SH"])
@pytest.mark.parametrize("media", [
    [SI, GE, AL2O3, PB, SI],
    [PB, DIAMOND, PB, DIAMOND, PB],  # beyond diamond's critical slownesses the middle Pb guides waves
], ids=["Si|Ge|Al2O3|Pb|Si", "Pb|diamond|Pb|diamond|Pb"])
def test_adding_method_equals_the_dense_markov_chain(media, incident):
    """Every fraction at frequencies across all cutoffs and slownesses over the whole range, including
    the guided waves of a Pb layer between evanescent diamond layers (a closed class of the chain)."""
    m1 = media[0]
    omega = omegas(*media)
    s = slownesses(m1, incident, 31)
    got = inc.incoherent_transmission_slowness(m1, media[-1], [(m, 1e-9) for m in media[1:-1]], omega, s, incident)
    want = dense_chain(media, omega, s, incident)
    np.testing.assert_allclose(got, want, rtol=0.0, atol=1e-12)


# ---------------------------------------------------------------- coherent vs incoherent

def thickness_average(m1, m2, layers, s, incident, periods, per_period=40):
    """Coherent fractions (6, n_s) averaged over the thicknesses c·h_k, c uniform in [1, 2) under a
    Hann window sin²(π(c − 1)), with h_0 = `periods` shortest wavelengths of the first layer.

    The coherent fractions depend on the thicknesses only through ω h (continuum layers, ω-
    independent interface matrices), so the average runs over ω at fixed h. A phase e^{iκh}
    with κh₀ ≫ 2π averages to O((κh₀)⁻³) under the window: doubling `periods` estimates the error.
    """
    omega = 1e12
    scale = periods * 2.0 * math.pi * layers[0][0].v_trans / omega / layers[0][1]
    layers = [(m, h * scale) for m, h in layers]
    x = (np.arange(per_period * periods) + 0.5) / (per_period * periods)
    window = np.sin(math.pi * x) ** 2
    f = ml.transmission_slowness(m1, m2, layers, omega * (1.0 + x), s, incident)
    return (f * window[None, :, None]).sum(axis=1) / window.sum()


def residual_and_error(m1, m2, layers, s, incident, periods=200):
    """|thickness average − incoherent| (6, n_s) and the averaging error, from doubling the range."""
    short = thickness_average(m1, m2, layers, s, incident, periods // 2)
    long = thickness_average(m1, m2, layers, s, incident, periods)
    want = inc.incoherent_transmission_slowness(m1, m2, layers, [1e12], s, incident)[:, 0]
    return np.abs(long - want), np.abs(long - short)


@pytest.mark.parametrize("m2", [SI, AL2O3], ids=lambda m: m.name)
def test_thickness_average_of_one_sh_layer_is_incoherent(m2):
    """Scalar, one layer: the Airy average of |t|² is t₁t₂/(1 − r₁r₂), the incoherent sum."""
    s = slownesses(SI, "SH", 9)[:-1]
    residual, error = residual_and_error(SI, m2, [(GE, 1.0)], s, "SH")
    assert error.max() < 1e-7  # 10⁻¹⁰ … 8·10⁻⁹, largest near grazing where q_Ge is smallest
    assert residual.max() < 10.0 * error.max() + 1e-12  # error(2P) ≈ error(P)/8: well inside


@pytest.mark.parametrize("incident", ["L", "SV"])
def test_thickness_average_at_normal_incidence_is_incoherent(incident):
    """s = 0: P and SV decouple, two scalar problems."""
    residual, error = residual_and_error(SI, AL2O3, [(GE, 1.0)], np.array([0.0]), incident)
    assert error.max() < 1e-7  # 10⁻⁸ (L) and 10⁻¹⁶ (SV)
    assert residual.max() < 10.0 * error.max() + 1e-12


def test_thickness_average_of_oblique_p_sv_keeps_a_residual():
    """Oblique P–SV: paths with the same L and T crossings in another order keep a common phase
    ω h (n_L q_L + n_T q_T) for every h; their interference survives the average. Si|Ge|Si, L
    incident at sin θ = 0.6, 0.9: residual 3·10⁻⁴ and 8·10⁻³ in the worst channel, SV at
    sin θ = 0.3: 10⁻⁴ — thousands of times the averaging error."""
    for incident, sin_theta, low, high in (("L", 0.6, 1e-4, 1e-3), ("L", 0.9, 3e-3, 2e-2), ("SV", 0.3, 3e-5, 3e-4)):
        v = SI.v_long if incident == "L" else SI.v_trans
        residual, error = residual_and_error(SI, SI, [(GE, 1.0)], np.array([sin_theta / v]), incident)
        assert low < residual.max() < high
        assert residual.max() > 100.0 * error.max()


def test_thickness_average_of_a_two_layer_sh_stack_keeps_a_residual():
    """Scalar but two layers (thickness ratio √2): the paths (1 up, 2 up, 2 down, 1 down, 1 up,
    2 up) and (1 up, 1 down, 1 up, 2 up, 2 down, 2 up) cross each layer three times; they
    differ and interfere for every thickness. Si|Pb|Ge|Si at normal incidence: the averaged
    coherent transmission is 7.8·10⁻⁶ below the incoherent 0.939 (weak localization's sign)."""
    layers = [(PB, 1.0), (GE, math.sqrt(2.0))]
    residual, error = residual_and_error(SI, SI, layers, np.array([0.0]), "SH")
    assert 3e-6 < residual.max() < 2e-5
    assert residual.max() > 100.0 * error.max()


def test_thickness_averaged_alpha_differs_only_in_p_sv():
    """Hemispherical α of Si|Ge|Si below every cutoff: SH recovered to the averaging error,
    L and SV off by the P–SV residual (+0.08 % and −2 %: SV beyond the Si L critical angle
    feeds L waves in Ge that only mode conversion lets out). The SV value moves by 10 % of
    itself from 16 to 32 slowness nodes per piece (sharp guided-wave features), hence the
    loose bounds; the SH check is the averaging error (10⁻⁹)."""
    omega = np.array([1e12])
    want = inc.incoherent_alpha(SI, SI, [(GE, 0.0)], omega)[:, 0]
    got = []
    for b in branches(SI):
        s, w = amm.slowness_nodes(SI, SI, b.name, 16, [GE])
        got.append(thickness_average(SI, SI, [(GE, 1.0)], s, b.name, 100, 20)[3:].sum(axis=0) @ w)
    rel = np.array(got) / want - 1.0
    assert abs(rel[2]) < 1e-6
    assert 5e-4 < rel[0] < 2e-3 and -3e-2 < rel[1] < -1.5e-2


@pytest.mark.parametrize("call,match", [
    (lambda: inc.incoherent_conductance(SI, GE, [], 10.0, "mixed"), "model"),
    (lambda: inc.incoherent_alpha(SI, GE, [], -1.0), "omega"),
    (lambda: inc.incoherent_transmission_slowness(SI, GE, [], 1e12, 1.0 / SI.v_trans, "L"), "s ="),
    (lambda: inc.incoherent_transmission_dmm(SI, GE, [(AL2O3, -1e-9)], 1e12), "thickness"),
    (lambda: inc.incoherent_conductance(SI, GE, [], -5.0), "T ="),
])
def test_invalid_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
