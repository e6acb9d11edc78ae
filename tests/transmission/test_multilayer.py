"""Coherent multilayer transmission: AMM limits, energy conservation, quarter-wave and graded
matching, an independent transfer-matrix check of P–SV, and G(T) through a stack."""

import math

import numpy as np
import pytest

from phononmc import landauer
from phononmc.materials.material import Material
from phononmc.transmission import amm
from phononmc.transmission import multilayer as ml
from tests.strategies import AL2O3, GE, HE, PB, SI

DIAMOND = Material("diamond", density=3515.0, v_long=17500.0, v_trans=12800.0, atom_density=1.76e29)
THETA = np.linspace(0.0, 1.55, 157)
PAIRS = [(SI, GE, AL2O3), (GE, SI, PB), (PB, AL2O3, SI), (AL2O3, PB, GE)]


@pytest.mark.parametrize("m1,m2,layer", PAIRS, ids=lambda m: m.name)
@pytest.mark.parametrize("incident", amm.BRANCHES)
def test_empty_and_same_material_layers_are_the_amm(m1, m2, layer, incident):
    expected = amm.coefficients(m1, m2, THETA, incident).as_array()
    omega = np.array([1e12, 3e13])
    for layers in ([], [(layer, 0.0)], [(m2, 7e-9)], [(m1, 4e-9)], [(m1, 2e-9), (m2, 5e-9)]):
        got = ml.transmission(m1, m2, layers, omega, THETA, incident).as_array()
        np.testing.assert_allclose(got, np.broadcast_to(expected[:, None], got.shape), rtol=0, atol=1e-10)


@pytest.mark.parametrize("m1,m2", [(SI, GE), (GE, SI), (PB, AL2O3)], ids=lambda m: m.name)
@pytest.mark.parametrize("incident", amm.BRANCHES)
def test_energy_conserved_with_thick_evanescent_layer(m1, m2, incident):
    """A 10 µm diamond layer at ω up to 1e14 s⁻¹: beyond its critical angles its waves decay
    by exp(−ω|q|h) ~ e^−10⁵, which a transfer-matrix product would overflow on."""
    omega = np.geomspace(1e10, 1e14, 9)
    c = ml.transmission(m1, m2, [(DIAMOND, 1e-5), (AL2O3, 3e-8)], omega, THETA, incident)
    arr = c.as_array()
    assert np.all(np.isfinite(arr)) and np.all(arr >= -1e-10) and np.all(arr <= 1 + 1e-10)
    np.testing.assert_allclose(arr.sum(axis=0), 1.0, rtol=0, atol=1e-10)
    # past every diamond critical angle (s > 1/v_T,diamond) the far side is reached only by tunnelling
    v_in = m1.v_long if incident == "L" else m1.v_trans
    beyond = np.sin(THETA) / v_in > 1.0 / DIAMOND.v_trans
    assert beyond.any()
    assert np.all(c.transmitted[-1][beyond] < 1e-12)


def test_transmission_vectorised_shapes():
    c = ml.transmission(SI, GE, [(AL2O3, 1e-9)], np.ones((2, 3)) * 1e13, np.array([0.1, 0.2]), "SV")
    assert c.tL.shape == (2, 3, 2)


def quarter_wave(m1, m2, impedance, v, f0):
    """A layer of impedance `impedance` (kg m⁻² s⁻¹) for waves of speed v, a quarter wave thick at f0 (Hz)."""
    if impedance == "L":
        z, kw = math.sqrt(m1.impedance_long * m2.impedance_long), dict(v_long=v, v_trans=0.5 * v)
    else:
        z, kw = math.sqrt(m1.impedance_trans * m2.impedance_trans), dict(v_long=1.6 * v, v_trans=v)
    return Material("qw", density=z / v, atom_density=5e28, **kw), v / f0 / 4.0


@pytest.mark.parametrize("incident", ["L", "SV", "SH"])
def test_quarter_wave_layer_transmits_fully_at_its_design_frequency(incident):
    f0 = 2e11
    layer, h = quarter_wave(PB, DIAMOND, "L" if incident == "L" else "T", 4000.0, f0)
    omega = 2 * math.pi * f0 * np.array([1.0, 2.0])
    c = ml.transmission(PB, DIAMOND, [(layer, h)], omega, np.array([0.0]), incident)
    bare = amm.coefficients(PB, DIAMOND, np.array([0.0]), incident).transmitted[0]
    assert bare < 0.85
    assert abs(c.transmitted[0, 0] - 1.0) < 1e-12
    assert abs(c.transmitted[1, 0] - bare) < 1e-12  # a half-wave layer is invisible


def test_graded_layer_matches_impedances_and_raises_G():
    omega = np.array([2 * math.pi * 1e12])
    bare = amm.coefficients(PB, DIAMOND, np.array([0.0]), "L").transmitted[0]
    thick = ml.transmission(PB, DIAMOND, ml.graded(PB, DIAMOND, 1e-7, 200), omega, np.array([0.0]), "L")
    thin = ml.transmission(PB, DIAMOND, ml.graded(PB, DIAMOND, 1e-10, 200), omega, np.array([0.0]), "L")
    assert bare < 0.82
    assert thick.transmitted[0, 0] > 0.999  # wavelength 1.8 nm in Pb … 17.5 nm in diamond << 100 nm
    assert abs(thin.transmitted[0, 0] - bare) < 0.01  # much thinner than a wavelength: the sharp interface
    T = np.array([20.0])
    g = ml.conductance(SI, GE, ml.graded(SI, GE, 5e-8, 100), T)
    g_amm = landauer.conductance(SI, GE, T, "amm")
    assert g[0] > 1.08 * g_amm[0]


