"""The phenomenological inelastic channel: parameters, the cap per (ω, μ), detailed balance and
the constant c, closed forms, the low-T and classical limits, Pb | diamond."""

import math
import re

import numpy as np
import pytest
from scipy.integrate import quad

import phononmc as pm
from phononmc import landauer, models
from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.models import Model
from phononmc.quadrature import bose_derivative
from phononmc.transmission import amm, dmm
from phononmc.transmission.inelastic import Inelastic, capped, tau_inel
from tests.strategies import GE, SI

PB, DIAMOND = pm.material("Pb"), pm.material("diamond")
ELASTIC_KINDS = ["amm", "dmm", "mixed(p=0.3)", "ziman(eta=0.5e-9)", "soffer(eta=0.5e-9)"]


def with_channel(kind, **channel):
    """`kind` ("amm", "mixed(p=0.3)", ...) with the inelastic channel `channel` (Inelastic fields)."""
    elastic = models.parse_model(kind)
    return Model(elastic.kind, elastic.p, elastic.roughness, inelastic=channel)


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("kwargs, message", [
    ({"A": -0.1}, "A = -0.1 is invalid: the inelastic amplitude A must be a finite number >= 0"),
    ({"A": math.nan}, "A = nan is invalid"),
    ({"A": True}, "A = true is invalid"),
    ({"A": 0.1, "q": math.inf}, "q = inf is invalid: the temperature exponent q must be a finite number"),
    ({"A": 0.1, "m": "1"}, 'm = "1" is invalid: the frequency exponent m'),
    ({"A": 0.1, "T_ref": 0.0}, "T_ref = 0.0 is invalid: the reference temperature T_ref must be a finite number > 0"),
    ({"A": 0.1, "omega_ref": -1e13}, "omega_ref = -10000000000000.0 is invalid: the reference angular frequency"),
])
def test_parameters_are_validated_with_the_field_named(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Inelastic(**kwargs)


@pytest.mark.parametrize("inelastic, message", [
    ({"A": -1.0}, "inelastic.A = -1.0 is invalid"),
    ({"q": 1.0}, "inelastic.A is missing"),
    ({"A": 0.1, "B": 2.0}, "inelastic has unknown key 'B'; valid keys: A, q, m, T_ref, omega_ref"),
    (0.2, "inelastic = 0.2 is invalid: the inelastic channel is a table"),
])
def test_model_reads_a_dict_and_names_the_key(inelastic, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Model("dmm", inelastic=inelastic)


def test_labels_and_tau_inel():
    assert Model("dmm", inelastic={"A": 0.2, "q": 1, "m": 1}).label == "dmm+inelastic(A=0.2, q=1, m=1)"
    assert Model("mixed", p=0.5, inelastic=Inelastic(0.1, m=2, omega_ref=2e13)).label == \
        "mixed(p=0.5)+inelastic(A=0.1, q=0, m=2, omega_ref=2e+13)"
    assert Model("dmm", inelastic={"A": 0.2, "T_ref": 100.0}).label == "dmm+inelastic(A=0.2, q=0, m=0)"  # q = 0
    ch = Inelastic(0.2, q=1.5, m=2.0, T_ref=100.0, omega_ref=2e13)
    assert tau_inel(ch, 3e13, 50.0) == pytest.approx(0.2 * 0.5**1.5 * 1.5**2, rel=1e-15)


# --------------------------------------------------------------------------- τ_el and the cap


@pytest.mark.parametrize("kind", ELASTIC_KINDS)
@pytest.mark.parametrize("m1,m2", [(SI, GE), (GE, SI), (DIAMOND, PB)], ids=lambda m: m.name)
def test_elastic_tau_averages_to_the_transmission_spectrum(m1, m2, kind):
    """∫ τ_el(ω, μ) 2μ dμ on the (ω, s) grid equals `transmission_spectrum`, which factorises
    the μ integral wherever p does not depend on μ (a different algorithm). Same slowness
    nodes: agreement to round-off."""
    model = models.parse_model(kind)
    omega = np.linspace(0.0, 1.05 * max(b.omega_cutoff for b in branches(m1)), 57)
    grid = []
    for b in branches(m1):
        s, w = amm.slowness_nodes(m1, m2, b.name)
        grid.append(models.elastic_tau(m1, m2, model, omega, s, b.name) @ w)
    np.testing.assert_allclose(grid, models.transmission_spectrum(m1, m2, omega, model), atol=1e-13)


def test_elastic_tau_rejects_bad_input():
    with pytest.raises(ValueError, match=r"s = .* is invalid; tangential slownesses of SV phonons"):
        models.elastic_tau(SI, GE, "amm", 1e13, [1.01 / SI.v_trans], "SV")
    with pytest.raises(ValueError, match="incident = 'SV' is not a branch of"):
        models.elastic_tau(pm.material("He4"), GE, "dmm", 1e11, [0.0], "SV")
    with pytest.raises(ValueError, match="needs dispersion = 'debye'"):
        models.elastic_tau(SI, GE, "amm", 1e13, [0.0], "L", dispersion="sine")


@pytest.mark.parametrize("kind", ["amm", "dmm"])
@pytest.mark.parametrize("m1,m2", [(DIAMOND, PB), (SI, GE), (GE, SI)], ids=lambda m: m.name)
def test_cap_holds_on_a_dense_grid(m1, m2, kind):
    """τ_el + a ≤ 1 at every (ω, μ); a = τ_inel where that fits; above all of m2's cutoffs
    τ_el = 0 and a = min(τ_inel, 1). A = 0.5, m = 1 takes τ_inel from 0 to well above 1."""
    ch = Inelastic(0.5, m=1.0, omega_ref=1e13)
    model = Model(kind, inelastic=ch)
    omega = np.linspace(0.0, max(b.omega_cutoff for b in branches(m1)), 401)
    mu = np.linspace(0.0, 1.0, 201)
    tau = tau_inel(ch, omega, 300.0)[:, None]
    above = omega > max(b.omega_cutoff for b in branches(m2))
    for b in branches(m1):
        s = np.sqrt(1.0 - mu**2) / b.velocity
        tau_el = models.elastic_tau(m1, m2, model, omega, s, b.name)
        a = capped(tau, tau_el)
        assert np.all(a >= 0.0) and np.all(tau_el + a <= 1.0 + 1e-12)
        fits = tau <= 1.0 - tau_el
        np.testing.assert_array_equal(a[np.broadcast_to(fits, a.shape)], np.broadcast_to(tau, a.shape)[fits])
        assert np.all(tau_el[above] == 0.0)
        np.testing.assert_array_equal(a[above], np.minimum(np.broadcast_to(tau, a.shape)[above], 1.0))
    if m1 is DIAMOND:
        assert above.any()  # diamond emits above Pb's cutoffs: the channel's point


@pytest.mark.parametrize("m1,m2", [(SI, GE), (DIAMOND, PB)], ids=lambda m: m.name)
def test_acceptance_spectrum_against_an_adaptive_angle_integral(m1, m2):
    """ā_j(ω) = ∫ min(τ, 1 − τ_AMM,j(μ)) 2μ dμ by scipy.quad over `amm.coefficients` (angle
    form, cutoffs through `amm.apply_cutoffs`). The min adds a kink between the Gauss nodes:
    agreement ~1e-5 absolute (measured ≤ 1.7e-5), so 5e-5."""
    model = Model("amm", inelastic={"A": 0.3, "m": 1.0})
    for omega in (2e12, 3e13):
        tau = 0.3 * omega / 1e13
        got = models.acceptance_spectrum(m1, m2, model, np.array([omega]), 0.3, 1.0, 1e13)[:, 0]
        for j, b in enumerate(branches(m1)):
            def f(mu):
                t = amm.coefficients(m1, m2, np.array([math.acos(mu)]), b.name, omega=omega).transmitted[0]
                return min(tau, 1.0 - t) * 2.0 * mu
            kinks = [math.cos(t) for k, t in amm.critical_angles(m1, m2).items() if k.startswith(b.name + "->")]
            assert got[j] == pytest.approx(quad(f, 0.0, 1.0, points=kinks, limit=400)[0], abs=5e-5)


# --------------------------------------------------------------------------- A = 0, closed forms


@pytest.mark.parametrize("kind", ELASTIC_KINDS)
def test_zero_amplitude_is_the_elastic_model_exactly(kind):
    T = np.array([3.0, 30.0, 300.0])
    elastic = models.parse_model(kind)
    channel = with_channel(kind, A=0.0, q=1.0, m=1.0)
    for side in (1, 2):
        np.testing.assert_array_equal(landauer.conductance(SI, GE, T, channel, side=side),
                                      landauer.conductance(SI, GE, T, elastic, side=side))
    assert landauer.inelastic_channel(SI, GE, 30.0, channel).amplitude == (0.0, 0.0)


@pytest.mark.parametrize("q", [0.0, 1.0])
def test_dmm_without_cap_carries_A_times_the_emission(q):
    """DMM, m = 0, the cap nowhere binding: a = A (T/T_ref)^q at every (ω, μ), so
    G_inel = A (T/T_ref)^q G_emit,1. Diamond → Pb: 1 − τ_12 >= 0.00375 > A (T/T_ref)^q
    (checked on a fine grid), and Pb can carry it. Same quadrature nodes: 1e-10."""
    A, T = 1e-3, np.array([20.0, 100.0, 300.0])
    omega = np.linspace(0.0, max(b.omega_cutoff for b in branches(DIAMOND)), 200001)
    assert (1.0 - dmm.transmission(DIAMOND, PB, omega)).min() > A * (T.max() / 300.0) ** q
    model = Model("dmm", inelastic={"A": A, "q": q})
    expected = A * (T / 300.0) ** q * landauer.emission_conductance(DIAMOND, T)
    np.testing.assert_allclose(landauer.inelastic_conductance(DIAMOND, PB, T, model), expected, rtol=1e-10)
    np.testing.assert_allclose(landauer.conductance(DIAMOND, PB, T, model),
                               landauer.conductance(DIAMOND, PB, T, "dmm") + expected, rtol=1e-10)


def test_identical_media_cap_binds():
    """Si | Si. AMM: τ_el = 1 everywhere, so a = 0 and G is the elastic G (= G_emit) whatever A.
    DMM: τ_el = 1/2, A = 0.8 > 1/2, so a = 1/2 and G = G_emit (every phonon crosses); from
    side 2 any c >= 1/2 returns it."""
    T = np.array([5.0, 50.0, 500.0])
    emit = landauer.emission_conductance(SI, T)
    amm_channel = Model("amm", inelastic={"A": 0.8})
    np.testing.assert_allclose(landauer.conductance(SI, SI, T, amm_channel), emit, rtol=1e-12)
    assert np.all(landauer.inelastic_conductance(SI, SI, T, amm_channel) <= 1e-12 * emit)
    dmm_channel = Model("dmm", inelastic={"A": 0.8})
    for side in (1, 2):
        np.testing.assert_allclose(landauer.conductance(SI, SI, T, dmm_channel, side=side), emit, rtol=1e-10)
    assert landauer.inelastic_channel(SI, SI, 50.0, dmm_channel).amplitude[1] >= 0.5 - 1e-12


# --------------------------------------------------------------------------- detailed balance and c


@pytest.mark.parametrize("kind", ["amm", "dmm", "mixed(p=0.3)"])
@pytest.mark.parametrize("m1,m2,channel", [
    (DIAMOND, PB, {"A": 2e-3, "q": 1.0, "m": 1.0}),
    (SI, GE, {"A": 0.05, "m": 1.0}),
    (SI, GE, {"A": 0.3, "q": -0.5, "m": -1.0}),  # τ_inel → ∞ at low T and ω: capped
], ids=["diamond|Pb", "Si|Ge", "Si|Ge-negative-exponents"])
def test_detailed_balance_with_the_channel(m1, m2, channel, kind):
    """G from side 1 = G from side 2 for the total G: the elastic parts by their own detailed
    balance (1e-6 as in test_landauer), the inelastic parts through c (brentq, rtol 1e-13)."""
    T = np.array([5.0, 60.0, 300.0])
    model = with_channel(kind, **channel)
    g1 = landauer.conductance(m1, m2, T, model, side=1)
    np.testing.assert_allclose(g1, landauer.conductance(m1, m2, T, model, side=2), rtol=1e-6)
    assert np.all(g1 > landauer.conductance(m1, m2, T, kind))


def test_c_solves_its_equation():
    """DMM (a independent of μ): G_inel from side 1 with A (ω/ω_ref)^m and from side 2 with the
    returned c, each by scipy.quad over ω of ¼ħω M(ω) a(ω) ∂n/∂T (an adaptive rule, not the
    split Gauss nodes), both with `Channel.acceptance`, the numbers the Monte Carlo takes.
    The cap binds for part of the range (1 − τ_12 ≈ 0.004 < τ_inel above ~2e12 rad/s). 1e-7: quad."""
    T = 100.0
    model = Model("dmm", inelastic={"A": 0.02, "m": 1.0})
    ch = landauer.inelastic_channel(DIAMOND, PB, T, model)
    assert ch.amplitude[0] == 0.02 and ch.exponent == (1.0, 0.0) and ch.omega_ref == 1e13
    assert 0.0 < ch.amplitude[1] < 1.0
    breaks = sorted({b.omega_cutoff for m in (DIAMOND, PB) for b in branches(m)})
    for side, (a, b) in ((1, (DIAMOND, PB)), (2, (PB, DIAMOND))):
        def f(w):
            return (0.25 * HBAR * w * dmm.flux_density(a, w) * bose_derivative(w, T)
                    * ch.acceptance(side, w, dmm.transmission(a, b, w)))
        top = min(breaks[-1], 50 * K_B * T / HBAR)
        g = quad(f, 0.0, top, points=[x for x in breaks if x < top], limit=500, epsrel=1e-10)[0]
        assert g == pytest.approx(ch.G_inel, rel=1e-7)


def test_error_when_medium_2_cannot_carry_the_channel():
    """Diamond emits ~10x more than Pb at 300 K: with τ_inel = (ω/ω_ref) ≥ 1 for most of it,
    Pb cannot return G_inel. One line, naming A, from every entry point."""
    model = Model("dmm", inelastic={"A": 1.0, "m": 1.0})
    calls = [lambda: landauer.conductance(DIAMOND, PB, 300.0, model),
             lambda: landauer.conductance(DIAMOND, PB, 300.0, model, side=2),
             lambda: landauer.inelastic_channel(DIAMOND, PB, 300.0, model),
             lambda: landauer.classical_limit(DIAMOND, PB, model),
             lambda: landauer.lowT_coefficient(PB, DIAMOND, Model("dmm", inelastic={"A": 1.0, "q": -1.0}))]
    for call in calls:
        with pytest.raises(ValueError, match=r"inelastic\.A = 1\.0 is invalid: the inelastic channel is too strong"
                                             ) as info:
            call()
        assert "\n" not in str(info.value)
    assert landauer.conductance(DIAMOND, PB, 10.0, model) > 0  # at 10 K Pb still can


# --------------------------------------------------------------------------- limits


def test_low_temperature_limit():
    """q = m = 0, DMM: Γ = s₂/(s₁ + s₂) for every branch (s = Σ 1/v²), so G/T³ =
    (π²k_B⁴/30ħ³) s₁ (Γ + min(A, 1 − Γ)), A below and above 1 − Γ ≈ 0.23 (Si → Ge). q + m > 0:
    the elastic coefficient; q + m < 0: s₁ (everything crosses). conductance(T)/T³ approaches
    each (Debye: exactly T³ well below the cutoffs, 1e-9)."""
    s1 = 1 / SI.v_long**2 + 2 / SI.v_trans**2
    s2 = 1 / GE.v_long**2 + 2 / GE.v_trans**2
    gamma = s2 / (s1 + s2)
    T = np.array([0.01, 0.1])
    for channel, total, rtol in (({"A": 0.1}, gamma + 0.1, 1e-9), ({"A": 0.5}, 1.0, 1e-9),
                                 ({"A": 0.5, "q": -1.0}, 1.0, 1e-9),  # τ_inel >= 1500: capped everywhere
                                 ({"A": 0.5, "q": 2.0, "m": -1.0}, gamma, 1e-4)):  # τ_inel ∝ T: ~1e-5 at 0.1 K
        model = Model("dmm", inelastic=channel)
        coefficient = landauer.lowT_coefficient(SI, GE, model)
        assert coefficient == pytest.approx(landauer.LOWT_PREFACTOR * s1 * total, rel=1e-12)
        np.testing.assert_allclose(landauer.conductance(SI, GE, T, model) / T**3, coefficient, rtol=rtol)
    model = Model("amm", inelastic={"A": 0.1})
    np.testing.assert_allclose(landauer.conductance(SI, GE, T, model) / T**3, landauer.lowT_coefficient(SI, GE, model),
                               rtol=1e-9)
    with pytest.raises(ValueError, match=re.escape("inelastic.m = 1.0 is invalid: lowT_coefficient needs q + m != 0")):
        landauer.lowT_coefficient(SI, GE, Model("dmm", inelastic={"A": 0.1, "q": -1.0, "m": 1.0}))


def test_classical_limit():
    """q = 0: the T → ∞ limit of conductance (1e-7 at 1e6 K as the elastic test), from both sides.
    q > 0: τ_inel → ∞, every phonon of medium 1 crosses: G_∞ = (k_B/4) Σ_j ∫ k_j²/2π² dω
    = (k_B n₁/4) Σ_j v_1j in closed form (k_D³ = 6π²n). q < 0: the elastic limit."""
    model = Model("amm", inelastic={"A": 0.02, "m": 1.0})
    g_inf = landauer.classical_limit(SI, GE, model)
    assert g_inf == pytest.approx(landauer.classical_limit(SI, GE, model, side=2), rel=1e-9)
    assert abs(landauer.conductance(SI, GE, 1e6, model) / g_inf - 1) < 1e-7
    for kind in ("amm", "dmm"):
        model = Model(kind, inelastic={"A": 0.01, "q": 1.0})
        expected = 0.25 * K_B * PB.atom_density * (PB.v_long + 2 * PB.v_trans)
        assert landauer.classical_limit(PB, DIAMOND, model) == pytest.approx(expected, rel=1e-12)
        assert landauer.classical_limit(PB, DIAMOND, model, side=2) == pytest.approx(expected, rel=1e-9)
        assert landauer.classical_limit(PB, DIAMOND, Model(kind, inelastic={"A": 0.01, "q": -1.0})) == \
            landauer.classical_limit(PB, DIAMOND, kind)


def test_equilibrium_temperatures_use_the_total_transmission():
    """G_eq = G / (1 − (G/G_emit,1 + G/G_emit,2)/2) with G the total (elastic + inelastic)."""
    T = np.array([20.0, 300.0])
    model = Model("dmm", inelastic={"A": 0.01, "m": 0.5})
    g = landauer.conductance(DIAMOND, PB, T, model)
    e1, e2 = landauer.emission_conductance(DIAMOND, T), landauer.emission_conductance(PB, T)
    np.testing.assert_allclose(landauer.conductance(DIAMOND, PB, T, model, temperature="equilibrium"),
                               g / (1 - (g / e1 + g / e2) / 2), rtol=1e-12)


# --------------------------------------------------------------------------- Pb | diamond


def test_pb_diamond_channel_beats_the_elastic_models_and_the_radiation_limit():
    """Diamond as medium 1: above Pb's cutoffs (ω_c,L = 2.7e13 rad/s, ~206 K) diamond's phonons
    have no elastic partner, so the elastic G saturates below the radiation limit while the
    channel keeps growing with diamond's emission. A = 0.02, q = m = 0 (W m⁻² K⁻¹):

        T (K)   DMM        DMM+inel   AMM        AMM+inel   radiation limit
        50      8.40e6     8.80e6     2.86e6     3.27e6     8.99e6
        100     1.41e7     1.74e7     4.66e6     7.95e6     1.51e7
        300     1.69e7     9.31e7     5.53e6     8.17e7     1.81e7

    At 300 K both exceed the radiation limit 4-5 times (DMM already at 100 K)."""
    T = np.array([50.0, 100.0, 300.0])
    radiation = landauer.radiation_limit(DIAMOND, PB, T)
    for kind in ("dmm", "amm"):
        model = Model(kind, inelastic={"A": 0.02})
        g, elastic = landauer.conductance(DIAMOND, PB, T, model), landauer.conductance(DIAMOND, PB, T, kind)
        assert np.all(g > elastic) and np.all(elastic <= radiation)
        assert g[-1] > 4 * radiation[-1]
        fraction = landauer.inelastic_fraction(DIAMOND, PB, T, model)
        np.testing.assert_allclose(fraction, 1 - elastic / g, rtol=1e-12)
