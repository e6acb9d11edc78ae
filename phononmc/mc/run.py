"""Run a Monte Carlo job from a run file: points, batches, checkpoints, results file.

A run file with a [slab] table runs the simulated experiment (`mc.slab`: points are
model × temperature × thickness, packets from both walls, results kind "slab"); one with
[[surfaces]] a rough interface (`mc.rough`: model × temperature × surface, results kind
"rough"); with neither, the bare interface (results kind "montecarlo"). Both kinds of point keep one
`tallies.ScoreTally` per emitter and answer the same few questions (`measured`, `group`,
`restore`, `label`), so checkpoints, resume and the relative-error target work alike.

For the bare interface a point is one (model, temperature). Its packets come from medium 1, medium 2, or both
(`monte_carlo.side`). With both, the run is two-sided deviational: medium 1 emits the
occupation excess n(T+ΔT/2) − n(T), medium 2 the deficit n(T) − n(T−ΔT/2), and the
net flux gives G = (G₁ + G₂)/2 (in linear response each side's estimate is G itself).

Batches run in chunks of `checkpoint_every`; after each chunk the whole results file is
rewritten atomically with the running sums, so an interrupted run keeps what it did and
`resume=True` continues from the last chunk with bit-identical results. While a run writes
its results file it holds the file's lock (`io.locked`): a file left with status "running"
that no process holds reads as "interrupted".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

import numba
import numpy as np
from tqdm.auto import tqdm

from phononmc import io, landauer
from phononmc.config import RunConfig, load, parse
from phononmc.mc.events import interface_tables
from phononmc.mc.interface import plan_side, run_batches, score_layout
from phononmc.mc.rough import rough_points
from phononmc.mc.slab import slab_points
from phononmc.mc.multilayer import stack_points
from phononmc.mc.tallies import ScoreTally, combine

KIND = "montecarlo"
SLAB_KIND = "slab"
ROUGH_KIND = "rough"
LAYERS_KIND = "layers"
G_UNITS = "W m^-2 K^-1"
#: (emitting side, occupation part) for each `monte_carlo.side` setting.
SIDE_PARTS = {"both": ((1, "upper"), (2, "lower")), 1: ((1, "full"),), 2: ((2, "full"),)}


#: Relative difference of G and G_analytic that is round-off when the Monte Carlo has no
#: statistical error (G_err = 0).
EXACT_RTOL = 1e-9


def z_score(G: float, G_err: float, G_analytic: float) -> float:
    """(G − G_analytic)/G_err; with G_err = 0 (every packet had the same fate, e.g. identical
    media in the AMM) 0 if G equals G_analytic to round-off (EXACT_RTOL), else ±inf."""
    diff = G - G_analytic
    if G_err > 0:
        return diff / G_err
    if math.isclose(G, G_analytic, rel_tol=EXACT_RTOL):
        return 0.0
    return math.copysign(math.inf, diff) if not math.isnan(diff) else math.nan


@dataclass
class PointResult:
    """Monte Carlo G at one (model, T) with its analytic counterpart.

    G, G_err, G_analytic in W m⁻² K⁻¹ (emitted-phonon temperatures, like Landauer);
    z = (G − G_analytic)/G_err (see `z_score`). G_inel_analytic: the part of G_analytic the
    inelastic channel carries (NaN for an elastic model; `G_inel` is the Monte Carlo's). tallies: one `tallies.ScoreTally` per emitting
    side, with the scores of `interface.score_layout` in units of G_emit/N of that side (W m⁻² K⁻¹).
    spectral_edges (rad s⁻¹) and angle_edges (sin θ) are the histogram bin edges.
    """

    model: str
    T: float
    delta_T: float
    sides: tuple
    G_analytic: float
    tallies: list
    spectral_edges: np.ndarray
    angle_edges: np.ndarray
    G_inel_analytic: float = math.nan
    complete: bool = False

    @property
    def G(self) -> float:
        return combine(self.tallies, "transmitted")[0]

    @property
    def G_err(self) -> float:
        return combine(self.tallies, "transmitted")[1]

    @property
    def z(self) -> float:
        return z_score(self.G, self.G_err, self.G_analytic)

    @property
    def G_inel(self) -> tuple[float, float]:
        """(G_inel, σ): the heat per kelvin the inelastic channel carries, from the packets it
        transmitted (W m⁻² K⁻¹); 0 for an elastic model."""
        return combine(self.tallies, "inelastic")

    @property
    def batches(self) -> int:
        return min(t.batches for t in self.tallies)

    @property
    def label(self) -> str:
        return f"{self.model} T={self.T:g} K"

    def measured(self) -> tuple[float, float]:
        """(G, σ_G): what a relative-error target checks."""
        return self.G, self.G_err

    def group(self) -> dict:
        """The HDF5 group of this point (`io.write`): G with units, and the running sums per side."""
        ds = {"G": (np.float64(self.G), G_UNITS), "G_err": (np.float64(self.G_err), G_UNITS),
              "G_analytic": (np.float64(self.G_analytic), G_UNITS),
              "spectral_edges": (self.spectral_edges, "rad s^-1"), "angle_edges": (self.angle_edges, "1")}
        if math.isfinite(self.G_inel_analytic):
            g_inel, g_inel_err = self.G_inel
            ds.update({"G_inel": (np.float64(g_inel), G_UNITS), "G_inel_err": (np.float64(g_inel_err), G_UNITS),
                       "G_inel_analytic": (np.float64(self.G_inel_analytic), G_UNITS)})
        for side, t in zip(self.sides, self.tallies):
            ds.update(t.datasets(f"side{side}_", G_UNITS))
        return {"attrs": {"model": self.model, "T": self.T, "delta_T": self.delta_T, "sides": np.array(self.sides),
                          "complete": self.complete, "z": self.z,
                          "temperature_definition": "emitted-phonon temperatures (Landauer)"},
                "datasets": ds}

    def restore(self, group) -> None:
        """Take the running sums of a results-file group (`io.Group`) written by `group`."""
        self.tallies = [t.restored(group, f"side{side}_") for side, t in zip(self.sides, self.tallies)]

    def spectral_conductance(self):
        """Spectral G: (ω at bin centres (rad s⁻¹), dG/dω (W m⁻² K⁻¹ per rad s⁻¹)), averaged
        over the emitting sides like G; summed times the bin widths it gives G."""
        widths = np.diff(self.spectral_edges)
        per_side = [t.mean("spectral")[1] / widths for t in self.tallies]
        return 0.5 * (self.spectral_edges[1:] + self.spectral_edges[:-1]), np.mean(per_side, axis=0)

    def angular_fractions(self, side: int = 1):
        """Angle-resolved outcome fractions of packets emitted by medium `side` (1 or 2):
        (sin θ at bin centres, array (3, 6, n_θ)) — for incident branch L/SV/SH, the fraction
        ending in channel rL rSV rSH tL tSV tSH; NaN where a bin received no packet."""
        counts = self.tallies[self.sides.index(side)].sum("angular")
        emitted = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 0.5 * (self.angle_edges[1:] + self.angle_edges[:-1]), counts / emitted


@dataclass
class SimulationResult:
    """All points of a run, in run-file order (models outer, temperatures inner)."""

    config: RunConfig
    points: list = field(default_factory=list)
    path: Path | None = None
    new_batches: int = 0  # batches run by this call, summed over points (0: a resume had nothing to do)

    def table(self) -> str:
        """Plain-text table: T, G_MC ± σ, G_analytic, z, per model; then the inelastic shares."""
        rows = []
        for p in self.points:
            row = {"model": p.model, "T": p.T, "G": p.G, "G_err": p.G_err, "G_analytic": p.G_analytic, "z": p.z,
                   "batches": p.batches}
            if math.isfinite(p.G_inel_analytic):
                row.update(G_inel=p.G_inel[0], G_inel_err=p.G_inel[1], G_inel_analytic=p.G_inel_analytic)
            rows.append(row)
        return format_table(rows)


def format_table(rows) -> str:
    """Rows of dicts (model, T, G, G_err, G_analytic [W m⁻² K⁻¹], z, batches) as a text table;
    z reads "exact" where G_err = 0 and G equals G_analytic to round-off. Rows that also hold
    G_inel, G_inel_err, G_inel_analytic (the inelastic channel's share) add a comment line each."""
    width = max([20, *(len(r["model"]) for r in rows)])
    head = f"{'model':<{width}} {'T [K]':>9} {'G_MC [MW m^-2 K^-1]':>26} {'G_analytic':>12} {'z':>7} {'batches':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        z = "exact" if r["G_err"] == 0 and r["z"] == 0 else f"{r['z']:.2f}"
        lines.append(f"{r['model']:<{width}} {r['T']:>9.4g} {r['G'] / 1e6:>15.7g} ± {r['G_err'] / 1e6:<8.2g} "
                     f"{r['G_analytic'] / 1e6:>12.7g} {z:>7} {r['batches']:>8d}")
    for r in rows:
        if "G_inel" in r:
            lines.append(f"# {r['model']}, T = {r['T']:g} K: the inelastic channel carries {r['G_inel'] / 1e6:.5g} ± "
                         f"{r['G_inel_err'] / 1e6:.2g} MW m^-2 K^-1 (analytic {r['G_inel_analytic'] / 1e6:.5g}), a "
                         f"fraction {r['G_inel'] / r['G']:.4f} of G (analytic {r['G_inel_analytic'] / r['G_analytic']:.4f})")
    return "\n".join(lines)


def read_table(path) -> tuple[dict, list[dict]]:
    """Root attributes (status as `run_status` gives it) and table rows of a Monte Carlo
    results file (for `phononmc show`)."""
    res = io.read(path, kind=KIND)
    rows = []
    for name in sorted(res.groups):
        g = res.groups[name]
        sides = np.atleast_1d(g.attrs["sides"])
        G, G_err, G_analytic = float(g["G"]), float(g["G_err"]), float(g["G_analytic"])
        rows.append({"model": g.attrs["model"], "T": g.attrs["T"], "G": G, "G_err": G_err, "G_analytic": G_analytic,
                     "z": z_score(G, G_err, G_analytic), "batches": int(min(g[f"side{s}_batches"] for s in sides))})
        rows[-1].update({k: float(g[k]) for k in ("G_inel", "G_inel_err", "G_inel_analytic") if k in g.datasets})

    return {**res.attrs, "status": run_status(path, res.attrs)}, rows


def run_status(path, attrs: dict) -> str:
    """Status of the run in results file `path` with root `attrs`: "complete", "running"
    (a live run holds the file's lock) or "interrupted" (it stopped before completing)."""
    status = attrs.get("status", "?")
    if status == "running" and io.lock_holder(path) is None:
        return "interrupted"
    return status


def _analytic(cfg: RunConfig, model, T: float, sides, g=landauer.conductance) -> float:
    """Landauer G for exactly what the sides emit (average over emitting sides); with
    g = landauer.inelastic_conductance, the inelastic channel's part of it."""
    return float(np.mean([
        g(cfg.interface.material_1, cfg.interface.material_2, T, model, side=s,
          dispersion=cfg.interface.dispersion, delta_T=cfg.temperatures.delta_T, part=part)
        for s, part in sides]))


def kind(cfg: RunConfig) -> str:
    """The results kind a run writes: "layers", "slab", "rough" or "montecarlo"."""
    if cfg.layers is not None:
        return LAYERS_KIND
    return SLAB_KIND if cfg.slab is not None else ROUGH_KIND if cfg.surfaces else KIND


def _new_points(cfg: RunConfig):
    """The points of a run and, for each, one batch runner per emitter:
    runner(seed, point, first_batch, n_batches, n_packets) -> scores (n_batches, layout size)."""
    if cfg.slab is not None or cfg.layers is not None:
        points, plans = (slab_points if cfg.slab is not None else stack_points)(cfg)
        return points, [[w.run for w in walls] for walls in plans]
    if cfg.surfaces:
        return rough_points(cfg, SIDE_PARTS[cfg.monte_carlo.side])
    sides = SIDE_PARTS[cfg.monte_carlo.side]
    m1, m2, dispersion = cfg.interface.material_1, cfg.interface.material_2, cfg.interface.dispersion
    delta_T, bins = cfg.temperatures.delta_T, cfg.tallies
    layout = score_layout(bins.spectral_bins, bins.angle_bins)
    tables = {}
    points, plans = [], []
    for model in cfg.models:
        need = model.needs_specular_tables
        if need not in tables:
            tables[need] = interface_tables(m1, m2, dispersion, need_specular=need)
        for T in cfg.temperatures.values:
            side_plans = [plan_side(m1, m2, model, T, delta_T, s, part, dispersion, tables[need]) for s, part in sides]
            top = max(pl.table.top for pl in side_plans)
            tallies = [ScoreTally(layout, pl.table.g_emit / cfg.monte_carlo.packets_per_batch) for pl in side_plans]
            points.append(PointResult(str(model), T, delta_T, tuple(s for s, _ in sides),
                                      _analytic(cfg, model, T, sides), tallies,
                                      np.linspace(0.0, top, bins.spectral_bins + 1),
                                      np.linspace(0.0, 1.0, bins.angle_bins + 1),
                                      math.nan if model.inelastic is None else
                                      _analytic(cfg, model, T, sides, landauer.inelastic_conductance)))
            plans.append([lambda seed, index, first, n, n_packets, pl=pl, p=points[-1]:
                          run_batches(pl, seed, index, first, n, n_packets, layout, p.spectral_edges[-1])
                          for pl in side_plans])
    return points, plans


def _done(p, cfg: RunConfig) -> bool:
    mc = cfg.monte_carlo
    if p.batches >= mc.batches:
        return True
    value, err = p.measured()
    return mc.rel_err_target > 0 and p.batches >= 4 and err <= mc.rel_err_target * abs(value)


def _write(cfg: RunConfig, points, complete: bool, prov: dict) -> Path:
    media = [(i, m) for i, m in ((1, cfg.interface.material_1), (2, cfg.interface.material_2)) if m is not None]
    attrs = {"status": "complete" if complete else "running", "name": cfg.name,
             "materials": json.dumps({f"material_{i}": {f.name: getattr(m, f.name) for f in fields(m)}
                                      for i, m in media}),
             "dispersion": cfg.interface.dispersion, "side": cfg.monte_carlo.side}
    groups = {f"point_{i:03d}": p.group() for i, p in enumerate(points)}
    return io.write(cfg.output, kind(cfg), groups, attrs=attrs, provenance=prov)


#: Run-file fields a resumed run may change: how long to run, not what to simulate.
RESUMABLE_CHANGES = ("monte_carlo.batches", "monte_carlo.rel_err_target", "monte_carlo.checkpoint_every",
                     "monte_carlo.threads")


def _restore(cfg: RunConfig, points) -> dict:
    """Load the running sums of a previous run of the same job into `points`; returns the
    root attributes of its results file.

    The previous run file may differ only in RESUMABLE_CHANGES (e.g. more batches: the
    batch streams continue where they stopped, so the result equals one longer run). Fewer
    batches than a point already has are refused: they would leave points at different counts.
    """
    if not cfg.output.exists():
        raise ValueError(f"cannot resume: {cfg.output} does not exist (run without --resume first)")
    try:
        res = io.read(cfg.output, kind=kind(cfg))
    except ValueError as exc:
        raise ValueError(f"cannot resume: {exc}; start over with --overwrite, or choose another output") from None
    previous = parse(res.attrs.get("run_file", ""), cfg.source.parent if cfg.source else ".", cfg.source)
    previous = previous.replace(name=res.attrs.get("name", previous.name))  # a default name came from its file
    ignored = (*RESUMABLE_CHANGES, "text", "source", "output")
    changed = [path for path in previous.differences(cfg) if path not in ignored]
    if changed:
        raise ValueError(f"cannot resume: {cfg.output} was written by a different run file "
                         f"(changed: {', '.join(changed)}; only {', '.join(RESUMABLE_CHANGES)} may change); "
                         "start over with --overwrite, or choose another output path")
    for i, p in enumerate(points):
        g = res.groups.get(f"point_{i:03d}")
        if g is not None:
            p.restore(g)  # `_done` decides again
    most = max(points, key=lambda q: q.batches)
    batches = cfg.monte_carlo.batches
    if most.batches > batches:
        raise ValueError(f"cannot resume: monte_carlo.batches = {batches} is fewer than the {most.batches} batches "
                         f"{cfg.output} already holds ({most.label}); "
                         "batches can only grow on resume")
    return res.attrs


def _refuse_unfinished(path: Path, kind: str) -> None:
    """Refuse to start a run over a results file that holds an unfinished run or cannot be read."""
    if not path.exists():
        return
    try:
        res = io.read(path, kind=kind)
    except ValueError as exc:
        raise ValueError(f"{exc}; not replacing it: start over with --overwrite, or choose another output") from None
    if res.attrs.get("status") != "complete":  # we hold the lock, so no run is writing it
        done = sum(bool(g.attrs.get("complete")) for g in res.groups.values())
        raise ValueError(f"{path} holds an interrupted run ({done} of {len(res.groups)} points complete); "
                         "continue it with --resume, or start over with --overwrite")


def simulate(run, resume: bool = False, progress: bool = True, write: bool = True,
             overwrite: bool = False) -> SimulationResult:
    """Run a Monte Carlo job.

    run : path of a TOML run file, or a `config.RunConfig`.
    resume : continue a previous run of the same run file from its output, or extend it
        (more batches); a finished run with nothing to add is returned unchanged (new_batches = 0).
    progress : show a progress bar (tqdm) over batches.
    write : write (and checkpoint) the HDF5 results file `config.output`, holding its lock.
    overwrite : start over even if the output holds an interrupted run or cannot be read
        (refused otherwise); a complete run is replaced without it.
    """
    cfg = run if isinstance(run, RunConfig) else load(run)
    if resume and overwrite:
        raise ValueError(f"resume and overwrite exclude each other: continue the run in {cfg.output}, "
                         "or start it over")
    threads_before = numba.get_num_threads()
    if cfg.monte_carlo.threads:
        numba.set_num_threads(min(cfg.monte_carlo.threads, numba.config.NUMBA_NUM_THREADS))
    try:
        if not write:
            return _simulate(cfg, resume, overwrite, progress, write)
        cfg.output.parent.mkdir(parents=True, exist_ok=True)
        with io.locked(cfg.output):
            return _simulate(cfg, resume, overwrite, progress, write)
    finally:
        numba.set_num_threads(threads_before)


def _simulate(cfg: RunConfig, resume: bool, overwrite: bool, progress: bool, write: bool) -> SimulationResult:
    points, plans = _new_points(cfg)
    prov = io.provenance(run_text=cfg.text, seed=cfg.seed, threads=numba.get_num_threads())
    finished = False  # the output already holds this run, complete
    if resume:
        previous = _restore(cfg, points)
        prov["created"], prov["resumed"] = previous.get("created"), prov["created"]
        finished = previous.get("status") == "complete"
    elif write and not overwrite:
        _refuse_unfinished(cfg.output, kind(cfg))
    mc = cfg.monte_carlo
    # Both sides of a point run each chunk together: the bar counts a point's batches once.
    bar = tqdm(total=mc.batches * len(points), disable=not progress, unit="batch", desc=cfg.name,
               initial=sum(p.batches for p in points))
    new_batches = 0
    try:
        for index, (p, runners) in enumerate(zip(points, plans)):
            while not (p.complete or _done(p, cfg)):
                chunk = min(mc.checkpoint_every, mc.batches - p.batches)
                for tally, runner in zip(p.tallies, runners):
                    tally.add(runner(cfg.seed, index, tally.batches, chunk, mc.packets_per_batch))
                bar.update(chunk)
                new_batches += chunk
                if write:
                    _write(cfg, points, complete=False, prov=prov)
            p.complete = True
            value, err = p.measured()
            bar.set_postfix_str(f"{p.label} {value:.4g} ± {err:.2g}")
    finally:
        bar.close()
    result = SimulationResult(cfg, points, cfg.output if write else None, new_batches)
    if write and not (finished and new_batches == 0):
        _write(cfg, points, complete=True, prov=prov)
    return result
