"""The ``phononmc`` command.

    phononmc materials [--json]
    phononmc analytic Si Ge --model amm --model "mixed(p=0.5)" --T-range 1 300 12 --plot G.png
    phononmc run runs/quickstart.toml [--resume | --overwrite]
    phononmc show runs/out/quickstart.h5
    phononmc series runs/thickness_series_example.csv --plot series.png

Each subcommand is one entry of `COMMANDS`: (name, help, add_arguments, handler). To add
one, write its two functions and append it there.

Errors in the input (unknown material, T <= 0, bad model, bad option, a damaged results
file) print one line ``phononmc: error: <message>`` on stderr and exit with status 2; a
file that cannot be written exits with status 1. There is no traceback for either. A
reader that closes the output early (``phononmc show x.h5 | head``) ends the command
quietly with status 141, as SIGPIPE would.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

import phononmc
from phononmc import analytic_results, config, io, landauer, models, sensitivity
from phononmc.analytic_results import TEMPERATURE_DEFINITIONS, UNITS
from phononmc.analytic_results import material_record as _material_record
from phononmc.config import OUTPUT_SUFFIXES
from phononmc.dispersion import DISPERSIONS
from phononmc.mc import run as mc_run
from phononmc.mc import multilayer, rough, slab

PROG = "phononmc"


class UsageError(Exception):
    """Bad command-line input; main prints it as one line and exits with status 2."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that raises instead of printing usage and exiting (sub-parsers inherit it)."""

    def error(self, message):
        raise UsageError(message)


def _message(exc: BaseException) -> str:
    """One line from an exception; KeyError's str() would add quotes around the message."""
    text = exc.args[0] if isinstance(exc, KeyError) and len(exc.args) == 1 else str(exc)
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- materials


