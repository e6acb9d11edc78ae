"""Parameter sweeps (phononmc.sweep): the grid, analytic points, resume after an interruption,
the same results on a Dask cluster as locally, and one-line errors for bad sweep files."""

import textwrap

import numpy as np
import pytest

from phononmc import io, landauer, sweep
from phononmc.cli import main
from phononmc.materials import material
from phononmc.models import parse_model

ANALYTIC = textwrap.dedent("""
    name = "grid"
    seed = 3
    [sweep]
    kind = "analytic"
    pairs = [["Si", "Ge"], ["Al", { name = "soft", density = 4000.0, v_long = 4500.0, v_trans = 2500.0, atom_density = 5e28 }]]
    models = ["amm", "dmm", "soffer"]
    roughness = [0.2e-9, 1e-9]
    temperatures = [10.0, 100.0, 300.0]
""")
MONTE_CARLO = textwrap.dedent("""
    name = "mc"
    seed = 11
    [sweep]
    kind = "montecarlo"
    pairs = [["Si", "Ge"]]
    models = ["amm", "mixed(p=0.5)"]
    temperatures = [30.0, 300.0]
    [monte_carlo]
    packets_per_batch = 2000
    batches = 3
""")


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def contents(path):
    """Every group's attributes and datasets, for comparing two files."""
    res = io.read(path, kind=sweep.KIND)
    return {name: (g.attrs, {k: np.asarray(v[0]).tolist() for k, v in g.datasets.items()})
            for name, g in res.groups.items()}, res.attrs["status"]


def test_grid_order_and_analytic_points_are_landauer(tmp_path):
    sw = sweep.load(write(tmp_path, ANALYTIC))
    assert len(sw.points) == 2 * 4 * 3  # pairs × (amm, dmm, soffer × 2 roughnesses) × T
    assert [p.model for p in sw.points[:12:3]] == ["amm", "dmm", "soffer(eta=0.2 nm)", "soffer(eta=1 nm)"]
    done = sweep.run(sw, workers=2, progress=False)
    for p in sw.points:
        m1, m2 = material(p.material_1["name"]), sweep.Material(**p.material_2)
        model = parse_model(p.spec[0], roughness=p.spec[2]) if p.spec[2] else parse_model(p.spec[0])
        assert float(done[p.index]["datasets"]["G"][0]) == float(landauer.conductance(m1, m2, p.T, model))


def test_interrupted_and_resumed_equals_uninterrupted(tmp_path):
    """An interruption after 5 of 24 points keeps those 5 in the file; resuming runs only the rest,
    and the file then holds exactly what one uninterrupted sweep writes."""
    whole = sweep.load(write(tmp_path, ANALYTIC))
    sweep.run(whole, workers=2, progress=False)
    parts = sweep.load(write(tmp_path, ANALYTIC.replace('name = "grid"', 'name = "parts"'), "p.toml"))
    with pytest.raises(KeyboardInterrupt):
        sweep.run(parts, workers=1, progress=False, stop_after=5)
    groups, status = contents(parts.output)
    assert len(groups) == 5 and status == "running"
    sweep.run(parts, resume=True, workers=2, progress=False)
    assert contents(parts.output) == contents(whole.output)


def test_monte_carlo_on_a_dask_cluster_equals_the_local_run(tmp_path):
    """Seeds derive from (seed, point index), never from the worker: a distributed.LocalCluster of
    two worker processes gives the local run's numbers bit for bit."""
    distributed = pytest.importorskip("distributed")  # a dependency of the test extra
    local = sweep.load(write(tmp_path, MONTE_CARLO))
    sweep.run(local, workers=2, progress=False)
    remote = sweep.load(write(tmp_path, MONTE_CARLO.replace('name = "mc"', 'name = "mc_dask"'), "d.toml"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        sweep.run(remote, scheduler=client, progress=False)
    assert contents(remote.output) == contents(local.output)
    groups, _ = contents(local.output)
    z = [(d["G"] - d["G_analytic"]) / d["G_err"] for _, d in groups.values()]
    assert max(abs(v) for v in z) < 4


@pytest.mark.parametrize("edit, pieces", [
    (("kind = \"analytic\"", "kind = \"fast\""), ["sweep.kind = \"fast\" is invalid", "analytic, montecarlo"]),
    (("pairs = [[\"Si\", \"Ge\"], ", "pairs = [[\"Si\"], "), ["sweep.pairs[0]", "[material_1, material_2]"]),
    (("[\"Si\", \"Ge\"]", "[\"Si\", \"Unobtainium\"]"), ["sweep.pairs[0][1] = \"Unobtainium\" is invalid"]),
    (("\"dmm\", ", "\"dmn\", "), ["sweep.models[1]", "dmn"]),
    (("roughness = [0.2e-9, 1e-9]\n", ""), ["sweep.models[2] = \"soffer\" is invalid", "roughness"]),
    (("temperatures = [10.0, 100.0, 300.0]", "temperatures = [10.0, -1.0]"), ["sweep.temperatures[1] = -1.0"]),
    (("kind = \"analytic\"", "kind = \"analytic\"\ncolour = 1"), ["unknown key 'colour' in [sweep]"]),
])
def test_bad_sweep_files_are_one_line_errors(tmp_path, edit, pieces):
    with pytest.raises(ValueError) as err:
        sweep.load(write(tmp_path, ANALYTIC.replace(*edit)))
    message = str(err.value)
    assert "\n" not in message and message.startswith("sweep file")
    for piece in pieces:
        assert piece in message, message


def test_cli_sweep_show_and_resume(tmp_path, capsys):
    path = write(tmp_path, ANALYTIC)
    assert main(["sweep", str(path), "--no-progress", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "24 of 24 points done" in printed and "soffer(eta=1 nm)" in printed
    assert main(["sweep", str(path), "--no-progress"]) == 2  # the file exists: --resume or --overwrite
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", str(path), "--no-progress", "--resume"]) == 0
    assert main(["show", str(tmp_path / "out" / "grid.h5")]) == 0
    assert printed.splitlines()[3] in capsys.readouterr().out


def test_plot_draws_the_sweep(tmp_path, capsys, monkeypatch):
    from phononmc import plot

    sw = sweep.load(write(tmp_path, ANALYTIC))
    done = sweep.run(sw, workers=1, progress=False)
    figures = []
    monkeypatch.setattr(plot, "save", lambda fig, path: figures.append(fig))
    assert main(["plot", str(sw.output), "-o", str(tmp_path / "s.png")]) == 0
    first = figures[0].axes[0].containers[0].lines[0]
    want = [float(done[i]["datasets"]["G"][0]) / 1e6 for i in range(3)]  # Si | Ge, amm, three temperatures
    np.testing.assert_allclose(np.asarray(first.get_data()[1], dtype=float), want)
    np.testing.assert_allclose(np.asarray(first.get_data()[0], dtype=float), [10.0, 100.0, 300.0])
