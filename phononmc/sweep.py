"""Parameter sweeps: a grid of analytic or Monte Carlo points into one HDF5 file.

A sweep file (TOML) names the grid and how each point is computed::

    name = "si_ge_grid"
    seed = 7
    [sweep]
    kind = "montecarlo"                 # or "analytic"
    pairs = [["Si", "Ge"], ["Al", "Si"]]   # material_1, material_2: database names or inline tables
    models = ["amm", "dmm", "soffer"]   # model names as `models.parse_model` reads them
    roughness = [0.2e-9, 0.5e-9]        # rms roughness (m) for each bare "ziman"/"soffer" model
    temperatures = [30.0, 300.0]
    [monte_carlo]                       # as in a run file (kind = "montecarlo" only)
    packets_per_batch = 20000
    batches = 10

The grid is pairs × models (× roughness) × temperatures, in that order, point i ↦ group
``point_<i>``. Each point is an independent job of plain, picklable inputs: an analytic
point is `landauer.conductance`; a Monte Carlo point is a one-point run (`mc.run.simulate`)
whose seed is derived from (seed, i) by `numpy.random.SeedSequence`, so its random
streams depend on nothing but the sweep file and i — not on the worker, the order or the
machine. Points run in local processes (`concurrent.futures`) or on a Dask distributed
cluster (``scheduler``: the address of a running scheduler, or a `distributed.Client`); the
results are the same bit for bit. After every finished point the file is rewritten
atomically with all finished points (`io.write`), so an interruption loses only the points
in flight; ``resume`` skips the finished ones.
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from phononmc import io, landauer
from phononmc.config import RunConfig, _check_keys, _material, _seed
from phononmc.materials import Material
from phononmc.models import ROUGHNESS_KINDS, Model, parse_model
from phononmc.validation import invalid, real

KIND = "sweep"
KINDS = ("analytic", "montecarlo")
G_UNITS = "W m^-2 K^-1"
_SWEEP_KEYS = ("kind", "pairs", "models", "roughness", "temperatures")


@dataclass(frozen=True)
class Point:
    """One grid point: its index, the two materials (as `Material` field dicts), the model's
    label and its (kind, p, roughness), T (K)."""

    index: int
    material_1: dict
    material_2: dict
    model: str
    spec: tuple
    T: float

    @property
    def model_object(self) -> Model:
        kind, p, roughness = self.spec
        return Model(kind, p=p, roughness=roughness)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file: name, seed, output path, kind, the grid `points`, and the
    [monte_carlo] table text for Monte Carlo points."""

    name: str
    seed: int
    output: Path
    kind: str
    points: tuple
    monte_carlo: str
    text: str


def _fields(m) -> dict:
    return {f.name: getattr(m, f.name) for f in fields(m)}