def _add_materials(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the database as JSON (full sources)")


def _cmd_materials(args) -> int:
    mats = [phononmc.material(name) for name in phononmc.materials()]
    if args.json:
        units = {"density": "kg m^-3", "v_long": "m s^-1", "v_trans": "m s^-1",
                 "atom_density": "m^-3", "debye_temperature": "K"}
        print(json.dumps({"materials": [_material_record(m) for m in mats], "units": units}, indent=2))
        return 0
    width = 60
    print(f"{'name':<9} {'rho [kg/m^3]':>12} {'v_L [m/s]':>10} {'v_T [m/s]':>10} {'n [1/m^3]':>10} "
          f"{'Theta_D [K]':>11} {'liquid':>6}  source")
    for m in mats:
        theta = "-" if m.debye_temperature is None else f"{m.debye_temperature:g}"
        source = m.source if len(m.source) <= width else m.source[: width - 3].rstrip() + "..."
        print(f"{m.name:<9} {m.density:>12g} {m.v_long:>10g} {m.v_trans:>10g} {m.atom_density:>10.4g} "
              f"{theta:>11} {'yes' if m.is_liquid else 'no':>6}  {source}")
    print(f"({len(mats)} materials; 'phononmc materials --json' gives the full sources)")
    return 0


# --------------------------------------------------------------------------- analytic


def _add_analytic(p: argparse.ArgumentParser) -> None:
    p.add_argument("m1", help="medium 1 (z < 0), a database name, e.g. Si")
    p.add_argument("m2", help="medium 2 (z > 0), e.g. Ge")
    p.add_argument("--model", action="extend", nargs="+", metavar="MODEL",
                   help="amm, dmm, 'mixed(p=0.5)', 'ziman(eta=0.3e-9)' or 'soffer(eta=0.3e-9)' "
                        "(eta: rms roughness, m); repeat or list several "
                        "(default: amm dmm; dmm only with --dispersion sine)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--T", nargs="+", type=float, metavar="T", dest="T",
                      help="temperatures (K) (default: 12 log-spaced from 1 to 300 K)")
    when.add_argument("--T-range", nargs=3, metavar=("TMIN", "TMAX", "N"), dest="T_range",
                      help="N >= 2 log-spaced temperatures from TMIN to TMAX (K)")
    p.add_argument("--side", type=int, choices=(1, 2), default=1,
                   help="integrate phonons emitted by medium 1 or 2 (equal by detailed balance)")
    p.add_argument("--dispersion", choices=DISPERSIONS, default="debye",
                   help="phonon branches: debye (linear) or sine (Born-von Karman); the AMM needs debye")
    p.add_argument("--temperature", choices=landauer.TEMPERATURES, default="emitted",
                   help="emitted: Landauer G for emitted-phonon temperatures; "
                        "equilibrium: G for far-field equilibrium temperatures (as measured)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--h5", metavar="FILE", help="also write an HDF5 results file (path from the current "
                                                "directory; runs/out/ is ignored by git)")
    p.add_argument("--plot", metavar="FILE.png", help="also write a PNG of G(T) with the T^3 asymptotes "
                                                       "(G/T^3 when a side is liquid)")
    p.add_argument("--sensitivity", action="store_true",
                   help="also d ln G / d ln x for every material input and model parameter x at each T "
                        "(a table per model; in --json and --h5 too; docs/sensitivity.md)")


def _temperatures(args) -> np.ndarray:
    if args.T is not None:
        T = np.array(args.T, dtype=float)
        bad = [t for t in T if not (math.isfinite(t) and t > 0.0)]
        if bad:
            raise UsageError(f"--T {bad[0]:g} K is invalid; temperatures must be finite and > 0 K")
        return T
    if args.T_range is None:
        return np.geomspace(1.0, 300.0, 12)
    tmin_s, tmax_s, n_s = args.T_range
    try:
        tmin, tmax = float(tmin_s), float(tmax_s)
    except ValueError:
        raise UsageError(f"--T-range {tmin_s} {tmax_s} {n_s}: TMIN and TMAX must be numbers (K)") from None
    try:
        n = int(n_s)
    except ValueError:
        raise UsageError(f"--T-range N = {n_s!r} is not an integer number of points") from None
    for name, t in (("TMIN", tmin), ("TMAX", tmax)):
        if not (math.isfinite(t) and t > 0.0):
            raise UsageError(f"--T-range {name} = {t:g} K is invalid; temperatures must be finite and > 0 K")
    if tmax < tmin:
        raise UsageError(f"--T-range TMIN = {tmin:g} K exceeds TMAX = {tmax:g} K")
    if n < 2:
        raise UsageError(f"--T-range N = {n} is invalid; a range needs N >= 2 points from TMIN to TMAX "
                         f"(for one temperature use --T {tmin:g})")
    return np.geomspace(tmin, tmax, n)


def _models(args) -> list:
    names = args.model or (["amm", "dmm"] if args.dispersion == "debye" else ["dmm"])
    chosen = []
    for name in names:
        try:
            model = models.parse_model(name)
        except ValueError as exc:
            raise UsageError(f"--model {name!r}: {_message(exc)}") from None
        if model not in chosen:
            chosen.append(model)
    return chosen


def _compute(args) -> dict:
    """All numbers of the analytic command, SI units."""
    m1, m2 = phononmc.material(args.m1), phononmc.material(args.m2)
    T = _temperatures(args)
    out = {"m1": m1, "m2": m2, "T": T, "models": {}}
    for model in _models(args):
        G = np.asarray(landauer.conductance(m1, m2, T, model=model, side=args.side,
                                            dispersion=args.dispersion, temperature=args.temperature), dtype=float)
        with np.errstate(divide="ignore"):
            R = 1.0 / G
        out["models"][str(model)] = {
            "G": G,
            "R_K": R,
            "lowT_coefficient": float(landauer.lowT_coefficient(m1, m2, model, dispersion=args.dispersion)),
            "classical_limit": float(landauer.classical_limit(m1, m2, model, dispersion=args.dispersion,
                                                              side=args.side)),
            "sensitivity": (sensitivity.sensitivities(m1, m2, T, model, side=args.side, dispersion=args.dispersion,
                                                      temperature=args.temperature) if args.sensitivity else None),
        }
    return out


def _limits_note(args) -> str:
    if args.temperature == "emitted":
        return ""
    return " (limits are for emitted-phonon temperatures)"


def _print_table(args, r) -> None:
    m1, m2, T = r["m1"], r["m2"], r["T"]
    side = m1 if args.side == 1 else m2
    print(f"# interface {m1.name} | {m2.name}   dispersion: {args.dispersion}   "
          f"phonons from side {args.side} ({side.name})")
    print(f"# {TEMPERATURE_DEFINITIONS[args.temperature]}")
    for name, d in r["models"].items():
        print(f"# {name:<14} low-T G/T^3 = {d['lowT_coefficient']:.4g} W m^-2 K^-4   "
              f"classical limit G = {d['classical_limit']:.4g} W m^-2 K^-1{_limits_note(args)}")
    cols = [(name, "G [MW m^-2 K^-1]", "R_K [m^2 K/GW]") for name in r["models"]]
    print(f"{'':>10}" + "".join(f"  {name:^34}" for name, _, _ in cols))
    print(f"{'T [K]':>10}" + "".join(f"  {g:>17} {rk:>16}" for _, g, rk in cols))
    for i, t in enumerate(T):
        row = f"{t:>10.4g}"
        for d in r["models"].values():
            g = "inf (no jump)" if np.isposinf(d["G"][i]) else f"{d['G'][i] / 1e6:.4e}"
            row += f"  {g:>17} {d['R_K'][i] * 1e9:>16.4e}"
        print(row)
    if any(np.isposinf(d["G"]).any() for d in r["models"].values()):
        print("# inf (no jump): the interface transmits every phonon, so equilibrium temperatures "
              "are continuous across it (R_K = 0)")
    for name, d in r["models"].items():
        if d.get("sensitivity") is not None:
            print(sensitivity.format_table(d["sensitivity"], name))


def _finite_or_none(a):
    """JSON has no inf/nan: map them to null (an infinite G is flagged by "no_jump")."""
    return [float(x) if math.isfinite(x) else None for x in np.ravel(a)]


def _print_json(args, r) -> None:
    obj = {
        "materials": {"m1": _material_record(r["m1"]), "m2": _material_record(r["m2"])},
        "side": args.side,
        "dispersion": args.dispersion,
        "temperature": args.temperature,
        "temperature_definition": TEMPERATURE_DEFINITIONS[args.temperature],
        "T": _finite_or_none(r["T"]),
        "models": {
            name: {"G": _finite_or_none(d["G"]), "R_K": _finite_or_none(d["R_K"]),
                   "no_jump": [bool(x) for x in np.isposinf(d["G"])],
                   "lowT_coefficient": d["lowT_coefficient"], "classical_limit": d["classical_limit"],
                   **({"sensitivity": sensitivity.record(d["sensitivity"])} if d.get("sensitivity") else {})}
            for name, d in r["models"].items()
        },
        "limits_temperature_definition": TEMPERATURE_DEFINITIONS["emitted"],
        "units": UNITS,
    }
    print(json.dumps(obj, indent=2))


def _write_h5(args, r, argv) -> None:
    res = analytic_results.AnalyticResults(r["m1"], r["m2"], r["T"], r["models"], side=args.side,
                                           dispersion=args.dispersion, temperature=args.temperature)
    analytic_results.write(args.h5, res, command=shlex.join([PROG, *argv]))


def _conductance_size(width):
    """conductance_figure's size options: its defaults, or one column with the legend below."""
    if width is None:
        return {}
    return {"width": width, "legend": {"loc": "outside lower center", "ncols": 2, "columnspacing": 0.8,
                                       "handlelength": 1.6}}


def _analytic_figure(r, dispersion: str, temperature: str, width=None):
    """G(T) of `analytic` results r (m1, m2, T, models) with the T³ asymptotes for emitted temperatures;
    width: inches (None: the default size)."""
    from phononmc import plot

    curves = {name: d["G"] for name, d in r["models"].items()}
    # The closed-form T^3 coefficients are for emitted-phonon temperatures only.
    lowT = ({name: d["lowT_coefficient"] for name, d in r["models"].items()}
            if temperature == "emitted" else None)
    title = f"{r['m1'].name} | {r['m2'].name}   ({dispersion}, {temperature} temperatures)"
    return plot.conductance_figure(r["T"], curves, lowT=lowT, title=title,
                                   per_T3=r["m1"].is_liquid or r["m2"].is_liquid, **_conductance_size(width))


def _write_plot(args, r) -> None:
    _save_plot(_analytic_figure(r, args.dispersion, args.temperature), args.plot)


def _cmd_analytic(args) -> int:
    if args.plot is not None:  # refuse a bad name before computing
        _check_plot_path(args.plot)
    _check_output_folders(plot=args.plot, h5=args.h5)
    if args.h5 is not None and Path(args.h5).suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(f"--h5 {args.h5}: a results file is HDF5; its name must end in {' or '.join(OUTPUT_SUFFIXES)}")
    r = _compute(args)
    if args.json:
        _print_json(args, r)
    else:
        _print_table(args, r)
    for option, target, write in (("--h5", args.h5, lambda: _write_h5(args, r, args.argv)),
                                  ("--plot", args.plot, lambda: _write_plot(args, r))):
        if target is None:
            continue
        try:
            write()
        except OSError as exc:
            raise _WriteError(f"{option} {target}: cannot write: {exc.strerror or exc}") from None
        if not args.json:  # JSON output stays one object
            print(f"# wrote {target}")
    return 0


class _WriteError(Exception):
    """An output file could not be written; exit status 1."""


# --------------------------------------------------------------------------- dispatch


def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_file", help="TOML run file, e.g. runs/quickstart.toml")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--resume", action="store_true",
                       help="continue an interrupted run from its results file; also extends a finished run "
                            "whose run file now asks for more batches (only [monte_carlo] batches, "
                            "rel_err_target, checkpoint_every, threads may change)")
    start.add_argument("--overwrite", action="store_true",
                       help="start over even if the results file holds an interrupted run or is damaged "
                            "(a complete run is replaced without it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--plot", metavar="FILE.png", help="also write a figure: G(T), Monte Carlo points over the analytic "
                                                      "curves; for a [slab] run, the temperature profiles with the "
                                                      "far-field fits and the jump; for [[surfaces]], G against "
                                                      "roughness and tau(theta)")


