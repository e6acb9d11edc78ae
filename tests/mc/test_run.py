"""Run driver: results file round trip, checkpoints and resume, early stop, CLI, threads."""

import os
import subprocess
import sys
import textwrap
from datetime import datetime

import h5py
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
    with pytest.raises(ValueError, match=r"different run file \(changed: seed; only monte_carlo.batches, "
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


# --------------------------------------------------------------------------- exact results, resume bookkeeping

SMALL = RUN.replace("packets_per_batch = 20000", "packets_per_batch = 2000")


@pytest.fixture
def small_run(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def _killed_during_chunk(monkeypatch, run_file, n):
    """Run `run_file` and kill it (KeyboardInterrupt) at its n-th call of the kernel."""
    calls = {"n": 0}
    real = mc_run.run_batches

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(mc_run, "run_batches", dying)
    with pytest.raises(KeyboardInterrupt):
        mc_run.simulate(run_file, progress=False)
    monkeypatch.setattr(mc_run, "run_batches", real)


def test_z_score_without_statistical_error():
    assert mc_run.z_score(3.0, 0.5, 2.0) == pytest.approx(2.0)
    assert mc_run.z_score(1.0, 0.0, 1.0 + 1e-14) == 0.0  # round-off: exact agreement
    assert mc_run.z_score(1.0, 0.0, 0.9) == np.inf and mc_run.z_score(0.9, 0.0, 1.0) == -np.inf


def test_identical_media_amm_is_exact(tmp_path, capsys):
    """Ge | Ge in the AMM transmits every packet: σ = 0 and z is 0 ("exact" in tables), not a crash."""
    path = tmp_path / "gege.toml"
    path.write_text(SMALL.replace('material_1 = "Si"', 'material_1 = "Ge"').replace(
        'values = [20.0, 200.0]', 'values = [20.0]').replace("batches = 6", "batches = 2"))
    assert cli.main(["run", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    result = io.read(tmp_path / "out" / "tiny.h5", kind="montecarlo")
    amm = result.groups["point_000"]
    assert amm.attrs["model"] == "amm" and float(amm["G_err"]) == 0.0 and amm.attrs["z"] == 0.0
    assert float(amm["G"]) == pytest.approx(float(amm["G_analytic"]), rel=1e-12)
    assert amm["side1_transmitted_sum"] == amm["side1_outcome_sum"].sum()  # every emitted packet crossed
    amm_rows = [line for line in out.splitlines() if line.startswith("amm ")]
    assert len(amm_rows) == 1 and " exact " in amm_rows[0]
    assert cli.main(["show", str(tmp_path / "out" / "tiny.h5")]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("amm ")] == amm_rows


def test_interrupted_run_is_kept_until_resumed_or_overwritten(small_run, monkeypatch):
    _killed_during_chunk(monkeypatch, small_run, 9)  # point 0 done (3 chunks x 2 sides), point 1 begun
    output = small_run.parent / "out" / "tiny.h5"
    assert mc_run.read_table(output)[0]["status"] == "interrupted"  # no run holds it any more
    saved = output.read_bytes()
    with pytest.raises(ValueError, match=r"holds an interrupted run \(1 of 4 points complete\); continue it "
                                         r"with --resume, or start over with --overwrite"):
        mc_run.simulate(small_run, progress=False)
    assert output.read_bytes() == saved
    with h5py.File(output, "r+") as f:  # as if the interrupted run had started long ago
        f.attrs["created"] = "2000-01-01T00:00:00+00:00"
    resumed = mc_run.simulate(small_run, resume=True, progress=False)
    attrs = io.read(output).attrs
    assert attrs["status"] == "complete"
    assert attrs["created"] == "2000-01-01T00:00:00+00:00"
    assert datetime.fromisoformat(attrs["resumed"]) > datetime.fromisoformat(attrs["created"])
    assert resumed.new_batches == 4 + 6 + 6  # point 1 had saved one chunk of 2 batches
    fresh = mc_run.simulate(small_run, overwrite=True, progress=False)
    assert "resumed" not in io.read(output).attrs
    _assert_same(_tallies(fresh.points), _tallies(resumed.points))


def test_running_is_told_from_interrupted_by_the_lock(small_run, tmp_path):
    output = small_run.parent / "out" / "tiny.h5"
    mc_run.simulate(small_run, progress=False)
    with h5py.File(output, "r+") as f:
        f.attrs["status"] = "running"
    with io.locked(output):  # a live run holds the file
        assert mc_run.read_table(output)[0]["status"] == "running"
        with pytest.raises(ValueError, match=rf"being written by another phononmc run \(pid {os.getpid()}\)"):
            mc_run.simulate(small_run, resume=True, progress=False)
    assert mc_run.read_table(output)[0]["status"] == "interrupted"
    # a run killed outright (SIGKILL) leaves its lock file behind, but not the lock
    code = f"import os, signal; from phononmc import io\nwith io.locked({str(output)!r}): os.kill(os.getpid(), 9)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == -9
    assert (output.parent / ".tiny.h5.lock").exists() and io.lock_holder(output) is None
    assert mc_run.read_table(output)[0]["status"] == "interrupted"
    mc_run.simulate(small_run, resume=True, progress=False)
    assert mc_run.read_table(output)[0]["status"] == "complete"


def test_damaged_results_file_is_not_replaced_without_overwrite(small_run, capsys):
    output = small_run.parent / "out" / "tiny.h5"
    mc_run.simulate(small_run, progress=False)
    output.write_bytes(output.read_bytes()[:5000])  # a truncated copy
    for argv in (["--resume"], []):
        assert cli.main(["run", str(small_run), "--no-progress", *argv]) == 2
        err = capsys.readouterr().err
        assert "is damaged or incomplete" in err and "start over with --overwrite" in err and err.count("\n") == 1
        assert output.stat().st_size == 5000
    assert cli.main(["run", str(small_run), "--no-progress", "--overwrite"]) == 0
    assert mc_run.read_table(output)[0]["status"] == "complete"
    assert cli.main(["run", str(small_run), "--resume", "--overwrite"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_resume_with_fewer_batches_is_refused(small_run):
    mc_run.simulate(small_run, progress=False)
    small_run.write_text(SMALL.replace("batches = 6", "batches = 4"))
    with pytest.raises(ValueError, match=r"batches = 4 is fewer than the 6 batches .* already holds"):
        mc_run.simulate(small_run, resume=True, progress=False)


def test_resume_of_a_finished_run_has_nothing_to_do(small_run, capsys):
    assert cli.main(["run", str(small_run), "--no-progress"]) == 0
    output = small_run.parent / "out" / "tiny.h5"
    saved, mtime = output.read_bytes(), output.stat().st_mtime_ns
    capsys.readouterr()
    assert cli.main(["run", str(small_run), "--no-progress", "--resume"]) == 0
    out = capsys.readouterr().out
    assert f"# nothing to do: {output} already holds every point" in out and "# wrote" not in out
    assert output.read_bytes() == saved and output.stat().st_mtime_ns == mtime


def test_progress_bar_counts_each_batch_once(small_run, monkeypatch):
    bars = []

    class Bar:
        def __init__(self, total, initial, **kwargs):
            self.total, self.n = total, initial
            bars.append(self)

        def update(self, n):
            self.n += n

        def set_postfix_str(self, text):
            pass

        def close(self):
            pass

    monkeypatch.setattr(mc_run, "tqdm", Bar)
    result = mc_run.simulate(small_run, write=False)
    assert bars[0].total == bars[0].n == sum(p.batches for p in result.points) == 4 * 6


def test_simulate_sets_numba_threads_only_for_its_own_thread(run_file):
    """A run with monte_carlo.threads = 1 inside a worker thread (as in a Dask worker) leaves the
    thread count of the other threads of the process alone, and restores its own."""
    import threading

    import numba

    cfg = config.load(run_file).replace(**{"monte_carlo.threads": 1, "monte_carlo.batches": 2,
                                            "temperatures.values": [20.0]})
    before = numba.get_num_threads()
    seen = {}

    def worker():
        seen["before"] = numba.get_num_threads()
        mc_run.simulate(cfg, progress=False, write=False)
        seen["after"] = numba.get_num_threads()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert numba.get_num_threads() == before
    assert seen["after"] == seen["before"]


def test_resume_keeps_an_explicit_name_under_another_file_name(run_file):
    """tiny.toml (named by its stem) copied to renamed.toml with name = "tiny" written out
    resumes: the stored run file's default name is its own stem, not the new file's."""
    run_file.write_text(RUN.replace('name = "tiny"\n', ""))
    mc_run.simulate(run_file, progress=False)
    copy = run_file.with_name("renamed.toml")
    copy.write_text(RUN.replace("batches = 6", "batches = 8"))
    assert all(p.batches == 8 for p in mc_run.simulate(copy, resume=True, progress=False).points)
