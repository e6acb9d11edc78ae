"""Landauer G(T): detailed balance, T³ and classical limits, bounds, model algebra."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings

from phononmc import landauer
from phononmc.constants import HBAR, K_B
from tests.strategies import AL2O3, GE, HE, PB, SI, media

PAIRS = [(SI, GE), (SI, HE), (PB, AL2O3), (HE, HE)]
MODELS = ["amm", "dmm", "mixed(p=0.3)"]
T_CHECK = np.array([0.5, 3.0, 30.0, 300.0, 3000.0])


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("m1,m2", PAIRS, ids=lambda m: m.name)
def test_detailed_balance(m1, m2, model):
    g1 = landauer.conductance(m1, m2, T_CHECK, model, side=1)
    g2 = landauer.conductance(m1, m2, T_CHECK, model, side=2)
    np.testing.assert_allclose(g1, g2, rtol=1e-6)
    assert np.all(g1 > 0)


@settings(max_examples=25, deadline=None)
@given(m1=media, m2=media)
def test_detailed_balance_random_pairs(m1, m2):
    for model in ("amm", "dmm"):
        g1 = landauer.conductance(m1, m2, T_CHECK, model, side=1)
        np.testing.assert_allclose(g1, landauer.conductance(m1, m2, T_CHECK, model, side=2), rtol=1e-6)
        assert np.all(g1 <= landauer.radiation_limit(m1, m2, T_CHECK) * (1 + 1e-9))
    g = landauer.conductance(m1, m2, T_CHECK, "dmm", dispersion="sine")
    np.testing.assert_allclose(g, landauer.conductance(m1, m2, T_CHECK, "dmm", side=2, dispersion="sine"), rtol=1e-6)


@pytest.mark.parametrize("model,dispersion", [(m, "debye") for m in MODELS] + [("dmm", "sine")])
def test_low_temperature_t_cubed(model, dispersion):
    coeff = landauer.lowT_coefficient(SI, GE, model, dispersion=dispersion)
    T = np.array([0.01, 0.1, 1.0])
    ratio = landauer.conductance(SI, GE, T, model, dispersion=dispersion) / T**3 / coeff
    assert abs(ratio[0] - 1) < 1e-7  # sine: a (T/Θ)² dispersion correction, ~1e-8 at 0.01 K
    if dispersion == "debye":  # Debye AMM/DMM are exactly T³ until T nears the lowest cutoff
        np.testing.assert_allclose(ratio, 1.0, rtol=1e-9)


def test_lowT_coefficient_closed_form_dmm():
    """Debye DMM: Γ = Σ1/v₂² / (Σ1/v₁² + Σ1/v₂²) for every branch, written out by hand."""
    s1 = 1 / SI.v_long**2 + 2 / SI.v_trans**2
    s2 = 1 / GE.v_long**2 + 2 / GE.v_trans**2
    expected = math.pi**2 * K_B**4 / (30 * HBAR**3) * s1 * s2 / (s1 + s2)
    assert landauer.lowT_coefficient(SI, GE, "dmm") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_classical_limit(model):
    g_inf = landauer.classical_limit(SI, GE, model)
    assert g_inf == pytest.approx(landauer.classical_limit(SI, GE, model, side=2), rel=1e-9)
    err = np.abs(landauer.conductance(SI, GE, np.array([1e4, 1e5, 1e6]), model) / g_inf - 1)
    assert err[-1] < 1e-7
    assert err[0] / err[1] == pytest.approx(100.0, rel=0.05)  # leading correction ∝ 1/T²


def test_identical_media():
    T = np.array([1.0, 100.0])
    emit = landauer.emission_conductance(SI, T)
    np.testing.assert_allclose(landauer.conductance(SI, SI, T, "amm"), emit, rtol=1e-12)
    np.testing.assert_allclose(landauer.conductance(SI, SI, T, "dmm"), 0.5 * emit, rtol=1e-12)
    assert np.all(np.isinf(landauer.equilibrium_factor(SI, SI, T, "amm")))


def test_emission_conductance_low_T_closed_form():
    T = 0.1
    expected = math.pi**2 * K_B**4 / (30 * HBAR**3) * (1 / SI.v_long**2 + 2 / SI.v_trans**2) * T**3
    assert landauer.emission_conductance(SI, T) == pytest.approx(expected, rel=1e-9)


def test_mixed_is_linear_in_p():
    T = np.array([5.0, 300.0])
    amm_g, dmm_g = (landauer.conductance(SI, GE, T, m) for m in ("amm", "dmm"))
    np.testing.assert_allclose(landauer.conductance(SI, GE, T, "mixed", p=0.3), 0.3 * amm_g + 0.7 * dmm_g, rtol=1e-12)


def test_equilibrium_temperature_definition():
    T = np.array([10.0, 300.0])
    g = landauer.conductance(SI, GE, T, "dmm")
    t12, t21 = landauer.mean_transmission(SI, GE, T, "dmm")
    g_eq = landauer.conductance(SI, GE, T, "dmm", temperature="equilibrium")
    np.testing.assert_allclose(g_eq, g / (1 - (t12 + t21) / 2), rtol=1e-12)
    assert np.all(g_eq > g)
    # Below every cutoff the DMM has τ_12 + τ_21 = 1 at each ω, hence for the means too.
    t12, t21 = landauer.mean_transmission(SI, GE, np.array([1.0, 10.0]), "dmm")
    np.testing.assert_allclose(t12 + t21, 1.0, rtol=1e-8)


BAD_CALLS = [
    ((SI, GE, [-1.0]), {}, "T = .*K is invalid"),
    ((SI, GE, 1.0, "foo"), {}, "model = 'foo'"),
    ((SI, GE, 1.0, "mixed(p=1.5)"), {}, "p = 1.5"),
    ((SI, GE, 1.0, "mixed"), {}, 'p is missing: kind = "mixed" needs the specular probability'),
    ((SI, GE, 1.0, "mixed(p=x)"), {}, "p = 'x' is not a number"),
    ((SI, GE, 1.0, "soffer"), {}, 'roughness is missing: kind = "soffer"'),
    ((SI, GE, 1.0, "ziman(eta=0.5)"), {}, "roughness = 0.5 is invalid.*metres"),
    ((SI, GE, 1.0, "amm"), {"dispersion": "sine"}, "dispersion = 'debye'"),
    ((SI, GE, 1.0), {"side": 3}, "side = 3"),
    ((SI, "Ge", 1.0), {}, "m2 = 'Ge' is not a Material"),
]


@pytest.mark.parametrize("args,kwargs,message", BAD_CALLS)
def test_bad_input_messages(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        landauer.conductance(*args, **kwargs)


@pytest.mark.parametrize("m", [SI, HE], ids=lambda m: m.name)
def test_identical_media_first_rung(m):
    """AMM: every phonon crosses (G = G_emit, no equilibrium jump); DMM: τ = 1/2, so G_eq = G_emit."""
    T = np.array([0.5, 5.0, 50.0])
    emit = landauer.emission_conductance(m, T)
    np.testing.assert_allclose(landauer.mean_transmission(m, m, T, "amm"), 1.0, atol=1e-12)
    np.testing.assert_allclose(landauer.mean_transmission(m, m, T, "dmm"), 0.5, atol=1e-12)
    assert np.all(np.isposinf(landauer.conductance(m, m, T, "amm", temperature="equilibrium")))
    np.testing.assert_allclose(landauer.conductance(m, m, T, "dmm", temperature="equilibrium"), emit, rtol=1e-12)
    # a 1e-9 mismatch leaves a tiny jump: huge but finite G_eq, no cliff to a finite value
    near = dataclasses.replace(m, v_long=m.v_long * (1 + 1e-9))
    factor = landauer.equilibrium_factor(m, near, T, "amm")
    assert np.all(np.isfinite(factor)) and np.all(factor > 1e7)