def _cmd_run(args) -> int:
    if args.plot is not None:  # refuse a bad name before the run, not after it
        _check_plot_path(args.plot)
    _check_output_folders(plot=args.plot)
    try:
        result = mc_run.simulate(args.run_file, resume=args.resume, overwrite=args.overwrite,
                                 progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished batches are saved. Continue with: "
              f"{PROG} run {args.run_file} --resume", file=sys.stderr)
        return 130
    except OSError as exc:
        raise _WriteError(f"cannot write the results of {args.run_file}: {exc}") from None
    cfg = result.config
    if cfg.slab is not None or cfg.surfaces or cfg.layers is not None:
        kind = mc_run.kind(cfg)
        SHOW[kind](result.path)
        if args.plot:
            _write_results_plot(kind, result.path, args.plot)
        return 0
    print(f"# {cfg.name}: {cfg.interface.material_1.name} | {cfg.interface.material_2.name}, "
          f"dispersion {cfg.interface.dispersion}, phonons from side {cfg.monte_carlo.side}, "
          f"delta_T = {cfg.temperatures.delta_T:g} K")
    print("# G for emitted-phonon temperatures (Landauer); z = (G_MC - G_analytic) / sigma")
    print(result.table())
    if args.resume and result.new_batches == 0:
        print(f"# nothing to do: {result.path} already holds every point the run file asks for")
    else:
        print(f"# wrote {result.path}")
    if args.plot:
        _write_mc_plot(result, args.plot)
    return 0


