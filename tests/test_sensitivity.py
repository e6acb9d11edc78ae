"""Sensitivities d ln G / d ln x: against plain finite differences taken here, and against exact
identities that follow from the physics, not from the implementation (derived in docs/sensitivity.md):

* DMM: G does not depend on the densities at all (S_rho = 0 exactly).
* Any model: the boundary conditions depend on rho_1, rho_2 only through rho_2/rho_1 (S_rho1 + S_rho2 = 0).
* Units: G(lambda v; T) = lambda G(v; T/lambda) and G(lambda n, lambda^(-1/3) eta; T) = lambda G(n, eta; T lambda^(-1/3)),
  so Sum_v S_v = 1 - S_T and 3 Sum_n S_n - S_eta = 3 - S_T, hence Sum_v S_v - 3 Sum_n S_n + S_eta = -2 at every T;
  T -> 0 (G ~ T^3 Sum Gamma/v^2, Gamma a function of ratios): Sum_v S_v = -2, Sum_n S_n = 0;
  classical (G -> (k_B/4) Integral Sum D v alpha d omega ~ n and ~ v): Sum_n S_n = Sum_v S_v = 1.
* mixed(p), elastic, emitted temperatures: G = p G_AMM + (1 - p) G_DMM, so S_p = p (G_AMM - G_DMM) / G.
* inelastic: tau = A (T/T_ref)^q (omega/omega_ref)^m, so S_q = q ln(T/T_ref) S_A.
"""

import dataclasses
import json
import math

import numpy as np
import pytest

import phononmc
from phononmc import landauer, sensitivity
from phononmc.cli import main
from phononmc.constants import HBAR, K_B
from phononmc.models import Model

SI, GE, CU, HE = (phononmc.material(n) for n in ("Si", "Ge", "Cu", "He4"))
T = np.array([0.5, 5.0, 40.0, 150.0, 600.0])
VELOCITIES = [n for n in sensitivity.INPUTS if ".v_" in n]
ATOM_DENSITIES = [n for n in sensitivity.INPUTS if n.endswith("atom_density")]
CASES = {
    "amm": (SI, GE, "amm", {}),
    "dmm": (SI, GE, "dmm", {}),
    "mixed": (SI, GE, "mixed(p=0.3)", {}),
    "soffer": (SI, GE, "soffer(eta=0.5e-9)", {}),
    "ziman side 2": (GE, SI, "ziman(eta=0.3e-9)", {"side": 2}),
    "amm equilibrium": (GE, SI, "amm", {"temperature": "equilibrium"}),
    "liquid": (CU, HE, "amm", {}),
    "dmm sine": (SI, GE, "dmm", {"dispersion": "sine"}),
    "inelastic q=m=0": (SI, GE, Model("dmm", inelastic={"A": 0.02}), {}),
    "inelastic": (SI, GE, Model("amm", inelastic={"A": 0.02, "q": 1.0, "m": -0.5}), {}),
}


@pytest.fixture(scope="module")
def computed():
    return {name: sensitivity.sensitivities(a, b, T, m, **kw) for name, (a, b, m, kw) in CASES.items()}


def _sum(s, names):
    return sum(s.value[n] for n in names if n in s.value)


def _err(s, names=None):
    return sum(s.error[n] for n in (names or s.inputs) if n in s.error)


def _plain_ln_g(a, b, model, kw, name, u, temps=T):
    """ln G with input `name` scaled by e^u, perturbing the dataclasses here (not via the module)."""
    if name.startswith("m1."):
        a = dataclasses.replace(a, **{name[3:]: getattr(a, name[3:]) * math.exp(u)})
    elif name.startswith("m2."):
        b = dataclasses.replace(b, **{name[3:]: getattr(b, name[3:]) * math.exp(u)})
    else:
        model = phononmc.models.parse_model(model)
        model = dataclasses.replace(model, **{name: getattr(model, name) * math.exp(u)})
    return np.log(landauer.conductance(a, b, temps, model, **kw))


