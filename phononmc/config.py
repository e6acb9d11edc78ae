"""Run files: TOML text -> a validated, frozen `RunConfig`.

A run file describes one Monte Carlo job: an interface, the scattering models to
simulate, the temperatures, and how many phonon packets to spend. ``load(path)`` reads
one; ``parse(text)`` reads the text directly. Every field is checked when it is read,
and every error is a one-line ``ValueError`` that names the file, the field path, the
bad value and what would be valid, e.g.::

    run file runs/x.toml: monte_carlo.batches = 0 is invalid: the number of batches must be
    an integer >= 2 (a standard error needs at least two batches)

Unknown keys are errors too, so a typo is never silently ignored.

The format (every table and key, defaults, units, valid values; outputs; resume) is
documented once, in docs/run-files.md.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import numbers
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phononmc.landauer import MODEL_KINDS, Model
from phononmc.dispersion import DISPERSIONS
from phononmc.validation import invalid, is_number, real, show
from phononmc.materials import Material, material, materials

__all__ = ["RunConfig", "load", "parse", "SIDES"]

#: Which medium emits phonons toward the interface.
SIDES = ("both", "1", "2")
#: Suffixes accepted for the HDF5 results file.
OUTPUT_SUFFIXES = (".h5", ".hdf5")

_MATERIAL_FIELDS = tuple(f.name for f in dataclasses.fields(Material))
_MATERIAL_REQUIRED = tuple(f.name for f in dataclasses.fields(Material) if f.default is dataclasses.MISSING)

# Keys of each table, in documentation order.
_TOP_KEYS = ("name", "seed", "output", "interface", "models", "temperatures", "monte_carlo", "tallies")
_INTERFACE_KEYS = ("material_1", "material_2", "dispersion")
_MODEL_KEYS = ("kind", "p", "roughness")
_TEMPERATURE_KEYS = ("values", "delta_T")
_MC_KEYS = ("packets_per_batch", "batches", "side", "rel_err_target", "checkpoint_every", "threads")
_TALLY_KEYS = ("spectral_bins", "angle_bins")

#: Where each RunConfig field lives in a run file (the path error messages name).
FIELD_PATHS = {
    "name": "name",
    "seed": "seed",
    "output": "output",
    "material_1": "interface.material_1",
    "material_2": "interface.material_2",
    "dispersion": "interface.dispersion",
    "models": "models",
    "temperatures": "temperatures.values",
    "delta_T": "temperatures.delta_T",
    **{k: f"monte_carlo.{k}" for k in _MC_KEYS},
    **{k: f"tallies.{k}" for k in _TALLY_KEYS},
    "text": "text",
    "source": "source",
}


# --------------------------------------------------------------------------- helpers


def _count(path: str, value: Any, minimum: int, why: str) -> int:
    """An integer >= minimum; integral floats (2e5) are accepted."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid(path, value, why)
    if not isinstance(value, numbers.Integral):
        value_f = float(value)
        if not (math.isfinite(value_f) and value_f.is_integer()):
            raise invalid(path, value, why)
    if int(value) < minimum:
        raise invalid(path, value, why)
    return int(value)


def _check_keys(table: dict, valid: tuple[str, ...], where: str) -> None:
    """Reject keys not in `valid`; `where` completes the message ("in [tallies]")."""
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown key {key!r} {where}; valid keys: {', '.join(valid)}{hint}")


def _table(doc: dict, key: str, required: bool) -> dict:
    if key not in doc:
        if required:
            raise ValueError(f"[{key}] is missing: the run file needs a [{key}] table")
        return {}
    value = doc[key]
    if not isinstance(value, dict):
        raise invalid(key, value, f"{key} must be a table: write [{key}] on its own line and its keys below it")
    return value


# --------------------------------------------------------------------------- models


