"""The `phononmc` command: wiring to the library, output files, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import phononmc
from phononmc import io, landauer
from phononmc.cli import main


def test_materials_table(capsys):
    assert main(["materials"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines()[1:] if line.strip()]
    assert "Si" in names and "He4" in names
    he = next(line for line in out.splitlines() if line.startswith("He4"))
    assert " yes " in he  # liquid


def test_materials_json(capsys):
    assert main(["materials", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {m["name"]: m for m in data["materials"]}
    assert set(phononmc.materials()) == set(by_name)
    assert by_name["He4"]["is_liquid"] and by_name["He4"]["v_trans"] == 0.0
    assert by_name["Si"]["source"] == phononmc.material("Si").source


def test_analytic_json_matches_library(capsys):
    assert main(["analytic", "Si", "Ge", "--T", "10", "300", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    T = np.array([10.0, 300.0])
    assert data["T"] == [10.0, 300.0]
    assert set(data["models"]) == {"amm", "dmm"}
    for model, d in data["models"].items():
        G = landauer.conductance(si, ge, T, model=model)
        np.testing.assert_allclose(d["G"], G, rtol=1e-12)
        np.testing.assert_allclose(d["R_K"], 1.0 / G, rtol=1e-12)
        assert d["lowT_coefficient"] == pytest.approx(landauer.lowT_coefficient(si, ge, model), rel=1e-12)
        assert d["classical_limit"] == pytest.approx(landauer.classical_limit(si, ge, model), rel=1e-12)
    assert data["temperature"] == "emitted"
    assert "emitted-phonon" in data["temperature_definition"]
    assert data["units"]["G"] == "W m^-2 K^-1"
    assert data["materials"]["m1"]["name"] == "Si"


def test_analytic_options_reach_library(capsys):
    argv = ["analytic", "Si", "Ge", "--model", "mixed(p=0.5)", "--T-range", "2", "200", "3",
            "--side", "2", "--temperature", "equilibrium", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    T = np.geomspace(2.0, 200.0, 3)
    G = landauer.conductance(phononmc.material("Si"), phononmc.material("Ge"), T, model="mixed(p=0.5)",
                             side=2, temperature="equilibrium")
    np.testing.assert_allclose(data["models"]["mixed(p=0.5)"]["G"], G, rtol=1e-12)
    assert "equilibrium" in data["temperature_definition"]


def test_analytic_table(capsys):
    assert main(["analytic", "Si", "Ge", "--T", "10", "300"]) == 0
    out = capsys.readouterr().out
    assert "Si | Ge" in out and "debye" in out
    assert "G for emitted-phonon temperatures (Landauer)" in out
    assert "G [MW m^-2 K^-1]" in out and "R_K [m^2 K/GW]" in out
    rows = [line.split() for line in out.splitlines() if line.strip() and not line.startswith("#")][2:]
    assert [float(r[0]) for r in rows] == [10.0, 300.0]
    G = landauer.conductance(phononmc.material("Si"), phononmc.material("Ge"), 300.0, model="amm")
    assert float(rows[1][1]) == pytest.approx(G / 1e6, rel=1e-4)
    assert float(rows[1][2]) == pytest.approx(1e9 / G, rel=1e-4)


def test_analytic_default_temperatures(capsys):
    assert main(["analytic", "Si", "Ge", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(data["T"], np.geomspace(1.0, 300.0, 12))


def test_analytic_h5(tmp_path, capsys):
    path = tmp_path / "sige.h5"
    assert main(["analytic", "Si", "Ge", "--T", "10", "300", "--h5", str(path)]) == 0
    res = io.read(path, kind="analytic")
    assert set(res.groups) == {"amm", "dmm"}
    assert res.attrs["material_1"] == "Si" and res.attrs["material_2"] == "Ge"
    assert res.attrs["command"].startswith("phononmc analytic Si Ge")
    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    for model, group in res.groups.items():
        assert group.attrs["model"] == model
        assert group.units("T") == "K" and group.units("G") == "W m^-2 K^-1" and group.units("R_K") == "m^2 K W^-1"
        np.testing.assert_allclose(group["G"], landauer.conductance(si, ge, group["T"], model=model), rtol=1e-12)
        assert group.attrs["lowT_coefficient"] == pytest.approx(landauer.lowT_coefficient(si, ge, model))
        assert "emitted-phonon" in group.attrs["temperature_definition"]
        assert json.loads(group.attrs["materials"])["m2"]["name"] == "Ge"


def test_analytic_plot(tmp_path, capsys):
    path = tmp_path / "G.png"
    assert main(["analytic", "Si", "Ge", "--T-range", "1", "300", "8", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, offending", [
    (["analytic", "Unobtainium", "Ge"], "Unobtainium"),
    (["analytic", "Si", "Ge", "--T", "-5"], "-5"),
    (["analytic", "Si", "Ge", "--T", "0"], "--T 0"),
    (["analytic", "Si", "Ge", "--model", "foo"], "foo"),
    (["analytic", "Si", "Ge", "--model", "mixed(p=2)"], "mixed(p=2)"),
    (["analytic", "Si", "Ge", "--T-range", "300", "1", "5"], "TMIN = 300"),
    (["analytic", "Si", "Ge", "--side", "3"], "3"),
    (["analytic", "Si", "Ge", "--dispersion", "sine", "--model", "amm"], "amm"),
    (["nonsense"], "nonsense"),
])
def test_bad_input_is_one_line(capsys, argv, offending):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("phononmc: error: ")
    assert err.count("\n") == 1
    assert offending in err
    assert "Traceback" not in err + captured.out


def test_unknown_material_lists_valid_names(capsys):
    assert main(["analytic", "Si", "Xx"]) == 2
    err = capsys.readouterr().err
    assert "He4" in err and "Ge" in err


def test_unwritable_output_is_one_line(tmp_path, capsys):
    (tmp_path / "x.h5" / "inside").mkdir(parents=True)  # a non-empty folder: the final rename fails
    assert main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(tmp_path / "x.h5")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("phononmc: error: --h5") and err.count("\n") == 1


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "phononmc", "materials"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "He4" in proc.stdout


# --------------------------------------------------------------------------- issue 7: identical media, slips, figures


@pytest.mark.parametrize("medium", ["Si", "He4"])
def test_equilibrium_identical_media_say_no_jump(capsys, medium):
    argv = ["analytic", medium, medium, "--temperature", "equilibrium", "--T", "1", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.split() and line.split()[0] in ("1", "2")]
    assert len(rows) == 2 and all("inf (no jump)" in row for row in rows)
    assert "R_K = 0" in out
    assert main(argv + ["--json"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert models["amm"]["no_jump"] == [True, True] and models["amm"]["R_K"] == [0.0, 0.0]
    # the DMM sends half of every branch back: G_eq = G / (1 - 1/2) = G_emit, finite
    m = phononmc.material(medium)
    assert models["dmm"]["no_jump"] == [False, False]
    np.testing.assert_allclose(models["dmm"]["G"], landauer.emission_conductance(m, np.array([1.0, 2.0])), rtol=1e-9)


def test_plot_name_must_end_in_png(tmp_path, capsys):
    path = tmp_path / "out.txt"
    assert main(["analytic", "Si", "Ge", "--T", "10", "--plot", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"phononmc: error: --plot {path}") and ".png" in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""  # refused before any output
    assert not path.exists()


def test_T_range_needs_two_points(capsys):
    assert main(["analytic", "Si", "Ge", "--T-range", "1", "300", "1"]) == 2
    err = capsys.readouterr().err
    assert "N = 1" in err and "N >= 2" in err and "--T 1" in err and err.count("\n") == 1


def test_failed_plot_names_the_users_path(tmp_path, capsys):
    target = tmp_path / "x.png"
    (target / "inside").mkdir(parents=True)  # a non-empty folder: the final rename fails
    assert main(["analytic", "Si", "Ge", "--T", "10", "--plot", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"phononmc: error: --plot {target}: cannot write")
    assert ".tmp" not in err and err.count("\n") == 1


def _capture_figure(monkeypatch):
    from phononmc import plot

    figures = []
    monkeypatch.setattr(plot, "save", lambda fig, path: figures.append(fig))
    return figures


def test_analytic_plot_data_equal_the_h5(tmp_path, capsys, monkeypatch):
    figures = _capture_figure(monkeypatch)
    h5 = tmp_path / "cu_he.h5"
    assert main(["analytic", "Cu", "He4", "--T-range", "0.2", "5", "6", "--h5", str(h5), "--plot", "G.png"]) == 0
    res = io.read(h5, kind="analytic")
    ax = figures[0].axes[0]
    for line, name in zip([ln for ln in ax.get_lines() if ln.get_linestyle() == "-"], ("amm", "dmm"), strict=True):
        T, G = res.groups[name]["T"], res.groups[name]["G"]
        np.testing.assert_allclose(line.get_xdata(), T)
        np.testing.assert_allclose(line.get_ydata(), G / T**3)  # a helium side: G/T^3


MC_RUN = """
name = "cuhe"
seed = 7
output = "cuhe.h5"
[interface]
material_1 = "Cu"
material_2 = "He4"
[[models]]
kind = "dmm"
[temperatures]
values = [0.5, 2.0]
[monte_carlo]
packets_per_batch = 20000
batches = 4
side = 1
[tallies]
spectral_bins = 8
angle_bins = 6
"""


def test_mc_plot_data_equal_the_results_file(tmp_path, capsys, monkeypatch):
    from phononmc.mc.run import read_table

    figures = _capture_figure(monkeypatch)
    run_file = tmp_path / "cuhe.toml"
    run_file.write_text(MC_RUN)
    assert main(["run", str(run_file), "--no-progress", "--plot", str(tmp_path / "G.png")]) == 0
    _, rows = read_table(tmp_path / "cuhe.h5")
    T, G, err, ga = (np.array([r[k] for r in rows]) for k in ("T", "G", "G_err", "G_analytic"))
    ax, ax_res = figures[0].axes
    x, y = ax.containers[0].lines[0].get_data()
    np.testing.assert_allclose(x, T)
    np.testing.assert_allclose(y, G / T**3)
    x, y = ax_res.containers[0].lines[0].get_data()
    np.testing.assert_allclose(y, 100 * (G - ga) / ga, rtol=1e-9)
    top = np.array(ax_res.containers[0].lines[2][0].get_segments())[:, 1, 1]
    np.testing.assert_allclose(top - y, 100 * err / ga, rtol=1e-9)


def test_run_plot_name_must_end_in_png(tmp_path, capsys):
    run_file = tmp_path / "cuhe.toml"
    run_file.write_text(MC_RUN)
    assert main(["run", str(run_file), "--no-progress", "--plot", str(tmp_path / "G.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"phononmc: error: --plot {tmp_path / 'G.txt'}") and err.count("\n") == 1
    assert not (tmp_path / "G.txt").exists()
    assert not list(tmp_path.rglob("*.h5"))  # refused before the run, not after it
    missing = tmp_path / "nowhere" / "G.png"
    assert main(["run", str(run_file), "--no-progress", "--plot", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err and not list(tmp_path.rglob("*.h5"))


def test_analytic_h5_name_must_be_hdf5(tmp_path, capsys):
    assert main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(tmp_path / "x.txt")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and ".h5" in captured.err and captured.err.count("\n") == 1
    assert not (tmp_path / "x.txt").exists()


def test_analytic_outputs_in_a_missing_folder_are_refused_before_computing(tmp_path, capsys):
    for option in ("--plot", "--h5"):
        target = tmp_path / "nowhere" / ("G.png" if option == "--plot" else "G.h5")
        assert main(["analytic", "Si", "Ge", "--T", "10", option, str(target)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "does not exist" in captured.err and captured.err.count("\n") == 1


def test_show_reads_analytic_h5(tmp_path, capsys):
    path = tmp_path / "sige.h5"
    assert main(["analytic", "Si", "Ge", "--T", "10", "300", "--side", "2", "--h5", str(path)]) == 0
    printed = capsys.readouterr().out
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "phonons from side 2 (Ge)" in shown and "--side 2" in shown.splitlines()[0]
    rows = [line.split() for line in shown.splitlines() if line.strip() and not line.startswith("#")][2:]
    G = landauer.conductance(phononmc.material("Si"), phononmc.material("Ge"), 300.0, model="dmm", side=2)
    assert float(rows[1][3]) == pytest.approx(G / 1e6, rel=1e-4)  # T, amm G, amm R_K, dmm G
    assert printed.endswith(f"# wrote {path}\n")
    assert shown.split("\n", 1)[1] == printed.rsplit("# wrote", 1)[0]  # the same table the computation printed


def _truncated_copy(tmp_path):
    path = tmp_path / "sige.h5"
    assert main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(path)]) == 0
    path.write_bytes(path.read_bytes()[:3000])
    return path


def test_show_damaged_file_is_one_line(tmp_path, capsys):
    path = _truncated_copy(tmp_path)
    capsys.readouterr()
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"phononmc: error: {path} is damaged or incomplete") and err.count("\n") == 1


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_show_into_closed_pipe_is_quiet(tmp_path, unbuffered):
    """`phononmc show x.h5 | head` : the reader leaves early; no BrokenPipeError traceback,
    whether stdout is block-buffered (the error comes at the final flush) or not."""
    path = tmp_path / "sige.h5"
    assert main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(path)]) == 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    proc = subprocess.Popen([sys.executable, "-m", "phononmc", "show", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # the reader is gone before the command prints anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_series_fits_a_csv_and_subtracts_a_reference(tmp_path, capsys):
    """`phononmc series` prints R_0 of the example (the fit's own numbers), R_K against a
    reference series, and writes the figure; a missing file is a one-line error."""
    from phononmc import fit

    example = Path(__file__).resolve().parents[1] / "runs" / "thickness_series_example.csv"
    expected = fit.thickness_series(*fit.read_series_csv(example))
    ref = tmp_path / "ref.csv"
    ref.write_text("thickness_nm,resistance_m2K_per_GW,resistance_err_m2K_per_GW\n20,10,0.5\n100,70,1\n300,220,3\n")
    png = tmp_path / "s.png"
    assert main(["series", str(example), "--reference", str(ref), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert f"R_0 = {expected.intercept * 1e9:.4g} ± {expected.intercept_err * 1e9:.2g} m^2 K GW^-1" in out
    reference = fit.thickness_series(*fit.read_series_csv(ref))
    r_k, err = fit.subtract_reference(expected, reference)
    assert f"R_K = R_0 - R_0,ref = {r_k * 1e9:.4g} ± {err * 1e9:.2g}" in out and png.stat().st_size > 10000
    assert main(["series", str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


LAYERS_RUN = """
seed = 2
output = "stack.h5"
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "dmm"
[temperatures]
values = [100.0]
[layers]
stack = [{ material = "GaAs", thickness = [1e-9, 4e-9] }]
n_omega = 6
n_angle = 8
[monte_carlo]
packets_per_batch = 5000
batches = 4
"""


def test_layers_run_show_and_plot_data_equal_the_results_file(tmp_path, capsys, monkeypatch):
    """A [layers] run prints its table, `show` reprints it from the file, and the figure's G
    panel plots the file's Monte Carlo G, coherent G and the spectra."""
    from phononmc.mc import multilayer

    figures = _capture_figure(monkeypatch)
    run_file = tmp_path / "stack.toml"
    run_file.write_text(LAYERS_RUN)
    assert main(["run", str(run_file), "--no-progress", "--plot", str(tmp_path / "stack.png")]) == 0
    printed = capsys.readouterr().out
    assert main(["show", str(tmp_path / "stack.h5")]) == 0
    shown = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if line.startswith("dmm")]
    assert len(rows) == 2 and all(row in shown for row in rows)
    _, records = multilayer.read_points(tmp_path / "stack.h5")
    ax_a, ax_g = figures[0].axes
    x, y = ax_g.containers[0].lines[0].get_data()
    np.testing.assert_allclose(x, [1.0, 4.0])
    np.testing.assert_allclose(y, [r["G"] / 1e6 for r in records])
    coherent = [ln for ln in ax_g.get_lines() if ln.get_label().endswith("coherent (waves, any model)")]
    np.testing.assert_allclose(coherent[0].get_ydata(), [r["G_coherent"] / 1e6 for r in records])
    first = ax_a.get_lines()[0]
    np.testing.assert_allclose(first.get_ydata(), records[0]["alpha_coherent"])


