"""Run driver: results file round trip, checkpoints and resume, early stop, CLI, threads."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from phononmc import cli, config, io, landauer
from phononmc.materials import material
from phononmc.mc import run as mc_run

RUN = textwrap.dedent("""
    name = "tiny"
    seed = 4242
    output = "out/tiny.h5"
    [interface]
    material_1 = "Si"
    material_2 = "Ge"
    [[models]]
    kind = "amm"
    [[models]]
    kind = "soffer"
    roughness = 0.3e-9
    [temperatures]
    values = [20.0, 200.0]
    [monte_carlo]
    packets_per_batch = 20000
    batches = 6
    checkpoint_every = 2
    [tallies]
    spectral_bins = 8
    angle_bins = 6
""")


@pytest.fixture
def run_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(RUN)
    return path


def _tallies(points):
    return [[t.state() for t in p.tallies] for p in points]


def _assert_same(a, b):
    for pa, pb in zip(a, b):
        for sa, sb in zip(pa, pb):
            assert sa.keys() == sb.keys()
            for key in sa:
                np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)


def test_results_file_round_trip(run_file):
    result = mc_run.simulate(run_file, progress=False)
    res = io.read(result.path, kind="montecarlo")
    assert res.attrs["status"] == "complete" and res.attrs["run_file"] == RUN and res.attrs["seed"] == 4242
    assert len(res.groups) == 4
    attrs, rows = mc_run.read_table(result.path)
    for p, row in zip(result.points, rows):
        assert row["model"] == p.model and row["T"] == p.T and row["batches"] == 6
        assert row["G"] == p.G and row["G_err"] == p.G_err and row["G_analytic"] == p.G_analytic
    g = res.groups["point_000"]
    assert g.units("G") == "W m^-2 K^-1" and g.units("spectral_edges") == "rad s^-1"
    assert all(units for _, units in g.datasets.values())
    # two sides, two-sided deviational split, energy bookkeeping in the file
    for side in (1, 2):
        outcome = g[f"side{side}_outcome_sum"]
        assert outcome.sum() == 6 * 20000 and outcome[:, 3:].sum() == g[f"side{side}_transmitted_sum"]
        assert g.units(f"side{side}_unit") == "W m^-2 K^-1" and g[f"side{side}_batches"] == 6


def test_same_seed_same_numbers_and_resume_is_bit_identical(run_file, monkeypatch):
    full = mc_run.simulate(run_file, progress=False)
    again = mc_run.simulate(run_file, progress=False)
    _assert_same(_tallies(full.points), _tallies(again.points))

    calls = {"n": 0}
    real = mc_run.run_batches

    def dying(*args, **kwargs):  # the run is killed during its fourth chunk
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(mc_run, "run_batches", dying)
    with pytest.raises(KeyboardInterrupt):
        mc_run.simulate(run_file, progress=False)
    saved = io.read(full.path, kind="montecarlo")
    assert saved.attrs["status"] == "running"
    monkeypatch.setattr(mc_run, "run_batches", real)
    resumed = mc_run.simulate(run_file, resume=True, progress=False)
    _assert_same(_tallies(full.points), _tallies(resumed.points))


def test_resume_refuses_another_job(run_file):
    mc_run.simulate(run_file, progress=False)
    run_file.write_text(RUN.replace("seed = 4242", "seed = 4243"))
    with pytest.raises(ValueError, match=r"different run file \(seed differ; only monte_carlo.batches, "
                                         r"monte_carlo.rel_err_target"):
        mc_run.simulate(run_file, resume=True, progress=False)


def test_resume_with_more_batches_equals_one_longer_run(run_file, tmp_path):
    """Extending a finished run continues its batch streams: the same tallies as running
    the longer job in one go."""
    mc_run.simulate(run_file, progress=False)
    run_file.write_text(RUN.replace("batches = 6", "batches = 10"))
    extended = mc_run.simulate(run_file, resume=True, progress=False)
    assert all(p.batches == 10 for p in extended.points)
    straight_file = tmp_path / "straight" / "tiny.toml"
    straight_file.parent.mkdir()
    straight_file.write_text(RUN.replace("batches = 6", "batches = 10"))
    straight = mc_run.simulate(straight_file, progress=False)
    _assert_same(_tallies(extended.points), _tallies(straight.points))


def test_relative_error_target_stops_early(run_file):
    cfg = config.load(run_file).replace(**{"monte_carlo.batches": 200, "monte_carlo.rel_err_target": 5e-3,
                                            "monte_carlo.checkpoint_every": 4})
    result = mc_run.simulate(cfg, progress=False, write=False)
    for p in result.points:
        assert p.G_err <= 5e-3 * p.G
        assert 4 <= p.batches < 200


@pytest.mark.parametrize("side, media", [(1, ("Si",)), (2, ("Ge",)), ("both", ("Si", "Ge"))])
def test_side_picks_the_emitting_medium(run_file, side, media):
    """Public sides 1 and 2 reach the kernels as media 1 (Si) and 2 (Ge): each tally emits
    the flux of its own medium, and the results name the sides 1 and 2."""
    changes = {"monte_carlo.side": side, "monte_carlo.packets_per_batch": 1000, "monte_carlo.batches": 2,
               "temperatures.values": [20.0]}
    cfg = config.load(run_file).replace(**changes, models=[{"kind": "dmm"}])
    (point,) = mc_run.simulate(cfg, progress=False, write=False).points
    assert point.sides == cfg.monte_carlo.sides == ((1, 2) if side == "both" else (side,))
    emitted = [float(landauer.emission_conductance(material(name), 20.0)) for name in media]
    assert [t.unit * 1000 for t in point.tallies] == pytest.approx(emitted, rel=1e-3)


def test_cli_run_and_show(run_file, capsys):
    assert cli.main(["run", str(run_file), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "amm" in out and "soffer(eta=0.3 nm)" in out and "z" in out
    assert cli.main(["show", str(run_file.parent / "out" / "tiny.h5")]) == 0
    shown = capsys.readouterr().out
    assert "status complete" in shown and shown.count("soffer(eta=0.3 nm)") == 2
    assert cli.main(["run", str(run_file.parent / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_threads_do_not_change_results(run_file):
    """NUMBA_NUM_THREADS=1 and =2 in fresh processes write identical tallies."""
    sums = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        subprocess.run([sys.executable, "-m", "phononmc", "run", str(run_file), "--no-progress"],
                       check=True, env=env, capture_output=True)
        res = io.read(run_file.parent / "out" / "tiny.h5", kind="montecarlo")
        assert res.attrs["threads"] == int(threads)
        sums.append({f"{g}/{d}": res.groups[g][d] for g in res.groups for d in res.groups[g].datasets})
    assert sums[0].keys() == sums[1].keys()
    for key in sums[0]:
        np.testing.assert_array_equal(sums[0][key], sums[1][key], err_msg=key)


def test_resolved_tallies_add_up(run_file, tmp_path):
    """Spectral G integrates back to G; angular fractions of each bin sum to one; the
    analysis script draws τ(θ) from the file."""
    import runpy
    from pathlib import Path

    result = mc_run.simulate(run_file, progress=False)
    for p in result.points:
        omega, dg = p.spectral_conductance()
        assert np.all(np.diff(omega) > 0)
        assert (dg * np.diff(p.spectral_edges)).sum() == pytest.approx(p.G, rel=1e-12)
        for side in p.sides:
            _, frac = p.angular_fractions(side)
            sums = np.nansum(frac, axis=1)
            np.testing.assert_allclose(sums[~np.isnan(frac).all(axis=1)], 1.0)
    script = Path(__file__).resolve().parents[2] / "analysis" / "angular_transmission.py"
    png = tmp_path / "tau.png"
    runpy.run_path(str(script))["main"]([str(result.path), "--point", "1", "--side", "2", "-o", str(png)])
    assert png.stat().st_size > 10_000
