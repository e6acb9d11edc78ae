"""analysis/angular_transmission.py: one-line errors, the model's expectation, critical angles."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import phononmc
from phononmc.cli import main as phononmc_main

SCRIPT = Path(__file__).resolve().parents[1] / "analysis" / "angular_transmission.py"
spec = importlib.util.spec_from_file_location("angular_transmission", SCRIPT)
angular = importlib.util.module_from_spec(spec)
spec.loader.exec_module(angular)

RUN = """
name = "angles"
seed = 11
output = "angles.h5"
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "amm"
[[models]]
kind = "dmm"
[temperatures]
values = [10.0]
[monte_carlo]
packets_per_batch = 50000
batches = 4
side = 1
[tallies]
spectral_bins = 8
angle_bins = 10
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("angles")
    (folder / "angles.toml").write_text(RUN)
    assert phononmc_main(["run", str(folder / "angles.toml"), "--no-progress"]) == 0
    return folder / "angles.h5"  # point 0: amm, point 1: dmm, both at 10 K from side 1 (Si)


def _error_line(capsys, argv):
    with pytest.raises(SystemExit) as info:
        angular.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_bad_point_side_or_file_is_one_line(results, capsys, tmp_path):
    assert "--point 99 is out of range" in _error_line(capsys, [str(results), "--point", "99"])
    assert "points 0 to 1" in _error_line(capsys, [str(results), "--point", "-1"])
    assert "--side 2" in _error_line(capsys, [str(results), "--side", "2"])
    assert ".png" in _error_line(capsys, [str(results), "-o", str(tmp_path / "x.txt")])
    analytic = tmp_path / "analytic.h5"
    assert phononmc_main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(analytic)]) == 0
    assert str(analytic) in _error_line(capsys, [str(analytic)])


def test_dmm_point_is_compared_with_the_dmm(results):
    """Below every cutoff the DMM sends a fraction v_c⁻² / Σ v⁻² into branch c, at every angle."""
    cfg, model, T, part, centres, counts = angular.measured(results, 1, 1)
    assert model.kind == "dmm"
    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    inv2 = {m.name: np.array([m.v_long, m.v_trans, m.v_trans]) ** -2.0 for m in (si, ge)}
    expected = inv2["Ge"] / (inv2["Si"].sum() + inv2["Ge"].sum())
    for j, branch in enumerate(("L", "SV", "SH")):
        lines = angular.expected_transmission(si, ge, model, T, centres, branch)
        np.testing.assert_allclose(lines, np.repeat(expected[:, None], len(centres), axis=1), rtol=1e-6)
        emitted = counts[j].sum(axis=0)
        frac = counts[j, 3:] / emitted
        sigma = np.sqrt(lines * (1 - lines) / emitted)
        assert np.all(np.abs(frac - lines) < 5 * sigma)  # the Monte Carlo agrees with the lines


def test_amm_point_agrees_and_marks_critical_angles(results):
    cfg, model, T, part, centres, counts = angular.measured(results, 0, 1)
    si, ge = cfg.interface.material_1, cfg.interface.material_2
    width = centres[1] - centres[0]
    s = (centres[:, None] + width * (np.arange(200) / 200 - 0.5 + 1 / 400)).ravel()  # 200 points per bin
    for j, branch in enumerate(("L", "SV", "SH")):
        fine = angular.expected_transmission(si, ge, model, T, s, branch).reshape(3, len(centres), 200)
        lines = (fine * s.reshape(len(centres), 200)).sum(-1) / s.reshape(len(centres), 200).sum(-1)  # μ² uniform
        emitted = counts[j].sum(axis=0)
        frac = counts[j, 3:] / emitted
        sigma = np.sqrt(np.clip(lines * (1 - lines), 1e-4, None) / emitted)
        assert np.all(np.abs(frac - lines) < 5 * sigma)
    fig = angular.figure(results, 0, 1)
    assert "dotted: critical angles" in fig._suptitle.get_text()
    sv = fig.axes[1]
    dotted = [ln.get_xdata()[0] for ln in sv.get_lines() if ln.get_linestyle() == ":"]
    assert dotted == pytest.approx([si.v_trans / si.v_long])  # SV -> rL, Snell
    dmm_fig = angular.figure(results, 1, 1)
    assert "dotted" not in dmm_fig._suptitle.get_text()
    assert not [ln for ax in dmm_fig.axes for ln in ax.get_lines() if ln.get_linestyle() == ":"]


def test_point_without_batches_is_an_error_not_an_empty_figure(results, tmp_path, capsys):
    import shutil

    import h5py

    copy = tmp_path / "unfinished.h5"
    shutil.copy(results, copy)
    with h5py.File(copy, "r+") as f:  # as a run interrupted before point 1
        f["point_001/side1_batches"][()] = 0
    assert "no batches yet" in _error_line(capsys, [str(copy), "--point", "1", "-o", str(tmp_path / "z.png")])
    assert not (tmp_path / "z.png").exists()


# ------------------------------------------------------------------ analysis/specularity_crossover.py
CROSSOVER = Path(__file__).resolve().parents[1] / "analysis" / "specularity_crossover.py"
_spec = importlib.util.spec_from_file_location("specularity_crossover", CROSSOVER)
crossover = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crossover)