def _mc_figure(cfg, rows, width=None):
    """G(T) of a Monte Carlo run: the Landauer curve of every model of run config `cfg` and the
    Monte Carlo points `rows` (dicts with model, T, G, G_err, G_analytic) over them; width: inches."""
    from phononmc import plot

    m1, m2 = cfg.interface.material_1, cfg.interface.material_2
    temps = [r["T"] for r in rows]
    t_line = np.geomspace(min(temps) / 2, max(temps) * 2, 120)
    curves, points = {}, {}
    for spec in cfg.models:
        label = str(models.parse_model(spec))
        pts = [r for r in rows if r["model"] == label]
        curves[label] = landauer.conductance(m1, m2, t_line, spec, dispersion=cfg.interface.dispersion,
                                             delta_T=cfg.temperatures.delta_T)
        points[label] = tuple([r[f] for r in pts] for f in ("T", "G", "G_err", "G_analytic"))
    title = f"{m1.name} | {m2.name}: Monte Carlo (markers) and Landauer (lines)"
    return plot.conductance_figure(t_line, curves, title=title, points=points, per_T3=m1.is_liquid or m2.is_liquid,
                                   **_conductance_size(width))


def _write_mc_plot(result, path) -> None:
    rows = [{"model": p.model, "T": p.T, "G": p.G, "G_err": p.G_err, "G_analytic": p.G_analytic} for p in result.points]
    _save_plot(_mc_figure(result.config, rows), path)
    print(f"# wrote {path}")


def _check_plot_path(path, option: str = "--plot") -> None:
    """A figure name (of `option`) that is not .png is a usage error (status 2)."""
    from phononmc import plot

    try:
        plot.check_path(path)
    except ValueError as exc:
        raise UsageError(f"{option} {_message(exc)}") from None


def _check_output_folders(**paths) -> None:
    """Outputs (option name -> path or None) go into folders that exist: checked before a long
    computation, not after it (status 2)."""
    for option, path in paths.items():
        if path is not None and not Path(path).parent.is_dir():
            raise UsageError(f"--{option} {path}: the folder {Path(path).parent} does not exist")


