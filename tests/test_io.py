"""Results files: round trip, refusal of foreign/outdated files, atomic writes."""

import os

import h5py
import numpy as np
import pytest

import phononmc
from phononmc import analytic_results, io


def _groups():
    return {
        "amm": {
            "attrs": {"model": "amm", "lowT_coefficient": 747.8, "n_points": 3, "converged": True,
                      "skipped": None, "weights": np.array([0.25, 0.75])},
            "datasets": {"T": (np.array([1.0, 10.0, 100.0]), "K"),
                         "G": (np.array([7.5e2, 7.5e5, 1.4e8]), "W m^-2 K^-1"),
                         "tau": (np.array([[0.1, 0.2], [0.3, 0.4]]), "1"),
                         "counts": (np.arange(4, dtype=np.int64), "1")},
        },
        "empty": {"attrs": {}, "datasets": {}},
    }


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_round_trip(tmp_path):
    path = tmp_path / "r.h5"
    prov = io.provenance(run_text="[run]\nseed = 7\n", seed=7, threads=4)
    io.write(path, "analytic", _groups(), attrs={"material_1": "Si"}, provenance=prov)
    res = io.read(path, kind="analytic")

    assert res.attrs["filetype"] == io.FILETYPE
    assert res.attrs["schema_version"] == io.SCHEMA_VERSION
    assert res.kind == "analytic"
    assert res.attrs["material_1"] == "Si"
    assert res.attrs["seed"] == 7 and res.attrs["threads"] == 4
    assert res.attrs["run_file"] == "[run]\nseed = 7\n"
    assert res.attrs["phononmc_version"] == phononmc.__version__
    assert res.attrs["created"].endswith("+00:00")  # ISO 8601, UTC

    amm = res.groups["amm"]
    assert amm.attrs["model"] == "amm"
    assert amm.attrs["lowT_coefficient"] == 747.8
    assert amm.attrs["n_points"] == 3 and amm.attrs["converged"] is True
    assert "skipped" not in amm.attrs  # None is omitted
    np.testing.assert_array_equal(amm.attrs["weights"], [0.25, 0.75])
    for name, (data, units) in _groups()["amm"]["datasets"].items():
        got, got_units = amm.datasets[name]
        np.testing.assert_array_equal(got, data)
        assert got.dtype == data.dtype
        assert got_units == units
    assert amm["G"] is amm.datasets["G"][0] and amm.units("T") == "K"
    assert res.groups["empty"].datasets == {}


def test_every_dataset_has_units(tmp_path):
    path = io.write(tmp_path / "r.h5", "analytic", _groups())
    with h5py.File(path, "r") as f:
        names = []
        f.visititems(lambda n, obj: names.append(n) if isinstance(obj, h5py.Dataset) else None)
        assert names and all("units" in f[n].attrs for n in names)


def test_provenance_defaults_and_none_omitted(tmp_path):
    path = io.write(tmp_path / "r.h5", "montecarlo", {})
    attrs = io.read(path).attrs
    assert attrs["phononmc_version"] == phononmc.__version__
    assert "created" in attrs
    for absent in ("seed", "threads", "run_file"):
        assert absent not in attrs
    commit = io.provenance()["git_commit"]
    assert commit is None or (len(commit) == 40 and int(commit, 16) >= 0)


def test_dataset_needs_units(tmp_path):
    with pytest.raises(ValueError, match="units"):
        io.write(tmp_path / "r.h5", "analytic", {"g": {"datasets": {"G": np.ones(3)}}})
    with pytest.raises(ValueError, match="units"):
        io.write(tmp_path / "r.h5", "analytic", {"g": {"datasets": {"G": (np.ones(3), "")}}})
    assert not (tmp_path / "r.h5").exists() and _leftovers(tmp_path) == []


def test_reserved_attrs_refused(tmp_path):
    with pytest.raises(ValueError, match="schema_version"):
        io.write(tmp_path / "r.h5", "analytic", {}, attrs={"schema_version": 99})


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        io.read(tmp_path / "nope.h5")


