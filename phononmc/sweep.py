"""Parameter sweeps: a grid of analytic or Monte Carlo points into one HDF5 file.

A sweep file (TOML) names the grid and how each point is computed::

    name = "si_ge_grid"
    seed = 7
    [sweep]
    kind = "montecarlo"                 # or "analytic"
    pairs = [["Si", "Ge"], ["Al", "Si"]]   # material_1, material_2: database names or inline tables
    models = ["amm", "dmm", "soffer"]   # model names as `models.parse_model` reads them
    roughness = [0.2e-9, 0.5e-9]        # rms roughness (m) for each bare "ziman"/"soffer" model
    stack = [{ material = "Ge", thickness = [1e-9, 5e-9] }]   # optional: layers between the pair
    temperatures = [30.0, 300.0]
    [monte_carlo]                       # as in a run file (kind = "montecarlo" only)
    packets_per_batch = 20000
    batches = 10

A model is a name or a run file's [[models]] table (``{ kind = "dmm", inelastic = { A = 0.02 } }``).
``stack`` is a run file's [layers] stack (`config.LayerSpec`); the thicknesses of its one
thickness series are an axis of the grid. The grid is pairs × models (× roughness) × layer
thicknesses × temperatures, in that order, point i ↦ group ``point_<i>``. Each point is an
independent job of plain, picklable inputs: an analytic point is `landauer.conductance`, or
with a stack the incoherent G of the model (`transmission.incoherent`, beside the coherent
wave G); a Monte Carlo point is a one-point run (`mc.run.simulate`, a [layers] run with a
stack) whose seed is derived from (seed, i) by `numpy.random.SeedSequence`, so its random
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
from phononmc.config import RunConfig, _check_keys, _material, _seed, _stack, model_table
from phononmc.materials import Material
from phononmc.mc import multilayer
from phononmc.models import ROUGHNESS_KINDS, Model, parse_model
from phononmc.transmission import incoherent
from phononmc.transmission import multilayer as waves
from phononmc.validation import invalid, real

KIND = "sweep"
KINDS = ("analytic", "montecarlo")
G_UNITS = "W m^-2 K^-1"
_SWEEP_KEYS = ("kind", "pairs", "models", "roughness", "stack", "temperatures")


@dataclass(frozen=True)
class Point:
    """One grid point: its index, the two materials (as `Material` field dicts), the model's
    label and `Model`, T (K); with a stack, its [layers] stack entries at this point's
    thicknesses and the thickness of the series layer (m; NaN without a series)."""

    index: int
    material_1: dict
    material_2: dict
    model: str
    model_object: Model
    T: float
    stack: tuple = ()
    layer_thickness: float = math.nan


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
        raise invalid("sweep.models", models, 'an array of model names or [[models]] tables, e.g. ["amm", "dmm", '
                                              '"mixed(p=0.3)", { kind = "dmm", inelastic = { A = 0.02 } }]')
    labels = []
    for i, name in enumerate(models):
        bare = isinstance(name, str) and name.strip().lower() in ROUGHNESS_KINDS
        if bare and not roughness:
            raise invalid(f"sweep.models[{i}]", name, "a bare roughness model needs sweep.roughness values, or write "
                                                      f'"{name}(eta=5e-10)"')
        try:
            expanded = ([parse_model(name, roughness=r) for r in roughness] if bare else
                        [model_table(f"sweep.models[{i}]", name, f"in sweep.models[{i}]")] if isinstance(name, dict)
                        else [parse_model(name)])
        except ValueError as exc:
            raise ValueError(str(exc) if isinstance(name, dict) else f"sweep.models[{i}]: {exc}") from None
        labels += [(i, m) for m in expanded]
    stack, thicknesses = _sweep_stack(table, kind, labels)
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
    grid = [(m1, m2, model, h, float(t)) for m1, m2 in media for _, model in labels for h in thicknesses
            for t in temps]
    points = [Point(i, _fields(m1), _fields(m2), str(model), model, t, _at_thickness(stack, h), h)
              for i, (m1, m2, model, h, t) in enumerate(grid)]
    if stack or kind == "montecarlo":  # what only a run's own checks see: [monte_carlo] keys, layers vs media
        for m1, m2 in media:
            first = next(p for p in points if (p.material_1, p.material_2) == (_fields(m1), _fields(m2)))
            try:
                _point_config(first, 0, mc_text, stack=stack, temperatures=[float(t) for t in temps])
            except ValueError as exc:
                raise ValueError(str(exc).replace("layers.stack", "sweep.stack")) from None
    return Sweep(name, seed, output.resolve(), kind, tuple(points), mc_text, text)


def _sweep_stack(table: dict, kind: str, labels: list) -> tuple[list, list]:
    """sweep.stack as given (a list of [layers] stack entries, [] without) and the thicknesses
    (m) of its thickness series ([NaN] without one); refuses what the stack cannot run."""
    if "stack" not in table:
        return [], [math.nan]
    specs = _stack("sweep.stack", table["stack"])
    for i, model in labels:
        if model.inelastic is not None:
            raise invalid(f"sweep.models[{i}]", str(model), "the inelastic channel is simulated at a single "
                                                            "interface, not through a sweep.stack")
        if kind == "analytic" and not multilayer.has_incoherent([], model):
            raise invalid(f"sweep.models[{i}]", str(model), "an analytic sweep through a stack has closed forms for "
                                                            "amm and dmm only (transmission.incoherent); use "
                                                            'kind = "montecarlo" for other models')
    for i, spec in enumerate(specs):
        if kind == "analytic" and spec.scattering is not None:
            raise invalid(f"sweep.stack[{i}].scattering", table["stack"][i]["scattering"],
                          'an analytic stack is ballistic (no closed form with bulk scattering); use '
                          'kind = "montecarlo", or scattering = "none"')
    series = [spec.thickness for spec in specs if len(spec.thickness) > 1]
    return table["stack"], list(series[0]) if series else [math.nan]


def _at_thickness(stack: list, h: float) -> tuple:
    """The stack entries with the thickness series replaced by h (m); unchanged for NaN."""
    def series(e):
        return isinstance(e.get("thickness"), list) and len(e["thickness"]) > 1
    return tuple({**e, "thickness": h} if series(e) else dict(e) for e in stack)


def _layer_name(entry: dict) -> str:
    """The material name of a stack entry ("graded" for a graded layer)."""
    m = entry.get("material")
    return "graded" if m is None else m if isinstance(m, str) else m["name"]


def point_seed(seed: int, index: int) -> int:
    """The Monte Carlo seed of point `index`: independent of where and when the point runs."""
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)[0]) & (2**63 - 1)


def _point_config(p: Point, seed: int, mc_text: str, stack=None, temperatures=None) -> RunConfig:
    """The one-point run config of a sweep point: a bare interface, or a [layers] run with its
    stack (errors name the [monte_carlo] or layers.stack key). stack, temperatures: instead of
    the point's (to validate a whole thickness series and every T at once)."""
    text = f"seed = {seed}\n[temperatures]\nvalues = {temperatures or [p.T]!r}\n{mc_text}"
    doc = tomllib.loads(text)
    stack = p.stack if stack is None else stack
    return RunConfig(name=f"point_{p.index:03d}", seed=seed,
                     interface={"material_1": Material(**p.material_1), "material_2": Material(**p.material_2)},
                     models=(p.model_object,), temperatures=doc["temperatures"],
                     monte_carlo=doc.get("monte_carlo", {}), layers={"stack": list(stack)} if stack else None,
                     text=text)