def test_crossover_runs_from_specular_to_diffuse():
    """Flux-weighted p̄ → 1 at low T and → 0 at high T for η = 1 nm (Ziman, Soffer); λ_dom
    at the peak x = 3.83 of x⁴eˣ/(eˣ − 1)²; G(η/λ_dom) from the AMM G to the DMM G."""
    ge, gaas = phononmc.material("Ge"), phononmc.material("GaAs")
    x = crossover.X_DOMINANT
    assert 4 / x == pytest.approx((np.exp(x) + 1) / (np.exp(x) - 1), rel=1e-4)
    for kind in crossover.KINDS:
        p = crossover.mean_specularity(ge, np.array([0.05, 300.0]), 1e-9, kind)
        assert p[0] > 0.99 and p[1] < 0.01
    # p̄ at 20 K, η = 0.3 nm, against scipy.quad over each Debye branch (k = ω/v, D v ∝ k²)
    from scipy.integrate import quad
    T, eta = 20.0, 0.3e-9
    for kind, p in (("ziman", lambda k: np.exp(-4 * np.pi * eta**2 * k**2)),
                    ("soffer", lambda k: -np.expm1(-4 * eta**2 * k**2) / (4 * eta**2 * k**2))):
        num = den = 0.0
        for b in phononmc.dispersion.branches(ge):
            w = lambda om, b=b: (om / b.velocity) ** 2 * om * phononmc.quadrature.bose_derivative(om, T)
            num += quad(lambda om: w(om) * p(om / b.velocity), 1.0, b.omega_cutoff, limit=200)[0]
            den += quad(w, 1.0, b.omega_cutoff, limit=200)[0]
        assert crossover.mean_specularity(ge, np.array([T]), eta, kind)[0] == pytest.approx(num / den, rel=1e-6)
    g = crossover.versus_roughness(ge, gaas, 30.0, [1e-6, 30.0], "ziman")
    ends = [float(phononmc.landauer.conductance(ge, gaas, 30.0, m)) for m in ("amm", "dmm")]
    np.testing.assert_allclose(g, ends, rtol=1e-6)


def test_crossover_script_writes_its_figure(tmp_path, capsys):
    out = tmp_path / "crossover.png"
    assert crossover.main(["-o", str(out), "--eta", "0.5", "--points", "5"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit) as info:
        crossover.main(["-o", str(tmp_path / "x.png"), "--eta", "-1"])
    assert info.value.code == 2 and "--eta" in capsys.readouterr().err


# ------------------------------------------------------------------ analysis/inelastic_conductance.py
INELASTIC = Path(__file__).resolve().parents[1] / "analysis" / "inelastic_conductance.py"
_spec = importlib.util.spec_from_file_location("inelastic_conductance", INELASTIC)
inelastic_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inelastic_script)


def test_inelastic_figure_plots_the_landauer_conductances(tmp_path, capsys):
    """The plotted curves are landauer.conductance with and without the channel and the radiation
    limit, computed here directly; (b) is G_inel / G from landauer.inelastic_fraction."""
    from phononmc.models import Model
    from phononmc.transmission.inelastic import Inelastic

    diamond, pb = phononmc.material("diamond"), phononmc.material("Pb")
    T = np.geomspace(5.0, 300.0, 4)
    channel = Inelastic(0.02, m=0.5)
    fig = inelastic_script.figure(diamond, pb, T, channel)
    ax_g, ax_f = fig.axes
    lines = {ln.get_label(): ln for ln in ax_g.get_lines()}
    for kind in ("dmm", "amm"):
        model = Model(kind, inelastic=channel)
        np.testing.assert_allclose(lines[f"{kind.upper()} (elastic)"].get_ydata(),
                                   phononmc.landauer.conductance(diamond, pb, T, kind), rtol=1e-12)
        np.testing.assert_allclose(lines[f"{kind.upper()} + inelastic"].get_ydata(),
                                   phononmc.landauer.conductance(diamond, pb, T, model), rtol=1e-12)
        fraction = next(ln for ln in ax_f.get_lines() if ln.get_label() == f"{kind.upper()} + inelastic")
        np.testing.assert_allclose(fraction.get_ydata(), phononmc.landauer.inelastic_fraction(diamond, pb, T, model),
                                   rtol=1e-10)
    np.testing.assert_allclose(lines["phonon radiation limit"].get_ydata(),
                               phononmc.landauer.radiation_limit(diamond, pb, T), rtol=1e-12)
    np.testing.assert_array_equal(lines["phonon radiation limit"].get_xdata(), T)
    assert ax_g.get_xscale() == ax_g.get_yscale() == "log" and "W m" in ax_g.get_ylabel()

    out = tmp_path / "inelastic.png"
    assert inelastic_script.main(["-o", str(out), "--points", "3", "--T-range", "10", "100"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit) as info:  # Pb cannot return what diamond sends: one line naming A
        inelastic_script.main(["-o", str(tmp_path / "x.png"), "--A", "1", "--m", "1", "--points", "3"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "inelastic.A = 1.0 is invalid" in err and err.count("\n") == 1