@pytest.mark.parametrize("case", ["amm", "dmm", "mixed", "soffer", "ziman side 2", "amm equilibrium", "liquid"])
def test_against_a_plain_central_difference(computed, case):
    a, b, model, kw = CASES[case]
    s = computed[case]
    h = 2e-3  # not one of the module's steps (0.01, 0.005, 0.0025)
    for name in s.inputs:
        d1 = (_plain_ln_g(a, b, model, kw, name, h) - _plain_ln_g(a, b, model, kw, name, -h)) / (2 * h)
        d2 = (_plain_ln_g(a, b, model, kw, name, 2 * h) - _plain_ln_g(a, b, model, kw, name, -2 * h)) / (4 * h)
        # Truncation error of d1 is c h^2 = (d2 - d1)/3 to leading order; allow 2x that, the module's own error
        # estimate, and the round-off of d1 (1e-14 relative per ln G, / h).
        tol = 2 * np.abs(d2 - d1) / 3 + s.error[name] + 1e-14 / h
        assert np.all(np.abs(s.value[name] - d1) <= tol), (case, name, s.value[name], d1, tol)


def test_one_sided_at_a_bound_against_a_plain_backward_difference():
    s = sensitivity.sensitivities(SI, GE, T, "mixed(p=1)")
    assert s.stencil["p"] == "backward" and all(s.stencil[n] == "central" for n in sensitivity.INPUTS)
    # G is linear in p, so ln G(p e^-u) is smooth and a backward difference at a small step is accurate to
    # O(h) ~ 1e-4 relative; the exact value is (G_AMM - G_DMM)/G_AMM.
    g_amm, g_dmm = (landauer.conductance(SI, GE, T, m) for m in ("amm", "dmm"))
    assert np.allclose(s.value["p"], (g_amm - g_dmm) / g_amm, rtol=0, atol=1e-10)
    h = 1e-4
    backward = (np.log(g_amm) - np.log(landauer.conductance(SI, GE, T, f"mixed(p={math.exp(-h)!r})"))) / h
    assert np.allclose(s.value["p"], backward, atol=2 * h)


def test_dmm_does_not_depend_on_density(computed):
    """tau_DMM = M_2/(M_1 + M_2), M = Sum_j k_j^2 / 2 pi^2: velocities and cutoffs only, so exactly 0."""
    for case in ("dmm", "dmm sine"):
        for name in ("m1.density", "m2.density"):
            assert np.all(computed[case].value[name] == 0.0)
    s = sensitivity.sensitivities(SI, GE, T, "dmm", temperature="equilibrium")  # G_emit has no density either
    assert np.all(s.value["m1.density"] == 0.0) and np.all(s.value["m2.density"] == 0.0)


@pytest.mark.parametrize("case", list(CASES))
def test_densities_enter_only_through_their_ratio(computed, case):
    s = computed[case]
    total = s.value["m1.density"] + s.value["m2.density"]
    assert np.all(np.abs(total) <= s.error["m1.density"] + s.error["m2.density"]), total
    if case not in ("dmm", "dmm sine", "inelastic q=m=0"):  # the identity is not trivially 0 = 0
        assert np.max(np.abs(s.value["m1.density"])) > 1e-3


@pytest.mark.parametrize("case", list(CASES))
def test_units_scaling_identity(computed, case):
    """Sum_v S_v - 3 Sum_n S_n + S_eta = -2 at every T (module docstring; docs/sensitivity.md)."""
    s = computed[case]
    lhs = _sum(s, VELOCITIES) - 3 * _sum(s, ATOM_DENSITIES) + s.value.get("roughness", 0.0)
    # Tolerance: the sum of the error estimates (3x for the atom densities) plus 1e-8: the AMM's slowness
    # quadrature is not exactly scale invariant (measured offset 2e-9 to 5e-9 with Si|Ge).
    tol = _err(s, VELOCITIES) + 3 * _err(s, ATOM_DENSITIES) + _err(s, ["roughness"]) + 1e-8
    assert np.all(np.abs(lhs + 2.0) <= tol), lhs


def _s_T(a, b, model, kw, temps, h=1e-3):
    """d ln G / d ln T, central difference with one Richardson step (error O(h^4))."""
    def d(h):
        return (np.log(landauer.conductance(a, b, temps * math.exp(h), model, **kw))
                - np.log(landauer.conductance(a, b, temps * math.exp(-h), model, **kw))) / (2 * h)
    return (4 * d(h / 2) - d(h)) / 3