def _stack_analytic(p: Point) -> dict:
    """G of the point's stack in the particle picture (the model's incoherent G, "G") and in the
    wave picture ("G_coherent"), and of the bare interface ("G_interface"), W m⁻² K⁻¹."""
    cfg = _point_config(p, 0, "")
    m1, m2, lay = cfg.interface.material_1, cfg.interface.material_2, cfg.layers
    stack = multilayer.wave_stack(multilayer.expand(cfg, lay.variants[0]))
    return {"G": float(incoherent.incoherent_conductance(m1, m2, stack, p.T, p.model_object.kind, lay.n_angle)),
            "G_coherent": float(waves.conductance(m1, m2, stack, p.T, lay.n_omega, lay.n_angle)),
            "G_interface": float(landauer.conductance(m1, m2, p.T, p.model_object))}


def run_point(kind: str, p: Point, seed: int, mc_text: str) -> dict:
    """Compute one point (picklable inputs and result), W m⁻² K⁻¹: {"G"}, with a stack also
    "G_coherent", "G_interface"; for Monte Carlo also "G_err", "G_analytic" (with a stack the
    analytic incoherent G, NaN where it has no closed form) and "batches"."""
    if kind == "analytic":
        return _stack_analytic(p) if p.stack else {
            "G": float(landauer.conductance(Material(**p.material_1), Material(**p.material_2), p.T, p.model_object))}
    from phononmc.mc.run import simulate

    point = simulate(_point_config(p, point_seed(seed, p.index), mc_text), progress=False, write=False).points[0]
    if not p.stack:
        return {"G": point.G, "G_err": point.G_err, "G_analytic": point.G_analytic, "batches": point.batches}
    G, G_err = point.measured()
    return {"G": G, "G_err": G_err, "G_analytic": point.G_incoherent, "G_coherent": point.G_coherent,
            "G_interface": point.G_interface, "batches": point.batches}