def _save_plot(fig, path) -> None:
    """plot.save with its failure as one line naming ``path`` (status 1)."""
    from phononmc import plot

    _check_plot_path(path)
    try:
        plot.save(fig, path)
    except OSError as exc:
        raise _WriteError(f"--plot {path}: cannot write: {exc.strerror or exc}") from None


def _add_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", help="HDF5 results file written by 'phononmc run' or 'phononmc analytic --h5'")


def _show_montecarlo(path) -> None:
    attrs, rows = mc_run.read_table(path)
    resumed = f", resumed {attrs['resumed']}" if "resumed" in attrs else ""
    print(f"# {attrs.get('name', '?')}: status {attrs['status']}, phononmc {attrs.get('phononmc_version', '?')}, "
          f"created {attrs.get('created', '?')}{resumed}, seed {attrs.get('seed', '?')}, "
          f"threads {attrs.get('threads', '?')}")
    names = _material_names(attrs)
    print(f"# {' | '.join(names)}, dispersion {attrs.get('dispersion', '?')}, phonons from side {attrs.get('side', '?')}")
    print("# G for emitted-phonon temperatures (Landauer); z = (G_MC - G_analytic) / sigma")
    print(mc_run.format_table(rows))


def _material_names(attrs) -> list[str]:
    """Names of the media recorded in a Monte Carlo results file's root attributes."""
    return [m.get("name", "?") for m in json.loads(attrs.get("materials", "{}")).values()]


def _print_slab(path) -> None:
    """The table of a slab results file (what `run` prints and `show` reprints)."""
    attrs, records = slab.read_points(path)
    names = _material_names(attrs)
    print(f"# {attrs.get('name', '?')}: slab {' | '.join(names)} between black walls, status "
          f"{mc_run.run_status(path, attrs)}, seed {attrs.get('seed', '?')}")
    print("# q/dT: net heat flux per kelvin between the walls. G_measured = q / jump of the far-field "
          "energy-density profiles (as an experiment measures);")
    print("# G_Landauer: emitted-phonon temperatures; G_equilibrium = G_Landauer / (1 - (tau12 + tau21)/2)")
    print(slab.format_table(records))
    for line in slab.series_lines(records):
        print(line)
    print(f"# results: {path}")


def _write_results_plot(kind, path, plot_path, width=None) -> None:
    """The figure of a slab (temperature profiles), rough (G against roughness, τ(θ)) or layers
    results file; width: inches (None: the default size)."""
    from phononmc import plot

    reader, figure, what = {mc_run.SLAB_KIND: (slab.read_points, plot.profile_figure, "slab"),
                            mc_run.ROUGH_KIND: (rough.read_points, plot.roughness_figure, "rough interface"),
                            mc_run.LAYERS_KIND: (multilayer.read_points, plot.layers_figure, "with a layer stack")}[kind]
    attrs, records = reader(path)
    names = " | ".join(_material_names(attrs))
    _save_plot(figure(records, title=f"{attrs.get('name', '')}: {names} {what}", width=width), plot_path)
    print(f"# wrote {plot_path}")


def _print_rough(path) -> None:
    """The table of a rough-interface results file (what `run` prints and `show` reprints)."""
    attrs, records = rough.read_points(path)
    names = _material_names(attrs)
    print(f"# {attrs.get('name', '?')}: rough interface {' | '.join(names)}, status "
          f"{mc_run.run_status(path, attrs)}, seed {attrs.get('seed', '?')}, phonons from side {attrs.get('side', '?')}")
    print("# G for emitted-phonon temperatures; G_flat: the model's Landauer G at a flat interface; p_eff: energy "
          "leaving within cone_deg of the flat direction; p_G, p_angle: mixed-model p fitted to G and to tau(theta) "
          "(chi2/dof >> 1: p-mixing does not describe the surface)")
    print(rough.format_table(records))
    print(f"# results: {path}")


def _print_layers(path) -> None:
    """The table of a multilayer results file (what `run` prints and `show` reprints)."""
    attrs, records = multilayer.read_points(path)
    names = _material_names(attrs)
    print(f"# {attrs.get('name', '?')}: {names[0]} | stack of {len(records[0]['layers']) if records else 0} layers | "
          f"{names[-1]}, status {mc_run.run_status(path, attrs)}, seed {attrs.get('seed', '?')}")
    print("# G_MC: incoherent Monte Carlo, packets crossing the stack by the model's rules; z = (G_MC - G_incoherent) "
          "/ sigma; G_incoherent: the same picture, analytic (AMM, DMM without bulk scattering);")
    print("# G_coherent: elastic waves through the stack (phases kept); G_interface: the bare interface. All for "
          "emitted-phonon temperatures, MW m^-2 K^-1")
    print(multilayer.format_table(records))
    print(f"# results: {path}")