SLAB_RUN = """
seed = 4
output = "slab.h5"
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "dmm"
[temperatures]
values = [300.0]
[slab]
thickness = [4e-8, 4e-8]
cells = [8, 8]
scattering_1 = { mfp = 1e-8 }
scattering_2 = { mfp = 1e-8 }
exclude = 1.0
[monte_carlo]
packets_per_batch = 2000
batches = 4
"""

ROUGH_RUN = """
seed = 4
output = "rough.h5"
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "amm"
[temperatures]
values = [300.0]
[[surfaces]]
kind = "sinusoid"
amplitude = 2e-9
period = 20e-9
[monte_carlo]
packets_per_batch = 2000
batches = 4
"""


@pytest.mark.parametrize("kind", ["analytic", "montecarlo", "slab", "rough", "layers"])
def test_plot_draws_the_data_of_every_kind_of_results_file(kind, tmp_path, capsys, monkeypatch):
    """`phononmc plot FILE.h5` draws any results file from the file alone, and what it draws is the
    file's data: G(T) curves or Monte Carlo points, temperature profiles, G against roughness,
    the stack's G."""
    from phononmc.mc import multilayer, rough, slab
    from phononmc.mc.run import read_table

    h5 = tmp_path / f"{kind}.h5" if kind == "analytic" else tmp_path / {"montecarlo": "cuhe.h5", "slab": "slab.h5",
                                                                       "rough": "rough.h5", "layers": "stack.h5"}[kind]
    if kind == "analytic":
        assert main(["analytic", "Si", "Ge", "--T-range", "5", "300", "7", "--h5", str(h5)]) == 0
    else:
        run_file = tmp_path / "run.toml"
        run_file.write_text({"montecarlo": MC_RUN, "slab": SLAB_RUN, "rough": ROUGH_RUN, "layers": LAYERS_RUN}[kind])
        assert main(["run", str(run_file), "--no-progress"]) == 0
    capsys.readouterr()
    figures = _capture_figure(monkeypatch)
    for extra in ([], ["--column"]):  # the page-wide and the one-column figure draw the same data
        assert main(["plot", str(h5), "-o", str(tmp_path / "f.png"), *extra]) == 0
    assert figures[0].get_size_inches()[0] > 6 and figures[1].get_size_inches()[0] == pytest.approx(3.4)
    for fig in figures:
        ax = fig.axes[0]
        if kind == "analytic":
            res = io.read(h5, kind="analytic")
            line = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"][0]
            np.testing.assert_allclose(line.get_ydata(), res.groups["amm"]["G"] / 1e6)
        elif kind == "montecarlo":
            _, rows = read_table(h5)
            np.testing.assert_allclose(ax.containers[0].lines[0].get_data()[1], [r["G"] / r["T"] ** 3 for r in rows])
        elif kind == "slab":
            _, records = slab.read_points(h5)
            np.testing.assert_allclose(ax.containers[0].lines[0].get_data()[1], records[0]["theta_energy"])
        elif kind == "rough":
            _, records = rough.read_points(h5)
            drawn = np.asarray(ax.containers[0].lines[0].get_data()[1], dtype=float)
            np.testing.assert_allclose(drawn, [records[0]["G"] / 1e6])
        else:
            _, records = multilayer.read_points(h5)
            np.testing.assert_allclose(fig.axes[1].containers[0].lines[0].get_data()[1],
                                       [r["G"] / 1e6 for r in records])


def test_plot_writes_a_png_next_to_the_results_file(tmp_path, capsys):
    h5 = tmp_path / "an.h5"
    assert main(["analytic", "Si", "Ge", "--T", "10", "300", "--h5", str(h5)]) == 0
    assert main(["plot", str(h5)]) == 0
    png = tmp_path / "an.png"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", str(h5), "-o", str(tmp_path / "f.pdf")]) == 2
    assert "-o " in capsys.readouterr().err