def _group(p: Point, result: dict) -> dict:
    ds = {k: (np.float64(v), G_UNITS) for k, v in result.items() if k != "batches"}
    attrs = {"material_1": p.material_1["name"], "material_2": p.material_2["name"], "model": p.model, "T": p.T}
    if p.stack:
        attrs["layers"] = [_layer_name(e) for e in p.stack]
        attrs["layer_thickness"] = p.layer_thickness
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
    """The finished points as a text table (MW m⁻² K⁻¹); with a stack, the swept layer's
    thickness, the coherent G and the bare interface's G beside G (incoherent)."""
    mc = sw_kind == "montecarlo"
    stack = any("layers" in g["attrs"] for g in groups.values())
    head = f"{'point':>5} {'material_1':<10} {'material_2':<10} {'model':<24}"
    head += f" {'layers':<12} {'layer [nm]':>10}" if stack else ""
    head += f" {'T [K]':>8} {'G':>12}"
    head += f" {'G_err':>9} {'G_analytic':>11} {'z':>6}" if mc else ""
    head += f" {'G_coherent':>11} {'G_interface':>11}" if stack else ""
    lines = [head, "-" * len(head)]
    for i, g in sorted(groups.items()):
        a, d = g["attrs"], g["datasets"]

        def mw(key):
            return float(d[key][0]) / 1e6

        row = f"{i:>5} {a['material_1']:<10} {a['material_2']:<10} {a['model']:<24}"
        if stack:
            h = float(a["layer_thickness"]) * 1e9
            row += f" {'|'.join(a['layers']):<12} {f'{h:.4g}' if math.isfinite(h) else '-':>10}"
        row += f" {a['T']:>8.4g} {mw('G'):>12.6g}"
        if mc:
            G, err, ga = (float(d[k][0]) for k in ("G", "G_err", "G_analytic"))
            row += f" {err / 1e6:>9.2g} {ga / 1e6:>11.6g} {(G - ga) / err if err > 0 else math.nan:>6.2f}"
        if stack:
            row += f" {mw('G_coherent'):>11.6g} {mw('G_interface'):>11.6g}"
        lines.append(row)
    return "\n".join(lines)
