"""Fitting models to a measured G(T) or R_K(T) (phononmc.fit_conductance, `phononmc fit`)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

import phononmc
from phononmc import landauer
from phononmc.cli import main
from phononmc.fit_conductance import Measurement, build_model, fit_conductance, read_conductance_csv
from phononmc.transmission import incoherent, multilayer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "runs" / "fit_example_al_si.csv"
AL, SI = phononmc.material("Al"), phononmc.material("Si")
DIAMOND, PB = phononmc.material("diamond"), phononmc.material("Pb")
T10 = np.geomspace(30.0, 300.0, 10)


def synthetic(m1, m2, kind, values, T, rel, rng, quantity="G", temperature="equilibrium", errors=True):
    """Data drawn from the model: y (1 + rel·N(0,1)), with σ = rel·y_true if `errors`."""
    G = landauer.conductance(m1, m2, T, build_model(kind, values), temperature=temperature)
    y = G if quantity == "G" else 1.0 / G
    return Measurement(quantity, T, y * (1.0 + rel * rng.standard_normal(T.size)), rel * y if errors else None,
                       "synthetic")


def example_conductance():
    """The example file's numbers: Al|Si, mixed p = 0.3, equilibrium temperatures, 12 temperatures
    log-spaced 30-300 K, 4 % Gaussian noise (default_rng(20261210)), G_err the 4 % of the true G."""
    T = np.geomspace(30.0, 300.0, 12)
    return synthetic(AL, SI, "mixed", {"p": 0.3}, T, 0.04, np.random.default_rng(20261210))


# --------------------------------------------------------------------------- fit


def test_linear_model_matches_closed_form_weighted_least_squares():
    # With emitted temperatures G(p) = G_DMM + p (G_AMM - G_DMM) is linear in p, so weighted least
    # squares has the closed form p = Σw d (y - G_DMM) / Σw d², σ_p = 1/√(Σw d²), w = 1/σ², d = G_AMM - G_DMM.
    d = synthetic(AL, SI, "mixed", {"p": 0.4}, T10, 0.05, np.random.default_rng(3), temperature="emitted")
    fit = fit_conductance(d, AL, SI, "mixed", ["p"], temperature="emitted")
    g_amm = landauer.conductance(AL, SI, T10, "amm")
    g_dmm = landauer.conductance(AL, SI, T10, "dmm")
    w, diff = 1.0 / d.error**2, g_amm - g_dmm
    p_exact = (w * diff * (d.value - g_dmm)).sum() / (w * diff**2).sum()
    sigma_exact = 1.0 / math.sqrt((w * diff**2).sum())
    p = fit.parameters["p"]
    # least squares stops at xtol 1e-10; the 3-point Jacobian of a linear model is exact to rounding
    assert p.value == pytest.approx(p_exact, abs=1e-8)
    assert p.error == pytest.approx(sigma_exact, rel=1e-6)
    assert fit.chi2 == pytest.approx((w * (d.value - g_dmm - p_exact * diff) ** 2).sum(), rel=1e-8)
    # a linear model's profile is the parabola Δχ² = ((p - p̂)/σ)², so the interval is p̂ ± σ
    # (to the linear interpolation between grid points, exact for points at ±σ which the grid holds)
    assert p.interval == pytest.approx((p_exact - sigma_exact, p_exact + sigma_exact), abs=1e-6)
    assert p.constrained


@pytest.mark.parametrize("kind, values, free, quantity, m1, m2", [
    ("mixed", {"p": 0.3}, ["p"], "G", AL, SI),
    ("soffer", {"roughness": 0.3e-9}, ["roughness"], "R_K", AL, SI),
    ("ziman", {"roughness": 0.05e-9}, ["roughness"], "G", AL, SI),  # Ziman: p = 0.97 to 0.05 over 30-300 K
])
def test_recovers_known_parameters_within_errors(kind, values, free, quantity, m1, m2):
    d = synthetic(m1, m2, kind, values, T10, 0.03, np.random.default_rng(7), quantity)
    fit = fit_conductance(d, m1, m2, kind, free, profile=False)
    for name in free:
        p = fit.parameters[name]
        # 3σ: a 0.3 % chance of failing for a correct fit with this fixed seed (it passes deterministically)
        assert abs(p.value - values[name]) < 3.0 * p.error, (name, p)
        assert p.constrained


def test_recovers_inelastic_amplitude_and_exponent():
    values = {"inelastic.A": 0.02, "inelastic.q": 1.0}
    d = synthetic(DIAMOND, PB, "dmm", values, np.geomspace(20.0, 300.0, 8), 0.03, np.random.default_rng(5))
    fit = fit_conductance(d, DIAMOND, PB, "dmm", list(values), profile=False)
    for name, true in values.items():
        assert abs(fit.parameters[name].value - true) < 3.0 * fit.parameters[name].error
    assert fit.model.inelastic.q == fit.parameters["inelastic.q"].value


def test_interlayer_velocity_recovered_past_a_local_minimum():
    # DMM through a Ti interlayer: G(v_T) has a kink where the interlayer's cutoff crosses the others', and
    # from the database value (3125 m/s) the optimiser stops in a local minimum near 3450 m/s; the χ² profile
    # over the whole range finds the lower one, and the fit restarts there.
    ti = phononmc.material("Ti")
    true = dataclasses.replace(ti, v_trans=2500.0)
    G = incoherent.incoherent_conductance(AL, SI, [multilayer.Layer(true, 1e-9)], T10, "dmm")
    d = Measurement("G", T10, G * (1.0 + 0.03 * np.random.default_rng(1).standard_normal(10)), 0.03 * G, "x")
    fit = fit_conductance(d, AL, SI, "dmm", ["interlayer.v_trans"], interlayer=ti, temperature="emitted")
    v = fit.parameters["interlayer.v_trans"]
    assert abs(v.value - 2500.0) < 3.0 * v.error and v.constrained
    assert any("local minimum" in note for note in fit.notes)
    assert fit.interlayer.v_trans == v.value and fit.chi2 < 2.0 * fit.dof


def test_interlayer_density_does_not_enter_the_dmm():
    # The DMM's τ depends on velocities and cutoffs only, so the interlayer density has an exactly zero column
    ti = phononmc.material("Ti")
    G = incoherent.incoherent_conductance(AL, SI, [multilayer.Layer(ti, 1e-9)], T10, "dmm")
    d = Measurement("G", T10, G, 0.03 * G, "x")
    fit = fit_conductance(d, AL, SI, "dmm", ["interlayer.density"], interlayer=ti, temperature="emitted")
    assert any("singular" in r for r in fit.parameters["interlayer.density"].unconstrained)
    with pytest.raises(ValueError, match="emitted-phonon temperatures only"):
        fit_conductance(d, AL, SI, "dmm", ["interlayer.v_long"], interlayer=ti)
    with pytest.raises(ValueError, match="needs model amm or dmm"):
        fit_conductance(d, AL, SI, "mixed", ["p"], interlayer=ti, temperature="emitted")


def test_covariance_and_profile_disagreement_and_correlation_are_reported():
    # G of the DMM through Ti has a kink in v_T at ~3125 m/s (see above): fitted there (to data it cannot
    # describe, chi2/dof ~ 265) the linearised error is ~100x the profile's half-width
    d = read_conductance_csv(EXAMPLE)
    fit = fit_conductance(d, AL, SI, "dmm", ["interlayer.v_trans"], interlayer=phononmc.material("Ti"),
                          temperature="emitted")
    assert any("quote the profile interval" in note for note in fit.notes)
    # p and a frequency-independent inelastic A both raise G at every T: nearly degenerate
    fit = fit_conductance(d, AL, SI, "mixed", ["p", "inelastic.A"], profile=False)
    rho = fit.covariance[0, 1] / math.sqrt(fit.covariance[0, 0] * fit.covariance[1, 1])
    assert rho < -0.9 and any("are correlated" in note for note in fit.notes)


def test_without_errors_scales_covariance_by_scatter():
    d = synthetic(AL, SI, "mixed", {"p": 0.3}, T10, 0.03, np.random.default_rng(11), errors=False)
    fit = fit_conductance(d, AL, SI, "mixed", ["p"], profile=False)
    assert not fit.errors_given
    assert fit.chi2 == pytest.approx(fit.dof)  # the scatter estimate makes chi2 = dof by construction
    assert fit.scatter == pytest.approx(0.03, rel=0.5)  # estimated from 9 dof: ±24 % (1σ) for s
    with_unit = fit_conductance(Measurement("G", d.T, d.value, np.abs(d.value), "x"), AL, SI, "mixed", ["p"],
                                profile=False)
    assert fit.parameters["p"].error == pytest.approx(with_unit.parameters["p"].error * fit.scatter, rel=1e-6)


def unconstrained_data():
    """The model's G at p = 0.3 with 100 % errors: AMM and DMM differ by far less than that for Al|Si
    (by 15-65 %), so chi2 moves by < 1 over p in [0, 1] (noise-free, since 100 % noise would make G < 0)."""
    G = landauer.conductance(AL, SI, T10[:5], build_model("mixed", {"p": 0.3}), temperature="equilibrium")
    return Measurement("G", T10[:5], G, G, "synthetic")


def _coverage(n_sets, seed):
    rng = np.random.default_rng(seed)
    G = landauer.conductance(AL, SI, T10, build_model("mixed", {"p": 0.3}), temperature="equilibrium")
    inside = 0
    for _ in range(n_sets):
        d = Measurement("G", T10, G * (1.0 + 0.05 * rng.standard_normal(T10.size)), 0.05 * G, "synthetic")
        p = fit_conductance(d, AL, SI, "mixed", ["p"], profile=False).parameters["p"]
        inside += abs(p.value - 0.3) <= p.error
    return inside / n_sets


def test_coverage_of_one_sigma_small():
    # 20 sets (a smoke check; the slow test has the statistics): fraction ~ Binomial(20, 0.683)/20,
    # sd 0.104; 3 sd -> [0.37, 0.99]: catches σ off by a factor of ~2 either way
    assert 0.37 <= _coverage(20, 1) <= 0.99


@pytest.mark.slow
def test_coverage_of_one_sigma():
    # 200 sets: sd = √(0.683·0.317/200) = 0.033; 3 sd -> [0.584, 0.782]
    assert 0.584 <= _coverage(200, 2) <= 0.782


def test_unconstrained_when_data_cannot_tell():
    d = unconstrained_data()
    p = fit_conductance(d, AL, SI, "mixed", ["p"]).parameters["p"]
    assert not p.constrained
    assert any("profile is flat" in r for r in p.unconstrained)
    assert p.interval == (0.0, 1.0)


def test_unconstrained_when_roughness_is_below_every_wavelength():
    # Ziman p = exp(-4π η² k²): with η <= 2 pm and k <= 1e10 m^-1 at these T, 1 - p < 5e-4, so G moves by far
    # less than the 2 % errors over the whole range: the profile is flat and σ spans the range.
    d = synthetic(AL, SI, "ziman", {"roughness": 1e-12}, T10[:4], 0.02, np.random.default_rng(4))
    fit = fit_conductance(d, AL, SI, "ziman", ["roughness"], bounds={"roughness": (1e-13, 2e-12)})
    assert any("profile is flat" in r for r in fit.parameters["roughness"].unconstrained)


def test_degenerate_parameters_are_reported():
    # With A = 0 fixed the channel is off, so q has no effect at all: its Jacobian column is exactly
    # zero and JᵀJ is singular.
    d = synthetic(AL, SI, "dmm", {}, T10[:4], 0.02, np.random.default_rng(4))
    fit = fit_conductance(d, AL, SI, "dmm", ["inelastic.q"], fixed={"inelastic.A": 0.0}, profile=False)
    q = fit.parameters["inelastic.q"]
    assert q.error == math.inf
    assert any("singular" in r for r in q.unconstrained)


def test_parameter_on_bound_is_reported():
    # Al|Si: G_AMM > G_DMM (by 15-65 % here); data 20 % above the AMM want p > 1, so the fit stops on p = 1
    G = landauer.conductance(AL, SI, T10, "amm", temperature="equilibrium") * 1.2
    d = Measurement("G", T10, G, 0.01 * G, "x")
    p = fit_conductance(d, AL, SI, "mixed", ["p"], profile=False).parameters["p"]
    assert any("bound" in r for r in p.unconstrained)


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "amm", "free": ["p"]}, "does not apply to model 'amm'"),
    ({"kind": "mixed", "free": ["eta"]}, "free parameter 'eta' is not known"),
    ({"kind": "mixed", "free": ["p"], "fixed": {"p": 0.2}}, "both free and fixed"),
    ({"kind": "mixed", "free": ["p"], "bounds": {"p": (1.0, 0.0)}}, "lo < hi"),
    ({"kind": "mixed", "free": ["p"], "start": {"p": 2.0}}, "outside its bounds"),
    ({"kind": "mixed", "free": []}, "no free parameter"),
])
def test_bad_parameters(kwargs, message):
    d = Measurement("G", T10, np.ones(10), None, "x")
    with pytest.raises(ValueError, match=message):
        fit_conductance(d, AL, SI, **kwargs)


# --------------------------------------------------------------------------- CSV


def test_example_file_is_the_documented_synthetic_set():
    d = read_conductance_csv(EXAMPLE)
    expected = example_conductance()
    # the file holds 4 significant digits in MW m^-2 K^-1
    np.testing.assert_allclose(d.T, expected.T, rtol=1e-3)
    np.testing.assert_allclose(d.value, expected.value, rtol=1e-3)
    np.testing.assert_allclose(d.error, expected.error, rtol=1e-3)
    text = EXAMPLE.read_text()
    assert "SYNTHETIC" in text and "not a measurement" in text


def test_documented_csv_lines_are_the_example_file():
    # docs/fitting.md quotes the header and first rows of the example file
    doc = (ROOT / "docs" / "fitting.md").read_text()
    lines = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    assert "\n".join(lines[:3]) in doc


def test_reads_units():
    d = read_conductance_csv(EXAMPLE)
    assert d.quantity == "G" and d.value.min() > 1e7  # MW m^-2 K^-1 converted to W m^-2 K^-1


def _csv(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("T [K], G_err [MW m^-2 K^-1]\n1, 2\n3, 4\n", r"line 1: neither G nor R_K"),
    ("G [MW m^-2 K^-1]\n1\n3\n", r"line 1: no T column"),
    ("T, G [MW m^-2 K^-1]\n1, 2\n3, 4\n", r"line 1: column 'T' has no unit"),
    ("T [K], G\n1, 2\n3, 4\n", r"line 1: column 'G' has no unit"),
    ("T [K], G [MW/m2K]\n1, 2\n3, 4\n", r"line 1: unit \[MW/m2K\] of column 'G' is not known"),
    ("# c\nT [K], G [MW m^-2 K^-1]\n10, 2\n20, -4\n", r"line 4, column 2 \(G \[MW m\^-2 K\^-1\]\): -4 is negative"),
    ("T [K], R_K [m^2 K GW^-1]\n10, 2\n20, abc\n", r"line 3, column 2 .*'abc' is not a finite number"),
    ("T [K], G [W m^-2 K^-1], G_err [W m^-2 K^-1]\n10, 2, 0\n20, 3, 1\n", r"line 2, column 3 .*zero"),
    ("T [K], G [W m^-2 K^-1]\n10, 2, 5\n20, 3\n", r"line 2: 3 values for the 2 columns"),
    ("T [K], G [W m^-2 K^-1]\n10, 2\n", r"1 data row"),
    ("T [K], G [W m^-2 K^-1], R_K_err [m^2 K W^-1]\n10, 2, 1\n20, 3, 1\n", r"'R_K_err' does not match"),
])
def test_bad_csv_one_line_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message) as info:
        read_conductance_csv(_csv(tmp_path, text))
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- command line


def test_cli_fit_example_with_plot(tmp_path, capsys):
    png = tmp_path / "fit.png"
    assert main(["fit", str(EXAMPLE), "--materials", "Al", "Si", "--model", "mixed", "--free", "p",
                 "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "p = 0." in out and "chi2/dof" in out and "NOT constrained" not in out
    assert png.stat().st_size > 10_000


def test_cli_inline_material_equals_database(capsys):
    al = phononmc.material("Al")
    inline = (f'{{name="Al", density={al.density!r}, v_long={al.v_long!r}, v_trans={al.v_trans!r}, '
              f'atom_density={al.atom_density!r}}}')
    for m1 in ("Al", inline):
        assert main(["fit", str(EXAMPLE), "--materials", m1, "Si", "--model", "mixed", "--free", "p",
                     "--no-profile"]) == 0
    first, second = capsys.readouterr().out.split("# " + str(EXAMPLE))[1:]
    assert first.splitlines()[2:] == second.splitlines()[2:]


def test_cli_reports_unconstrained(tmp_path, capsys):
    d = unconstrained_data()
    rows = "\n".join(f"{t}, {g}, {e}" for t, g, e in zip(d.T, d.value, d.error))
    path = _csv(tmp_path, f"T [K], G [W m^-2 K^-1], G_err [W m^-2 K^-1]\n{rows}\n")
    assert main(["fit", str(path), "--materials", "Al", "Si", "--model", "mixed", "--free", "p"]) == 0
    assert "p is NOT constrained by these data" in capsys.readouterr().out


def test_cli_interlayer(capsys):
    assert main(["fit", str(EXAMPLE), "--materials", "Al", "Si", "--interlayer", "Ti", "--model", "dmm",
                 "--free", "interlayer.v_long", "--temperature", "emitted", "--no-profile"]) == 0
    out = capsys.readouterr().out
    assert "Al | interlayer Ti | Si" in out and "interlayer.v_long = " in out


def test_cli_series_reachable(capsys):
    assert main(["fit", "--series", str(ROOT / "runs" / "thickness_series_example.csv")]) == 0
    via_fit = capsys.readouterr().out
    assert main(["series", str(ROOT / "runs" / "thickness_series_example.csv")]) == 0
    assert via_fit == capsys.readouterr().out and "R_0 =" in via_fit


@pytest.mark.parametrize("argv, message", [
    (["--model", "mixed", "--free", "p"], "--materials is required"),
    (["--materials", "Al", "Si", "--model", "mixed", "--free", "p", "--bounds", "p=0"], "--bounds 'p=0'"),
    (["--materials", "Al", "{name=", "--model", "mixed", "--free", "p"], "not a TOML inline table"),
    (["--materials", "Al", "Si", "--model", "amm", "--free", "p"], "does not apply"),
    (["--materials", "Al", "Si", "--model", "mixed", "--free", "p", "--reference", "x.csv"], "only with --series"),
])
def test_cli_errors_are_one_line(capsys, argv, message):
    assert main(["fit", str(EXAMPLE), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