def _print_sweep(path) -> None:
    """The table of a sweep results file."""
    from phononmc import sweep

    res = io.read(path, kind=sweep.KIND)
    groups, _ = sweep.read_groups(path)
    print(f"# {res.attrs.get('name', '?')}: {res.attrs.get('sweep_kind', '?')} sweep, {len(groups)} of "
          f"{res.attrs.get('points', '?')} points done, status {res.attrs.get('status', '?')}")
    print("# G for emitted-phonon temperatures, MW m^-2 K^-1" + ("; z = (G - G_analytic) / G_err"
                                                               if res.attrs.get("sweep_kind") == "montecarlo" else ""))
    print(sweep.format_table(res.attrs.get("sweep_kind"), groups))
    print(f"# results: {path}")


def _show_analytic(path) -> None:
    res = analytic_results.read(path)
    print(f"# {res.attrs.get('command', 'analytic results')}   (phononmc {res.attrs.get('phononmc_version', '?')}, "
          f"created {res.attrs.get('created', '?')})")
    _print_table(res, {"m1": res.material_1, "m2": res.material_2, "T": res.T, "models": res.models})


#: What `show` prints for each kind of results file.
SHOW = {mc_run.KIND: _show_montecarlo, mc_run.SLAB_KIND: _print_slab, mc_run.ROUGH_KIND: _print_rough,
        mc_run.LAYERS_KIND: _print_layers, "sweep": _print_sweep,
        analytic_results.KIND: _show_analytic}


def _cmd_show(args) -> int:
    kind = io.read(args.results).kind
    if kind not in SHOW:
        raise ValueError(f"{args.results} holds {kind!r} results; show reads {' and '.join(map(repr, SHOW))} results")
    SHOW[kind](args.results)
    return 0


def _add_series(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="CSV of a thickness series: thickness and resistance columns, optionally "
                                "resistance_err (docs/thickness-series.md)")
    p.add_argument("--reference", metavar="REF.csv",
                   help="a series without the interface (same contacts): R_K = R_0 - R_0,ref")
    p.add_argument("--plot", metavar="FILE.png", help="also write R_total against L with the fit and R_0")


def _cmd_series(args) -> int:
    from phononmc import fit

    if args.plot is not None:
        _check_plot_path(args.plot)
    _check_output_folders(plot=args.plot)
    fits = {}
    for name, path in (("data", args.data), ("reference", args.reference)):
        if path is not None:
            fits[name] = fit.thickness_series(*fit.read_series_csv(path))
    per_gw = 1e9
    for name, f in fits.items():
        chi2 = f"chi2/dof = {f.chi2:.2f}/{f.dof}" if f.errors_given else "errors from the scatter about the line"
        print(f"# {name} ({len(f.thickness)} thicknesses): R_total = R_0 + L/kappa_eff, R_0 = "
              f"{f.intercept * per_gw:.4g} ± {f.intercept_err * per_gw:.2g} m^2 K GW^-1, kappa_eff = "
              f"{f.kappa:.4g} ± {f.kappa_err:.2g} W m^-1 K^-1, {chi2}")
    if "reference" in fits:
        r_k, err = fit.subtract_reference(fits["data"], fits["reference"])
        g = f"G = {1e-6 / r_k:.4g} MW m^-2 K^-1" if r_k > 0 else "not positive: no finite G"
        print(f"R_K = R_0 - R_0,ref = {r_k * per_gw:.4g} ± {err * per_gw:.2g} m^2 K GW^-1 ({g})")
    else:
        print(f"R_0 = {fits['data'].intercept * per_gw:.4g} ± {fits['data'].intercept_err * per_gw:.2g} m^2 K GW^-1 "
              "(R_K plus every other series resistance; give --reference to subtract them)")
    if args.plot:
        _save_plot(fit.series_figure(fits["data"], title=Path(args.data).name, reference=fits.get("reference")),
                   args.plot)
        print(f"# wrote {args.plot}")
    return 0


# --------------------------------------------------------------------------- fit