def load(path) -> Sweep:
    """Read and validate a sweep file; errors are one line naming the file and the key."""
    path = Path(path)
    where = f"sweep file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        return parse_sweep(text, path.parent, path.stem)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def parse_sweep(text: str, base_dir=".", default_name: str = "sweep") -> Sweep:
    """Validate sweep-file text (see the module docstring)."""
    doc = tomllib.loads(text)
    _check_keys(doc, ("name", "seed", "output", "sweep", "monte_carlo"), "at the top level of a sweep file")
    if "sweep" not in doc:
        raise ValueError("[sweep] is missing: give kind, pairs, models and temperatures")
    table = doc["sweep"]
    _check_keys(table, _SWEEP_KEYS, "in [sweep]")
    for key in ("kind", "pairs", "models", "temperatures"):
        if key not in table:
            raise ValueError(f"sweep.{key} is missing")
    kind = table["kind"]
    if kind not in KINDS:
        raise invalid("sweep.kind", kind, f"valid kinds are {', '.join(KINDS)}")
    if kind == "analytic" and "monte_carlo" in doc:
        raise invalid("monte_carlo", "...", 'a [monte_carlo] table applies only to kind = "montecarlo"')
    pairs = table["pairs"]
    if not isinstance(pairs, list) or not pairs:
        raise invalid("sweep.pairs", pairs, 'an array of [material_1, material_2] pairs, e.g. [["Si", "Ge"]]')
    media = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise invalid(f"sweep.pairs[{i}]", pair, "each pair is [material_1, material_2]")
        media.append(tuple(_material(f"sweep.pairs[{i}][{k}]", m) for k, m in enumerate(pair)))
    roughness = table.get("roughness", [])
    if not isinstance(roughness, list):
        raise invalid("sweep.roughness", roughness, "an array of rms roughnesses in m, e.g. [0.2e-9, 0.5e-9]")
    for i, r in enumerate(roughness):
        real(f"sweep.roughness[{i}]", r, "each rms roughness is a number of metres")
    models = table["models"]
    if not isinstance(models, list) or not models:
        raise invalid("sweep.models", models, 'an array of model names, e.g. ["amm", "dmm", "mixed(p=0.3)"]')
    labels = []
    for i, name in enumerate(models):
        bare = isinstance(name, str) and name.strip().lower() in ROUGHNESS_KINDS
        if bare and not roughness:
            raise invalid(f"sweep.models[{i}]", name, "a bare roughness model needs sweep.roughness values, or write "
                                                      f'"{name}(eta=5e-10)"')
        try:
            expanded = [parse_model(name, roughness=r) for r in roughness] if bare else [parse_model(name)]
        except ValueError as exc:
            raise ValueError(f"sweep.models[{i}]: {exc}") from None
        labels += [(str(m), (m.kind, m.p, m.roughness)) for m in expanded]
    temps = table["temperatures"]
    if not isinstance(temps, list) or not temps:
        raise invalid("sweep.temperatures", temps, "a non-empty array of temperatures in K")
    for i, t in enumerate(temps):
        if real(f"sweep.temperatures[{i}]", t, "each temperature is a number > 0 (K)") <= 0.0:
            raise invalid(f"sweep.temperatures[{i}]", t, "each temperature is a number > 0 (K)")
    name = doc.get("name", default_name)
    seed = _seed("seed", doc.get("seed", 0))
    output = Path(base_dir) / doc.get("output", f"out/{name}.h5")
    mc_text = ""
    if kind == "montecarlo":
        mc = doc.get("monte_carlo", {})
        mc_text = "[monte_carlo]\n" + "".join(f"{k} = {v!r}\n" for k, v in mc.items())
        _point_config(Point(0, _fields(media[0][0]), _fields(media[0][1]), *labels[0], float(temps[0])), 0, mc_text)
    points, i = [], 0
    for m1, m2 in media:
        for label, spec in labels:
            for t in temps:
                points.append(Point(i, _fields(m1), _fields(m2), label, spec, float(t)))
                i += 1
    return Sweep(name, seed, output.resolve(), kind, tuple(points), mc_text, text)


def point_seed(seed: int, index: int) -> int:
    """The Monte Carlo seed of point `index`: independent of where and when the point runs."""
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)[0]) & (2**63 - 1)


def _point_config(p: Point, seed: int, mc_text: str) -> RunConfig:
    """The one-point run config of a Monte Carlo sweep point (errors name the [monte_carlo] key)."""
    text = f"seed = {seed}\n[temperatures]\nvalues = [{p.T!r}]\n{mc_text}"
    doc = tomllib.loads(text)
    return RunConfig(name=f"point_{p.index:03d}", seed=seed,
                     interface={"material_1": Material(**p.material_1), "material_2": Material(**p.material_2)},
                     models=(p.model_object,), temperatures=doc["temperatures"],
                     monte_carlo=doc.get("monte_carlo", {}), text=text)


def run_point(kind: str, p: Point, seed: int, mc_text: str) -> dict:
    """Compute one point (picklable inputs and result): {"G", and for Monte Carlo "G_err", "G_analytic"} (W m⁻² K⁻¹)."""
    if kind == "analytic":
        return {"G": float(landauer.conductance(Material(**p.material_1), Material(**p.material_2), p.T,
                                                p.model_object))}
    from phononmc.mc.run import simulate

    point = simulate(_point_config(p, point_seed(seed, p.index), mc_text), progress=False, write=False).points[0]
    return {"G": point.G, "G_err": point.G_err, "G_analytic": point.G_analytic, "batches": point.batches}


def _group(p: Point, result: dict) -> dict:
    ds = {k: (np.float64(v), G_UNITS) for k, v in result.items() if k != "batches"}
    attrs = {"material_1": p.material_1["name"], "material_2": p.material_2["name"], "model": p.model, "T": p.T}
    if "batches" in result:
        attrs["batches"] = result["batches"]
    return {"attrs": attrs, "datasets": ds}