def test_not_hdf5(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("G = 1 MW/m^2K\n")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        io.read(path)


def test_foreign_hdf5(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["filetype"] = "statepoint"
        f["x"] = np.ones(2)
    with pytest.raises(ValueError, match=r"not a phononmc results file \(filetype = 'statepoint', "
                                         r"expected 'phononmc-results'\)"):
        io.read(path)
    with h5py.File(path, "w") as f:  # no filetype at all
        f["x"] = np.ones(2)
    with pytest.raises(ValueError, match="filetype = None"):
        io.read(path)


@pytest.mark.parametrize("version, advice", [(io.SCHEMA_VERSION + 1, "upgrade phononmc"),
                                             (0, "read it with phononmc 0.0.1")])
def test_wrong_schema_version(tmp_path, version, advice):
    path = io.write(tmp_path / "r.h5", "analytic", {}, provenance={"phononmc_version": "0.0.1"})
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = version
    with pytest.raises(ValueError) as err:
        io.read(path)
    msg = str(err.value)
    assert f"schema_version = {version}" in msg
    assert f"reads schema_version {io.SCHEMA_VERSION}" in msg
    assert advice in msg


def test_wrong_kind(tmp_path):
    path = io.write(tmp_path / "r.h5", "analytic", {})
    with pytest.raises(ValueError, match="holds 'analytic' results, expected 'montecarlo'"):
        io.read(path, kind="montecarlo")
    assert io.read(path).kind == "analytic"


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "r.h5"
    bad = {"g": {"datasets": {"x": (np.array([{"a": 1}, None], dtype=object), "1")}}}
    with pytest.raises(TypeError):
        io.write(target, "analytic", bad)
    assert not target.exists()
    assert _leftovers(tmp_path) == []
    assert os.listdir(tmp_path) == []


def test_existing_target_replaced_only_on_success(tmp_path):
    target = tmp_path / "r.h5"
    io.write(target, "analytic", {"old": {"datasets": {"G": (np.array([1.0]), "W m^-2 K^-1")}}})
    bad = {"new": {"datasets": {"x": (np.array([object()], dtype=object), "1")}}}
    with pytest.raises(TypeError):
        io.write(target, "analytic", bad)
    assert list(io.read(target).groups) == ["old"]  # untouched
    assert _leftovers(tmp_path) == []

    io.write(target, "analytic", {"new": {"datasets": {"G": (np.array([2.0]), "W m^-2 K^-1")}}})
    assert list(io.read(target).groups) == ["new"]
    assert _leftovers(tmp_path) == []


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        io.write(tmp_path / "no" / "r.h5", "analytic", {})


def test_truncated_file_is_reported_as_damaged(tmp_path):
    path = io.write(tmp_path / "r.h5", "analytic", _groups())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # an interrupted copy
    with pytest.raises(ValueError) as err:
        io.read(path)
    msg = str(err.value)
    assert msg.startswith(f"{path} is damaged or incomplete") and "truncated" in msg
    assert "\n" not in msg


def test_analytic_results_round_trip(tmp_path):
    si, he = phononmc.material("Si"), phononmc.material("He4")
    T = np.array([0.5, 2.0])
    models = {"dmm": {"G": np.array([1.0, 64.0]), "R_K": np.array([1.0, 1 / 64]), "lowT_coefficient": 8.0,
                      "classical_limit": 3e4}}
    written = analytic_results.AnalyticResults(si, he, T, models, side=2, dispersion="debye",
                                               temperature="equilibrium")
    analytic_results.write(tmp_path / "a.h5", written, command="phononmc analytic Si He4")
    back = analytic_results.read(tmp_path / "a.h5")
    assert (back.material_1, back.material_2) == (si, he) and back.material_2.is_liquid
    assert (back.side, back.dispersion, back.temperature) == (2, "debye", "equilibrium")
    np.testing.assert_array_equal(back.T, T)
    for key in ("G", "R_K", "lowT_coefficient", "classical_limit"):
        np.testing.assert_array_equal(back.models["dmm"][key], models["dmm"][key])
    assert back.attrs["command"] == "phononmc analytic Si He4" and back.attrs["kind"] == "analytic"