def _add_fit(p: argparse.ArgumentParser) -> None:
    from phononmc import fit_conductance as fc

    p.add_argument("data", help="CSV of a measured G(T) or R_K(T) with units in the header, e.g. "
                                f"'{fc.EXAMPLE_HEADER}' (docs/fitting.md); with --series, a thickness series")
    p.add_argument("--series", action="store_true",
                   help="DATA is a thickness series: fit R_total = R_0 + L/kappa_eff (as 'phononmc series')")
    p.add_argument("--reference", metavar="REF.csv", help="with --series: a series without the interface")
    p.add_argument("--materials", nargs=2, metavar=("M1", "M2"),
                   help="medium 1 and 2: database names (Al Si) or inline TOML tables "
                        "'{name=\"X\", density=..., v_long=..., v_trans=..., atom_density=...}' (SI)")
    p.add_argument("--model", choices=models.MODEL_KINDS, help="the model whose parameters are fitted")
    p.add_argument("--interlayer", metavar="MATERIAL",
                   help="a layer between M1 and M2 (name or inline table; models amm, dmm; --temperature emitted): "
                        "its properties interlayer.density, .v_long, .v_trans, .atom_density can be --free or --set")
    p.add_argument("--free", action="extend", nargs="+", metavar="NAME",
                   help=f"free parameters: {', '.join(fc.FREE)}")
    p.add_argument("--set", action="extend", nargs="+", metavar="NAME=VALUE", dest="fixed", default=[],
                   help="fixed parameters, e.g. inelastic.q=1 (SI; roughness in m)")
    p.add_argument("--start", action="extend", nargs="+", metavar="NAME=VALUE", default=[],
                   help="starting values of free parameters")
    p.add_argument("--bounds", action="extend", nargs="+", metavar="NAME=LO:HI", default=[],
                   help="bounds of free parameters (defaults: p 0:1, roughness 1e-12:1e-8, inelastic.A 0:0.1, "
                        "inelastic.q and .m -3:3)")
    p.add_argument("--temperature", choices=landauer.TEMPERATURES, default="equilibrium",
                   help="temperature definition of the model's G (default: equilibrium, as measured)")
    p.add_argument("--dispersion", choices=DISPERSIONS, default="debye", help="phonon branches")
    p.add_argument("--no-profile", action="store_true", help="skip the chi2 profiles (faster)")
    p.add_argument("--plot", metavar="FILE.png", help="also write the data, the fit and the residuals")


def _fit_material(text: str):
    """A Material from a database name or an inline TOML table (errors name the option; --materials
    also stands for --interlayer)."""
    import tomllib

    from phononmc.config import _material

    value = text
    if text.lstrip().startswith("{"):
        try:
            value = tomllib.loads(f"m = {text}")["m"]
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"--materials {text!r}: not a TOML inline table ({exc})") from None
    return _material("--materials", value)