def read_groups(path) -> tuple[dict, str]:
    """({index: {"attrs", "datasets"}}, title) of a sweep results file's finished points."""
    res = io.read(path, kind=KIND)
    groups = {int(name.split("_")[1]): {"attrs": dict(g.attrs), "datasets": dict(g.datasets)}
              for name, g in res.groups.items()}
    return groups, f"{res.attrs.get('name', '')}: {res.attrs.get('sweep_kind', '')} sweep"


def _finished(sw: Sweep) -> dict:
    """{index: group dict} of the points a previous run of the same sweep file finished."""
    if io.read(sw.output, kind=KIND).attrs.get("sweep_file") != sw.text:
        raise ValueError(f"cannot resume: {sw.output} was written by a different sweep file; start over with "
                         "--overwrite, or choose another output")
    return read_groups(sw.output)[0]


def _write(sw: Sweep, done: dict, complete: bool) -> None:
    groups = {f"point_{i:03d}": g for i, g in sorted(done.items())}
    attrs = {"name": sw.name, "sweep_kind": sw.kind, "points": len(sw.points), "sweep_file": sw.text,
             "status": "complete" if complete else "running"}
    io.write(sw.output, KIND, groups, attrs=attrs, provenance=io.provenance(seed=sw.seed))


def run(sw: Sweep, resume: bool = False, scheduler=None, workers: int | None = None, progress: bool = True,
        stop_after: int | None = None) -> dict:
    """Run the sweep's unfinished points and write them; returns {index: group dict} of all finished.

    scheduler : None (local processes, `workers` of them, default the machine's cores), a Dask
    scheduler address ("tcp://host:8786") or a `distributed.Client`. stop_after : stop (as an
    interruption would) after this many new points — for tests of resume.
    """
    done = _finished(sw) if resume and sw.output.exists() else {}
    todo = [p for p in sw.points if p.index not in done]
    sw.output.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(sw.points), initial=len(done), disable=not progress, unit="point", desc=sw.name)
    client, executor = None, None
    try:
        if scheduler is None:
            # spawned, not forked: a fork of a process whose Numba thread pool is running can die
            executor = concurrent.futures.ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                              mp_context=multiprocessing.get_context("spawn"))
            futures = {executor.submit(run_point, sw.kind, p, sw.seed, sw.monte_carlo): p for p in todo}
            finished = concurrent.futures.as_completed(futures)
            result_of = concurrent.futures.Future.result
        else:
            from distributed import Client, as_completed  # the optional `distributed` extra

            client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
            futures = {client.submit(run_point, sw.kind, p, sw.seed, sw.monte_carlo, pure=False): p for p in todo}
            finished = as_completed(list(futures))
            result_of = type(next(iter(futures))).result if futures else None
        for n, future in enumerate(finished, start=1):
            p = futures[future]
            done[p.index] = _group(p, result_of(future))
            _write(sw, done, complete=len(done) == len(sw.points))
            bar.update(1)
            if stop_after is not None and n >= stop_after and len(done) < len(sw.points):
                raise KeyboardInterrupt
        if not todo:
            _write(sw, done, complete=True)
    finally:
        bar.close()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if client is not None and client is not scheduler:
            client.close()
    return done


def format_table(sw_kind: str, groups: dict) -> str:
    """The finished points as a text table (MW m⁻² K⁻¹)."""
    mc = sw_kind == "montecarlo"
    head = f"{'point':>5} {'material_1':<10} {'material_2':<10} {'model':<24} {'T [K]':>8} {'G':>12}"
    head += f" {'G_err':>9} {'G_analytic':>11} {'z':>6}" if mc else ""
    lines = [head, "-" * len(head)]
    for i, g in sorted(groups.items()):
        a, d = g["attrs"], g["datasets"]
        row = (f"{i:>5} {a['material_1']:<10} {a['material_2']:<10} {a['model']:<24} {a['T']:>8.4g} "
               f"{float(d['G'][0]) / 1e6:>12.6g}")
        if mc:
            G, err, ga = (float(d[k][0]) for k in ("G", "G_err", "G_analytic"))
            row += f" {err / 1e6:>9.2g} {ga / 1e6:>11.6g} {(G - ga) / err if err > 0 else math.nan:>6.2f}"
        lines.append(row)
    return "\n".join(lines)