# --------------------------------------------------------------------------- run config


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """A validated run. Construct it with `load` or `parse`; `replace` makes a changed copy.

    Attributes (run-file path in brackets)
    ----------
    name : str                       [name]  label of the run; names the default output
    seed : int                       [seed]  >= 0
    output : pathlib.Path            [output]  absolute path of the HDF5 results file
    material_1, material_2 : Material  [interface.material_1/2]  medium 1 (z < 0), 2 (z > 0)
    dispersion : str                 [interface.dispersion]  "debye" | "sine"
    models : tuple[Model, ...]   [[models]]  at least one, distinct labels
    temperatures : tuple[float, ...] [temperatures.values]  K, each finite > 0, distinct
    delta_T : float                  [temperatures.delta_T]  K; 0 = linear response
    packets_per_batch : int          [monte_carlo.packets_per_batch]  >= 1
    batches : int                    [monte_carlo.batches]  >= 2 (maximum)
    side : str                       [monte_carlo.side]  "both" | "1" | "2"
    rel_err_target : float           [monte_carlo.rel_err_target]  >= 0; 0 = run all batches
    checkpoint_every : int           [monte_carlo.checkpoint_every]  >= 1 batches
    threads : int                    [monte_carlo.threads]  0 = numba default, else >= 1
    spectral_bins, angle_bins : int  [tallies.*]  >= 1
    text : str                       the run-file text as read (provenance)
    source : pathlib.Path or None    absolute path of the run file, None for bare text

    Field checks run on construction, so ``replace(batches=0)`` raises too. ``text`` is
    not updated by `replace`: it stays the file the run started from.
    """

    name: str
    seed: int
    output: Path | None = None
    material_1: Material
    material_2: Material
    dispersion: str = "debye"
    models: tuple[Model, ...]
    temperatures: tuple[float, ...]
    delta_T: float = 0.0
    packets_per_batch: int = 200_000
    batches: int = 40
    side: str = "both"
    rel_err_target: float = 0.0
    checkpoint_every: int = 10
    threads: int = 0
    spectral_bins: int = 64
    angle_bins: int = 45
    text: str = field(default="", repr=False)
    source: Path | None = None

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        P = FIELD_PATHS
        # name
        if not isinstance(self.name, str) or not self.name.strip() or any(c in self.name for c in "/\\") \
                or self.name.strip() in (".", ".."):
            raise invalid(P["name"], self.name,
                           "name must be a non-empty string without path separators (it names out/<name>.h5)")
        put("name", self.name.strip())
        # seed
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or self.seed < 0:
            raise invalid(P["seed"], self.seed,
                           "the seed must be an integer >= 0 (every batch's random stream derives from it)")
        put("seed", int(self.seed))
        # output
        output = Path("out") / f"{self.name}.h5" if self.output is None else self.output
        if not isinstance(output, (str, os.PathLike)) or not os.fspath(output).strip():
            raise invalid(P["output"], self.output, "output must be a file path such as \"out/run.h5\"")
        output = Path(output).expanduser()
        if output.suffix.lower() not in OUTPUT_SUFFIXES:
            raise invalid(P["output"], self.output,
                           f"the results file is HDF5: its name must end in {' or '.join(OUTPUT_SUFFIXES)}")
        put("output", output.resolve())
        # materials
        for key in ("material_1", "material_2"):
            if not isinstance(getattr(self, key), Material):
                raise invalid(P[key], getattr(self, key),
                               "it must be a Material (phononmc.material(\"Si\") or phononmc.Material(...))")
        # dispersion
        if self.dispersion not in DISPERSIONS:
            raise invalid(P["dispersion"], self.dispersion,
                           f"valid dispersions are {', '.join(show(d) for d in DISPERSIONS)}")
        # models
        models = self.models
        if isinstance(models, Model):
            models = (models,)
        if not isinstance(models, (list, tuple)) or not models:
            raise invalid(P["models"], models, "give at least one model ([[models]] with a kind)")
        seen = {}
        for i, m in enumerate(models):
            if not isinstance(m, Model):
                raise invalid(f"models[{i}]", m, "each model must be a phononmc.landauer.Model")
            if m.label in seen:
                raise invalid(f"models[{i}]", m.label,
                               f"it repeats models[{seen[m.label]}]; each model must be distinct "
                               "(its label names its results)")
            seen[m.label] = i
            if m.needs_debye and self.dispersion != "debye":
                raise ValueError(
                    f"models[{i}].kind = {show(m.kind)} is invalid with {P['dispersion']} = "
                    f"{show(self.dispersion)}: "
                    + ("" if m.kind == "amm" else f"{m.kind} has a specular (AMM) part, and ")
                    + "the AMM is a continuum theory defined here only with Debye branches; "
                    'use dispersion = "debye", or kind = "dmm" for the sine dispersion'
                )
        put("models", tuple(models))
        # temperatures
        temps = self.temperatures
        if is_number(temps):
            temps = (temps,)
        if not isinstance(temps, (list, tuple)) or not temps:
            raise invalid(P["temperatures"], self.temperatures,
                           "give at least one temperature in K, e.g. values = [300.0]")
        out = []
        for i, t in enumerate(temps):
            why = "each temperature must be a finite number > 0 (kelvin)"
            t_f = real(f"{P['temperatures']}[{i}]", t, why)
            if t_f <= 0.0:
                raise invalid(f"{P['temperatures']}[{i}]", t, why)
            if t_f in out:
                raise invalid(f"{P['temperatures']}[{i}]", t,
                               f"it repeats {P['temperatures']}[{out.index(t_f)}]; list each temperature once")
            out.append(t_f)
        put("temperatures", tuple(out))
        # delta_T
        why = "delta_T must be a finite number >= 0 (kelvin; 0 = linear response)"
        dT = real(P["delta_T"], self.delta_T, why)
        if dT < 0.0:
            raise invalid(P["delta_T"], self.delta_T, why)
        t_min = min(out)
        if dT > 0.0 and t_min - dT / 2.0 <= 0.0:
            raise invalid(
                P["delta_T"], self.delta_T,
                f"the sides are held at T +- delta_T/2, and at the lowest temperature {t_min:g} K the cold "
                f"side would be at {t_min - dT / 2.0:g} K; delta_T must be < 2 min(T) = {2.0 * t_min:g} K "
                "(or 0 for linear response)",
            )
        put("delta_T", dT)
        # monte carlo
        put("packets_per_batch", _count(P["packets_per_batch"], self.packets_per_batch, 1,
                                        "the number of packets per batch must be an integer >= 1"))
        put("batches", _count(P["batches"], self.batches, 2,
                              "the number of batches must be an integer >= 2 "
                              "(a standard error needs at least two batches)"))
        side = self.side
        if isinstance(side, numbers.Integral) and not isinstance(side, bool):
            side = str(int(side))
        elif isinstance(side, str):
            side = side.strip().lower()
        if side not in SIDES:
            raise invalid(P["side"], self.side,
                           'side must be "both", 1 or 2 (the medium whose phonons are emitted toward the interface)')
        put("side", side)
        why = ("rel_err_target must be a finite number >= 0 (0 = run all batches; else stop a point once its "
               "relative standard error is at or below it)")
        target = real(P["rel_err_target"], self.rel_err_target, why)
        if target < 0.0:
            raise invalid(P["rel_err_target"], self.rel_err_target, why)
        put("rel_err_target", target)
        put("checkpoint_every", _count(P["checkpoint_every"], self.checkpoint_every, 1,
                                       "checkpoint_every counts batches between checkpoints: an integer >= 1"))
        put("threads", _count(P["threads"], self.threads, 0,
                              "threads must be 0 (numba's default) or an integer >= 1"))
        # tallies
        put("spectral_bins", _count(P["spectral_bins"], self.spectral_bins, 1,
                                    "the number of frequency bins must be an integer >= 1"))
        put("angle_bins", _count(P["angle_bins"], self.angle_bins, 1,
                                 "the number of angle bins must be an integer >= 1"))
        # provenance
        if not isinstance(self.text, str):
            raise invalid("text", self.text, "text must be the run file's text (a string)")
        if self.source is not None:
            put("source", Path(self.source).resolve())

    def replace(self, **changes) -> "RunConfig":
        """A copy with some fields changed (``cfg.replace(batches=4)``), validated again."""
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------- reading