@pytest.mark.parametrize("case", ["amm", "soffer", "amm equilibrium", "dmm sine", "inelastic"])
def test_velocity_scaling_against_the_temperature_derivative(computed, case):
    """G(lambda v; T, T_ref, omega_ref) = lambda G(v; T/lambda, T_ref/lambda, omega_ref/lambda):
    Sum_v S_v = 1 - d ln G/d ln T + (q + m) S_A (S_T_ref = -q S_A, S_omega_ref = -m S_A)."""
    a, b, model, kw = CASES[case]
    s = computed[case]
    ch = getattr(model, "inelastic", None)
    channel = 0.0 if ch is None else (ch.q + ch.m) * s.value["inelastic.A"]
    # Tolerance: the module's error estimates, plus 1e-8 for the T difference (h^4 ~ 1e-12 times the 5th
    # derivative, and 1e-14/h round-off) and the scale offset of the AMM quadrature (see above); with the
    # channel, the T difference has the cap's quadrature noise (module docstring): 2e-5.
    tol = _err(s, VELOCITIES) + (1e-8 if ch is None else 2e-5 + 1.5 * s.error["inelastic.A"])
    assert np.allclose(_sum(s, VELOCITIES), 1.0 - _s_T(a, b, model, kw, T) + channel, rtol=0, atol=tol)


@pytest.mark.parametrize("case", ["amm", "dmm", "liquid", "amm equilibrium"])
def test_low_temperature_limit(case):
    """G -> T^3 (pi^2 k_B^4/30 hbar^3) Sum_j Gamma_j / v_j^2, Gamma a function of velocity and density ratios:
    scaling every velocity by lambda gives lambda^-2; cutoffs (atom densities) do not enter."""
    a, b, model, kw = CASES[case]
    temps = np.array([0.05, 0.2])  # far below the lowest cutoff (He4: 8 K; corrections ~ exp(-theta/T))
    s = sensitivity.sensitivities(a, b, temps, model, **kw)
    assert np.allclose(_sum(s, VELOCITIES), -2.0, rtol=0, atol=_err(s, VELOCITIES) + 1e-8)
    assert np.allclose(_sum(s, ATOM_DENSITIES), 0.0, rtol=0, atol=_err(s, ATOM_DENSITIES) + 1e-8)


@pytest.mark.parametrize("model", ["dmm", "amm"])
def test_classical_limit(model):
    """dn/dT -> k_B/hbar omega: G -> (k_B/4) Int Sum D v alpha d omega. With omega = lambda omega': scaling n by
    lambda (cutoffs by lambda^(1/3), D v = k^2/2 pi^2 by lambda^(2/3)) multiplies it by lambda, and so does scaling
    every velocity (cutoffs by lambda, D v at fixed omega by lambda^-2... times lambda^3 from the range)."""
    temps = np.array([1e5])
    s = sensitivity.sensitivities(SI, GE, temps, model)
    # Off the limit by x^2 e^x/(e^x - 1)^2 = 1 - x^2/12 + ..., x = hbar omega / k_B T <= x_max: S_T <= x_max^2/6.
    x_max = HBAR * max(SI.v_long * SI.k_debye, GE.v_long * GE.k_debye) / (K_B * temps[0])
    tol = x_max**2 / 6
    assert np.allclose(_sum(s, ATOM_DENSITIES), 1.0, rtol=0, atol=tol / 3 + _err(s, ATOM_DENSITIES))
    assert np.allclose(_sum(s, VELOCITIES), 1.0, rtol=0, atol=tol + _err(s, VELOCITIES))
    # ... and the classical G itself, from its own closed form, scales as n: double both atom densities.
    doubled = [dataclasses.replace(m, atom_density=2 * m.atom_density) for m in (SI, GE)]
    assert landauer.classical_limit(*doubled, model) / landauer.classical_limit(SI, GE, model) == pytest.approx(2, 1e-9)


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_mixed_p(p):
    temps = np.array([2.0, 50.0, 300.0])
    s = sensitivity.sensitivities(SI, GE, temps, f"mixed(p={p})")
    g_amm, g_dmm = (landauer.conductance(SI, GE, temps, m) for m in ("amm", "dmm"))
    g = p * g_amm + (1 - p) * g_dmm
    assert np.allclose(s.value["p"], p * (g_amm - g_dmm) / g, rtol=0, atol=s.error["p"] + 1e-12)


