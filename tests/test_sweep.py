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


STACK = textwrap.dedent("""
    name = "stack"
    seed = 5
    [sweep]
    kind = "analytic"
    pairs = [["Si", "Si"], ["Si", "Ge"]]
    models = ["amm", "dmm"]
    stack = [{ material = "Ge", thickness = [1e-9, 10e-9] }]
    temperatures = [50.0, 300.0]
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
    models = [parse_model("amm"), parse_model("dmm"), parse_model("soffer", roughness=0.2e-9),
              parse_model("soffer", roughness=1e-9)]
    for p in sw.points:
        m1, m2 = material(p.material_1["name"]), sweep.Material(**p.material_2)
        model = models[(p.index // 3) % 4]
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


@pytest.mark.parametrize("base, edit, pieces", [
    (ANALYTIC, ("kind = \"analytic\"", "kind = \"fast\""), ["sweep.kind = \"fast\" is invalid", "analytic, montecarlo"]),
    (ANALYTIC, ("pairs = [[\"Si\", \"Ge\"], ", "pairs = [[\"Si\"], "), ["sweep.pairs[0]", "[material_1, material_2]"]),
    (ANALYTIC, ("[\"Si\", \"Ge\"]", "[\"Si\", \"Unobtainium\"]"), ["sweep.pairs[0][1] = \"Unobtainium\" is invalid"]),
    (ANALYTIC, ("\"dmm\", ", "\"dmn\", "), ["sweep.models[1]", "dmn"]),
    (ANALYTIC, ("roughness = [0.2e-9, 1e-9]\n", ""), ["sweep.models[2] = \"soffer\" is invalid", "roughness"]),
    (ANALYTIC, ("temperatures = [10.0, 100.0, 300.0]", "temperatures = [10.0, -1.0]"), ["sweep.temperatures[1] = -1.0"]),
    (ANALYTIC, ("kind = \"analytic\"", "kind = \"analytic\"\ncolour = 1"), ["unknown key 'colour' in [sweep]"]),
    (STACK, ('models = ["amm", "dmm"]', 'models = ["amm", { kind = "dmm", inelastic = { A = 0.1 } }]'),
     ["sweep.models[1]", "inelastic", "single interface"]),
    (STACK, ('"dmm"]', '"mixed(p=0.5)"]'), ["sweep.models[1]", "amm and dmm only", "montecarlo"]),
    (STACK, ("thickness = [1e-9, 10e-9] }", "thickness = [1e-9, 10e-9], scattering = \"database\" }"),
     ["sweep.stack[0].scattering", "ballistic"]),
    (STACK, ("stack = [{", 'stack = [{ material = "Ge", thickness = [2e-9, 3e-9] }, {'),
     ["sweep.stack[1].thickness", "only one layer"]),
    (STACK, ('material = "Ge"', 'material = "He4"'), ["sweep.stack[0].material", "liquids"]),
    (STACK, ('material = "Ge"', 'material = "Gee"'), ["sweep.stack[0].material"]),
    (STACK, ('models = ["amm", "dmm"]', 'models = [{ kind = "amm", colour = 1 }]'), ["unknown key 'colour' in sweep.models[0]"]),
    (STACK, ("thickness = [1e-9, 10e-9]", "thickness = [1e-9, -1.0]"), ["sweep.stack[0].thickness[1] = -1.0"]),
])
def test_bad_sweep_files_are_one_line_errors(tmp_path, base, edit, pieces):
    with pytest.raises(ValueError) as err:
        sweep.load(write(tmp_path, base.replace(*edit)))
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


def test_analytic_stack_points_are_the_incoherent_and_coherent_stack(tmp_path):
    """The grid is pairs × models × layer thicknesses × T; G is the model's incoherent G of
    material_1 | Ge(h) | material_2, G_coherent the wave G at that h. A Ge layer on Ge is no
    interface for the AMM: its G equals the bare interface's and the coherent G."""
    from phononmc.transmission import incoherent, multilayer

    sw = sweep.load(write(tmp_path, STACK))
    assert [(p.model, p.layer_thickness, p.T) for p in sw.points[:4]] == [
        ("amm", 1e-9, 50.0), ("amm", 1e-9, 300.0), ("amm", 10e-9, 50.0), ("amm", 10e-9, 300.0)]
    done = sweep.run(sw, workers=2, progress=False)
    si, ge = material("Si"), material("Ge")
    for p in sw.points:
        d = {k: float(v[0]) for k, v in done[p.index]["datasets"].items()}
        m2 = material(p.material_2["name"])
        layer = [multilayer.Layer(ge, p.layer_thickness)]
        assert done[p.index]["attrs"]["layers"] == ["Ge"]
        assert d["G"] == float(incoherent.incoherent_conductance(si, m2, layer, p.T, p.model))
        assert d["G_coherent"] == float(multilayer.conductance(si, m2, layer, p.T))
        assert d["G_interface"] == float(landauer.conductance(si, m2, p.T, parse_model(p.model)))
        if p.material_2["name"] == "Ge" and p.model == "amm":
            np.testing.assert_allclose([d["G"], d["G_coherent"]], d["G_interface"], rtol=1e-6)
    g = {i: float(done[i]["datasets"]["G_coherent"][0]) for i in (1, 3)}  # Si | Ge(1, 10 nm) | Si at 300 K
    assert abs(g[1] / g[3] - 1.0) > 1e-3  # the wave G sees the thickness …
    assert done[1]["datasets"]["G"][0] == done[3]["datasets"]["G"][0]  # … the ballistic particle G does not


MC_STACK = textwrap.dedent("""
    name = "mc_stack"
    seed = 17
    [sweep]
    kind = "montecarlo"
    pairs = [["Si", "Si"]]
    models = ["amm"]
    stack = [{ material = "Ge", thickness = [5e-9, 50e-9], scattering = "database" }]
    temperatures = [300.0]
    [monte_carlo]
    packets_per_batch = 20000
    batches = 10
""")


def test_monte_carlo_stack_points_are_layers_runs(tmp_path):
    """A Monte Carlo point with a stack is the one-point [layers] run with the point's seed, bit
    for bit; through a ballistic layer it agrees with the analytic incoherent G (within 4σ at
    σ/G ≈ 2e-3), and bulk scattering in a ten times thicker Ge layer lowers G by many σ."""
    from phononmc import config
    from phononmc.mc.run import simulate

    sw = sweep.load(write(tmp_path, MC_STACK))
    got = [sweep.run_point(sw.kind, p, sw.seed, sw.monte_carlo) for p in sw.points]
    run = simulate(config.parse(textwrap.dedent(f"""
        seed = {sweep.point_seed(sw.seed, 0)}
        [interface]
        material_1 = "Si"
        material_2 = "Si"
        [[models]]
        kind = "amm"
        [temperatures]
        values = [300.0]
        [layers]
        stack = [{{ material = "Ge", thickness = 5e-9, scattering = "database" }}]
        {sw.monte_carlo}""")), progress=False, write=False)
    assert (got[0]["G"], got[0]["G_err"]) == run.points[0].measured()
    thin, thick = got
    assert thin["G"] - thick["G"] > 10 * np.hypot(thin["G_err"], thick["G_err"])
    assert np.isnan(thin["G_analytic"])  # no closed form with bulk scattering
    ballistic = sweep.load(write(tmp_path, MC_STACK.replace(', scattering = "database"', "")
                                 .replace("300.0", "50.0"), "b.toml"))
    for p in ballistic.points:
        r = sweep.run_point(ballistic.kind, p, ballistic.seed, ballistic.monte_carlo)
        assert r["G_err"] / r["G"] < 3e-3
        assert abs(r["G"] - r["G_analytic"]) < 4 * r["G_err"], (r["G"], r["G_err"], r["G_analytic"])


def test_a_model_table_in_a_sweep_carries_the_inelastic_channel(tmp_path):
    from phononmc.models import Model

    text = ANALYTIC.replace('models = ["amm", "dmm", "soffer"]',
                            'models = ["dmm", { kind = "dmm", inelastic = { A = 0.02, q = 1.0, m = 1.0 } }]')
    sw = sweep.load(write(tmp_path, text))
    done = sweep.run(sw, workers=1, progress=False)
    channel = Model("dmm", inelastic={"A": 0.02, "q": 1.0, "m": 1.0})
    for p in sw.points:
        m1, m2 = material(p.material_1["name"]), sweep.Material(**p.material_2)
        inelastic = p.index % 6 >= 3
        assert p.model == ("dmm+" if inelastic else "dmm") + (channel.inelastic.label if inelastic else "")
        want = landauer.conductance(m1, m2, p.T, channel if inelastic else parse_model("dmm"))
        assert float(done[p.index]["datasets"]["G"][0]) == float(want)
    assert done[5]["datasets"]["G"][0] > 1.05 * done[2]["datasets"]["G"][0]  # the channel adds heat at 300 K


def test_plot_draws_a_thickness_sweep_per_temperature(tmp_path, monkeypatch):
    from phononmc import plot

    sw = sweep.load(write(tmp_path, STACK))
    done = sweep.run(sw, workers=1, progress=False)
    figures = []
    monkeypatch.setattr(plot, "save", lambda fig, path: figures.append(fig))
    assert main(["plot", str(sw.output), "-o", str(tmp_path / "s.png")]) == 0
    axes = [ax for ax in figures[0].axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["T = 50 K", "T = 300 K"]
    hot = {c.get_label(): c.lines[0].get_data() for c in axes[1].containers}  # errorbar: the label is the container's
    hot.update({line.get_label(): line.get_data() for line in axes[1].get_lines() if not line.get_label().startswith("_")})
    x, y = hot["Si | Si, dmm"]
    np.testing.assert_allclose(np.asarray(x, dtype=float), [1.0, 10.0])
    np.testing.assert_allclose(np.asarray(y, dtype=float), [done[i]["datasets"]["G"][0] / 1e6 for i in (5, 7)])
    x, y = hot["Si | Si, coherent (waves)"]
    np.testing.assert_allclose(np.asarray(y, dtype=float), [done[i]["datasets"]["G_coherent"][0] / 1e6 for i in (1, 3)])