def _fit_pairs(option: str, items: list[str], parse) -> dict:
    """{name: parse(value)} from NAME=VALUE items; UsageError names the option and the item."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"{option} {item!r}: write NAME=VALUE")
        try:
            out[name.strip()] = parse(value)
        except ValueError:
            raise UsageError(f"{option} {item!r}: {value!r} is not valid here") from None
    return out


def _bounds_value(text: str) -> tuple[float, float]:
    lo, sep, hi = text.partition(":")
    if not sep:
        raise ValueError(text)
    return float(lo), float(hi)


def _cmd_fit(args) -> int:
    from phononmc import fit_conductance as fc

    if args.series:
        return _cmd_series(args)
    if args.reference is not None:
        raise UsageError("--reference applies only with --series")
    for option, value in (("--materials", args.materials), ("--model", args.model), ("--free", args.free)):
        if value is None:
            raise UsageError(f"{option} is required to fit G(T) or R_K(T) (see phononmc fit --help)")
    if args.plot is not None:
        _check_plot_path(args.plot)
    _check_output_folders(plot=args.plot)
    m1, m2 = (_fit_material(text) for text in args.materials)
    interlayer = None if args.interlayer is None else _fit_material(args.interlayer)
    data = fc.read_conductance_csv(args.data)
    result = fc.fit_conductance(data, m1, m2, args.model, args.free, fixed=_fit_pairs("--set", args.fixed, float),
                                bounds=_fit_pairs("--bounds", args.bounds, _bounds_value),
                                start=_fit_pairs("--start", args.start, float), temperature=args.temperature,
                                dispersion=args.dispersion, profile=not args.no_profile, interlayer=interlayer)
    print("\n".join(fc.report(result)))
    if args.plot:
        _save_plot(fc.fit_figure(result, title=Path(args.data).name), args.plot)
        print(f"# wrote {args.plot}")
    return 0


def _add_plot(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", help="HDF5 results file written by 'phononmc run' or 'phononmc analytic --h5'")
    p.add_argument("-o", "--output", metavar="FILE.png", help="the figure (default: the results file's name with .png)")
    p.add_argument("--column", action="store_true",
                   help="one journal column wide (3.4 in), panels stacked, text sized to stay readable")


def _cmd_plot(args) -> int:
    """The figure of any results file: what `run --plot` or `analytic --plot` draws, from the file alone."""
    from contextlib import nullcontext

    from phononmc import plot

    output = args.output or str(Path(args.results).with_suffix(".png"))
    _check_plot_path(output, "-o")
    _check_output_folders(output=output)
    kind = io.read(args.results).kind
    width = plot.COLUMN_WIDTH if args.column else None
    with plot.one_column() if args.column else nullcontext():  # text sizes are fixed as artists are made
        if kind in (mc_run.SLAB_KIND, mc_run.ROUGH_KIND, mc_run.LAYERS_KIND):
            _write_results_plot(kind, args.results, output, width)
            return 0
        if kind == analytic_results.KIND:
            res = analytic_results.read(args.results)
            r = {"m1": res.material_1, "m2": res.material_2, "T": res.T, "models": res.models}
            fig = _analytic_figure(r, res.dispersion, res.temperature, width)
        elif kind == mc_run.KIND:
            attrs, rows = mc_run.read_table(args.results)
            fig = _mc_figure(config.parse(attrs["run_file"]), rows, width)
        elif kind == "sweep":
            from phononmc import sweep

            groups, title = sweep.read_groups(args.results)
            fig = plot.sweep_figure(groups, title, width=width)
        else:
            raise ValueError(f"{args.results} holds {kind!r} results; plot draws {', '.join(map(repr, SHOW))} "
                             "results")
        _save_plot(fig, output)
    print(f"# wrote {output}")
    return 0


def _add_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep_file", help="TOML sweep file (docs/sweeps.md), e.g. runs/sweep_example.toml")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--resume", action="store_true", help="skip the points the results file already holds")
    start.add_argument("--overwrite", action="store_true", help="start over, replacing the results file")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the points on a Dask distributed cluster (e.g. tcp://host:8786; needs the "
                        "'distributed' extra) instead of local processes")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: the machine's cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _cmd_sweep(args) -> int:
    from phononmc import sweep

    sw = sweep.load(args.sweep_file)
    if sw.output.exists() and not (args.resume or args.overwrite):
        raise ValueError(f"{sw.output} exists: continue it with --resume, or start over with --overwrite")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: give an integer >= 1")
    try:
        sweep.run(sw, resume=args.resume, scheduler=args.scheduler, workers=args.workers,
                  progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished points are saved. Continue with: {PROG} sweep {args.sweep_file} "
              "--resume", file=sys.stderr)
        return 130
    _print_sweep(sw.output)
    return 0


class Command(NamedTuple):
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


#: The subcommands, in the order `phononmc --help` lists them.
COMMANDS = [
    Command("materials", "list the built-in materials database", _add_materials, _cmd_materials),
    Command("analytic", "G(T) of an interface from the Landauer formula (AMM, DMM, mixed, Ziman, Soffer)",
            _add_analytic, _cmd_analytic),
    Command("run", "run a Monte Carlo job from a TOML run file; writes an HDF5 results file",
            _add_run, _cmd_run),
    Command("show", "print the table of a results file (Monte Carlo: interface, slab or rough; or analytic)",
            _add_show, _cmd_show),
    Command("plot", "draw the figure of a results file (any kind phononmc writes) into a PNG",
            _add_plot, _cmd_plot),
    Command("sweep", "run a grid of analytic or Monte Carlo points into one HDF5 file, locally or on a Dask cluster",
            _add_sweep, _cmd_sweep),
    Command("series", "fit a thickness series R_total = R_0 + L/kappa_eff from a CSV and extrapolate to L = 0",
            _add_series, _cmd_series),
    Command("fit", "fit a model's free parameters (p, roughness, inelastic) to a measured G(T) or R_K(T) CSV; "
                   "--series: a thickness series", _add_fit, _cmd_fit),
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Thermal boundary (Kapitza) conductance, analytic and Monte Carlo.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {phononmc.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(handler=cmd.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        status = args.handler(args)
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return status
    except BrokenPipeError:  # e.g. `phononmc show x.h5 | head`: the reader has gone, stop quietly
        # As the Python docs on SIGPIPE advise: point stdout at devnull so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE  # what a shell reports for a process ended by SIGPIPE
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except (UsageError, ValueError, KeyError) as exc:
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except _WriteError as exc:
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return 1