def test_inelastic_q_against_A():
    """tau_inel = A (T/T_ref)^q (...): d/d ln q = q ln(T/T_ref) d/d ln A, exactly, for any m and cap."""
    model = Model("amm", inelastic={"A": 0.02, "q": 1.5, "m": -0.5, "T_ref": 100.0})
    temps = np.array([3.0, 30.0, 100.0, 300.0])
    s = sensitivity.sensitivities(SI, GE, temps, model)
    expected = 1.5 * np.log(temps / 100.0) * s.value["inelastic.A"]
    assert np.allclose(s.value["inelastic.q"], expected, rtol=0,
                       atol=s.error["inelastic.q"] + np.abs(1.5 * np.log(temps / 100.0)) * s.error["inelastic.A"])
    assert s.value["inelastic.q"][2] == pytest.approx(0.0, abs=1e-9)  # T = T_ref: q drops out
    assert np.all(np.abs(s.value["inelastic.A"][1:]) > 1e-3) and "inelastic.m" in s.inputs


def test_skipped_inputs_say_why():
    s = sensitivity.sensitivities(CU, HE, [1.0], Model("mixed", p=0.0, inelastic={"A": 0.0}))
    assert s.skipped["m2.v_trans"].startswith("liquid")
    for name in ("p", "inelastic.A", "inelastic.q", "inelastic.m"):
        assert "ln x undefined" in s.skipped[name]
        assert name not in s.value
    assert set(s.inputs) == set(sensitivity.INPUTS) - {"m2.v_trans"}
    text = sensitivity.format_table(s)
    assert "m2.v_trans: skipped (liquid" in text and "p: skipped (zero" in text


def test_infinite_G_gives_nan():
    s = sensitivity.sensitivities(SI, SI, [10.0], "amm", temperature="equilibrium")
    assert np.all(np.isnan(s.value["m1.v_long"]))
    assert "G is infinite" in sensitivity.format_table(s)


@pytest.mark.parametrize("kwargs, field", [({"step": 0.0}, "step"), ({"step": 0.5}, "step"), ({"T": [[1.0]]}, "T")])
def test_bad_input_names_the_field(kwargs, field):
    args = {"T": [10.0], **kwargs}
    with pytest.raises(ValueError, match=field):
        sensitivity.sensitivities(SI, GE, **args)


def test_cli_table_json_and_h5(tmp_path, capsys):
    argv = ["analytic", "Si", "Ge", "--T", "10", "300", "--model", "dmm", "--sensitivity"]
    lib = sensitivity.sensitivities(SI, GE, [10.0, 300.0], "dmm")
    assert main(argv) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("m2.v_long"))
    assert [float(x) for x in row.split()[2:]] == pytest.approx(lib.value["m2.v_long"], abs=1e-4)  # 4 decimals
    assert main(argv + ["--json"]) == 0
    rec = json.loads(capsys.readouterr().out)["models"]["dmm"]["sensitivity"]
    assert rec["inputs"]["m2.v_long"]["S"] == pytest.approx(lib.value["m2.v_long"], rel=1e-12)
    assert rec["inputs"]["m1.density"]["units"] == "kg m^-3"
    path = tmp_path / "s.h5"
    assert main(argv + ["--h5", str(path)]) == 0
    capsys.readouterr()
    stored = phononmc.analytic_results.read(path).models["dmm"]["sensitivity"]
    assert stored.inputs == lib.inputs and stored.stencil == lib.stencil
    assert np.array_equal(stored.value["m2.v_long"], lib.value["m2.v_long"])
    assert main(["show", str(path)]) == 0
    assert row in capsys.readouterr().out
    # the options of the analytic command reach the sensitivities
    assert main(argv + ["--temperature", "equilibrium", "--side", "2", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)["models"]["dmm"]["sensitivity"]
    lib = sensitivity.sensitivities(SI, GE, [10.0, 300.0], "dmm", side=2, temperature="equilibrium")
    assert rec["inputs"]["m1.v_trans"]["S"] == pytest.approx(lib.value["m1.v_trans"], rel=1e-12)
    assert main(["analytic", "Si", "Ge", "--T", "10", "--json"]) == 0  # without the option: nothing added
    assert "sensitivity" not in json.loads(capsys.readouterr().out)["models"]["amm"]