def test_graded_profile():
    layers = ml.graded(SI, GE, 1e-8, 4, profile=lambda x: x**2)
    assert [l.thickness for l in layers] == pytest.approx([2.5e-9] * 4)
    assert layers[1].material.density == pytest.approx(SI.density + (GE.density - SI.density) * (1.5 / 4) ** 2)
    assert layers[3].material.v_trans == pytest.approx(SI.v_trans + (GE.v_trans - SI.v_trans) * (3.5 / 4) ** 2)


def brute_force(m1, m2, layer, h, omega, s, incident):
    """Energy coefficients by a plain 4×4 transfer matrix (stable only for a thin layer)."""
    def basis(m):
        cols, q = [], []
        for d in (+1, -1):
            for kind, v in (("P", m.v_long), ("S", m.v_trans)):
                dx, dz, txz, tzz, qq = amm._wave(m.density, v, m.shear_modulus, m.lame_lambda, np.array([s]), d, kind)
                cols.append(np.array([dx[0], dz[0], txz[0] / 1e7, tzz[0] / 1e7]))
                q.append(qq[0])
        return np.array(cols).T, np.array(q)

    e1, q1 = basis(m1)
    e2, q2 = basis(m2)
    el, ql = basis(layer)
    transfer = el @ np.diag(np.exp(1j * omega * ql * h)) @ np.linalg.inv(el)
    k = 0 if incident == "L" else 1
    # unknowns (rP, rS, tP, tS): E2 [t; 0] = M E1 [inc; r]
    a = np.column_stack([transfer @ e1[:, 2], transfer @ e1[:, 3], -e2[:, 0], -e2[:, 1]])
    x = np.linalg.solve(a, -transfer @ e1[:, k])
    v_in = (m1.v_long, m1.v_trans)[k]
    out = []
    for amp, m, q, v in zip(x, [m1, m1, m2, m2], [q1[2], q1[3], q2[0], q2[1]], [m1.v_long, m1.v_trans, m2.v_long, m2.v_trans]):
        flux = abs(q.real) if abs(q.imag) < 1e-12 * abs(q.real) + 1e-300 else 0.0
        out.append(m.density * v**2 / (m1.density * v_in**2) * abs(amp) ** 2 * flux / q1[k].real)
    return np.array(out)


@pytest.mark.parametrize("incident", ["L", "SV"])
def test_p_sv_against_a_brute_force_transfer_matrix(incident):
    omega, h = 3e13, 2e-9  # ω h / v ~ 10: a layer of several wavelengths, still stable by transfer matrix
    v_in = SI.v_long if incident == "L" else SI.v_trans
    s = np.sin(np.linspace(0.0, 1.5, 31)) / v_in
    got = ml.transmission_slowness(SI, GE, [(AL2O3, h)], np.array([omega]), s, incident)[:, 0]
    want = np.array([brute_force(SI, GE, AL2O3, h, omega, x, incident) for x in s]).T
    np.testing.assert_allclose(got[[0, 1, 3, 4]], want, rtol=0, atol=1e-9)
    assert np.ptp(got[3]) > 0.1  # mode conversion is exercised, not only the normal-incidence value


def test_no_layers_is_the_landauer_amm_and_G_is_reciprocal():
    T = np.array([3.0, 40.0, 300.0])
    np.testing.assert_allclose(ml.conductance(SI, GE, [], T), landauer.conductance(SI, GE, T, "amm"), rtol=1e-8)
    layers = [(AL2O3, 2e-9), (PB, 1e-9)]
    g12 = ml.conductance(SI, GE, layers, T)
    g21 = ml.conductance(GE, SI, layers[::-1], T)
    np.testing.assert_allclose(g12, g21, rtol=1e-4)  # detailed balance through the stack
    assert np.all(np.abs(g12 / landauer.conductance(SI, GE, T, "amm") - 1.0) > 0.02)


@pytest.mark.parametrize("call,match", [
    (lambda: ml.transmission(SI, GE, [(HE, 1e-9)], 1e12, 0.1), "liquid"),
    (lambda: ml.transmission(SI, GE, [(AL2O3, -1e-9)], 1e12, 0.1), "thickness"),
    (lambda: ml.transmission(SI, GE, [("Al2O3", 1e-9)], 1e12, 0.1), "Material"),
    (lambda: ml.graded(SI, GE, 1e-9, 0), "n_sub"),
    (lambda: ml.graded(SI, GE, 1e-9, 3, profile="cubic"), "profile"),
    (lambda: ml.graded(SI, GE, 1e-9, 3, profile=lambda x: 2 * x), "profile"),
])
def test_invalid_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("incident", amm.BRANCHES)
def test_grazing_incidence_is_totally_reflected(incident):
    c = ml.transmission(SI, GE, [(AL2O3, 1e-9)], np.array([1e13]), np.array([math.pi / 2]), incident).as_array()
    expected = np.zeros(6)
    expected[amm.CHANNELS.index("r" + incident)] = 1.0
    np.testing.assert_array_equal(c[:, 0, 0], expected)