def load(path) -> RunConfig:
    """Read and validate the run file at `path`; relative paths inside resolve from its folder."""
    path = Path(path)
    where = f"run file {path}"
    if not path.exists():
        raise ValueError(f"{where}: no such file (looked for {path.resolve()})")
    if not path.is_file():
        raise ValueError(f"{where}: not a file (expected a TOML run file such as runs/quickstart.toml)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ValueError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    return parse(text, base_dir=path.parent, source=path)


def parse(text: str, base_dir=".", source=None) -> RunConfig:
    """Validate run-file `text`; a relative output resolves from `base_dir`.

    `source` (the run file's path, or None) is kept for provenance, names the file in
    error messages, and gives the default name (its stem).
    """
    where = f"run file {source}" if source is not None else "run text"
    try:
        return _parse(text, Path(base_dir), source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _parse(text: str, base_dir: Path, source) -> RunConfig:
    if not isinstance(text, str):
        raise ValueError(f"the run-file text must be a string, got {type(text).__name__}")
    doc = tomllib.loads(text)
    _check_keys(doc, _TOP_KEYS, "at the top level")

    name = doc.get("name", Path(source).stem if source is not None else "run")
    if "seed" not in doc:
        raise ValueError("seed is missing: give an integer >= 0 (seed = 12345); it makes the run reproducible")

    interface = _table(doc, "interface", required=True)
    _check_keys(interface, _INTERFACE_KEYS, "in [interface]")
    mats = {key: _material(f"interface.{key}", interface, key) for key in ("material_1", "material_2")}

    temperatures = _table(doc, "temperatures", required=True)
    _check_keys(temperatures, _TEMPERATURE_KEYS, "in [temperatures]")
    if "values" not in temperatures:
        raise ValueError("temperatures.values is missing: give the temperatures in K, e.g. values = [300.0]")
    if not isinstance(temperatures["values"], list):
        raise invalid("temperatures.values", temperatures["values"],
                       "values must be an array of temperatures in K, e.g. values = [300.0]")

    mc = _table(doc, "monte_carlo", required=False)
    _check_keys(mc, _MC_KEYS, "in [monte_carlo]")
    tallies = _table(doc, "tallies", required=False)
    _check_keys(tallies, _TALLY_KEYS, "in [tallies]")

    output = doc.get("output")
    if output is None:
        output = base_dir / "out" / f"{name}.h5" if isinstance(name, str) else None
    elif isinstance(output, str) and output.strip():
        output = Path(output).expanduser()
        output = output if output.is_absolute() else base_dir / output
    # else: RunConfig reports the bad value

    return RunConfig(
        name=name,
        seed=doc["seed"],
        output=output,
        dispersion=interface.get("dispersion", "debye"),
        models=_models(doc),
        temperatures=tuple(temperatures["values"]),
        **mats,
        **({"delta_T": temperatures["delta_T"]} if "delta_T" in temperatures else {}),
        **mc,
        **tallies,
        text=text,
        source=source,
    )


def _material(path: str, table: dict, key: str) -> Material:
    if key not in table:
        raise ValueError(
            f"{path} is missing: give a database name such as \"Si\" or an inline table "
            f"{{ {', '.join(f'{k} = ...' for k in _MATERIAL_REQUIRED)} }}"
        )
    value = table[key]
    if isinstance(value, str):
        try:
            return material(value)
        except KeyError as exc:
            raise invalid(path, value, exc.args[0]) from None
    if isinstance(value, dict):
        _check_keys(value, _MATERIAL_FIELDS, f"in {path}")
        missing = [k for k in _MATERIAL_REQUIRED if k not in value]
        if missing:
            raise ValueError(
                f"{path} is missing key(s) {', '.join(missing)}: an inline material needs "
                f"{', '.join(_MATERIAL_REQUIRED)} (SI units)"
            )
        try:
            return Material(**value)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    raise invalid(path, value, f"give a database name ({', '.join(materials())}) or an inline table of Material fields")


def _models(doc: dict) -> tuple[Model, ...]:
    example = 'add at least one model: [[models]] then kind = "amm" on the next line'
    if "models" not in doc:
        raise ValueError(f"models is missing: {example}")
    entries = doc["models"]
    if not isinstance(entries, list) or not entries:
        raise invalid("models", entries, example)
    specs = []
    for i, entry in enumerate(entries):
        path = f"models[{i}]"
        if not isinstance(entry, dict):
            raise invalid(path, entry, f'each model is a table with a kind, e.g. [[models]] kind = "amm"')
        _check_keys(entry, _MODEL_KEYS, f"in [[models]] number {i + 1} ({path})")
        if "kind" not in entry:
            raise ValueError(f"{path}.kind is missing: valid model kinds are {', '.join(MODEL_KINDS)}")
        try:
            specs.append(Model(**entry))
        except ValueError as exc:
            raise ValueError(f"{path}.{exc}") from None
    return tuple(specs)
