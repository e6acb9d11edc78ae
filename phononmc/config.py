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

In Python each table is a frozen dataclass — `InterfaceConfig`, `TemperaturesConfig`,
`MonteCarloConfig`, `TalliesConfig` — held by `RunConfig` (the top level) under the
table's name: ``cfg.monte_carlo.batches``. Each field checks its value on construction
and knows its run-file path, so direct construction and ``cfg.replace(**{"monte_carlo.batches":
4})`` give the same errors as a run file. The table fields of `RunConfig` are the one
list of tables: a new table is a dataclass plus one line, e.g.
``slab: SlabConfig | None = _table(SlabConfig, required=False, absent=None)``.

The checks are hand-written on plain dataclasses. pydantic 2 was weighed and not taken:
nearly every field needs a reason of its own in its message, so its built-in constraints
("Input should be greater than or equal to 2") would all be replaced by custom validators
plus a layer translating its errors back to one line; its lax mode accepts what we reject
(``batches = "3"``, ``true`` as 1, ``nan`` floats); and it would be a new compiled
dependency for no fewer lines.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, ClassVar

from phononmc.bulk import Scattering, mean_free_path, scattering, scattering_materials
from phononmc.models import MODEL_KINDS, Model
from phononmc.dispersion import DISPERSIONS
from phononmc.validation import invalid, real, show
from phononmc.materials import Material, material, materials

__all__ = ["RunConfig", "InterfaceConfig", "TemperaturesConfig", "MonteCarloConfig", "TalliesConfig",
           "SlabConfig", "LayersConfig", "LayerSpec", "SurfaceSpec", "load", "parse", "SIDES"]

#: Which medium emits phonons toward the interface.
SIDES = ("both", 1, 2)
#: Thickest slab layer, in mean free paths, a run accepts (each packet scatters ~this often).
MAX_MFP_PER_LAYER = 1e4
#: Suffixes accepted for the HDF5 results file.
OUTPUT_SUFFIXES = (".h5", ".hdf5")

_MATERIAL_FIELDS = tuple(f.name for f in fields(Material))
_MATERIAL_REQUIRED = tuple(f.name for f in fields(Material) if f.default is MISSING)
_MODEL_KEYS = tuple(f.name for f in fields(Model))
_MATERIAL_MISSING = ('give a database name such as "Si" or an inline table '
                     f"{{ {', '.join(f'{k} = ...' for k in _MATERIAL_REQUIRED)} }}")

#: A field check: (run-file path, value) -> the stored value, or ValueError naming the path.
_Check = Callable[[str, Any], Any]


def _check_keys(table: dict, valid: tuple[str, ...], where: str) -> None:
    """Reject keys not in `valid`; `where` completes the message ("in [tallies]")."""
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown key {key!r} {where}; valid keys: {', '.join(valid)}{hint}")


def _field(check: _Check, default=MISSING, *, missing: str = "", run_file: bool = True, **kwargs):
    """A table field stored as ``check(path, value)``. `missing` completes "<path> is missing: ..."
    when a required key is absent; run_file=False: not a run-file key (provenance)."""
    return field(default=default, metadata={"check": check, "missing": missing, "run_file": run_file}, **kwargs)


# --------------------------------------------------------------------------- field checks


def _count(minimum: int, why: str) -> _Check:
    """An integer >= minimum; integral floats (2e5) are accepted."""
    def check(path, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise invalid(path, value, why)
        if not isinstance(value, numbers.Integral) and not (math.isfinite(value) and float(value).is_integer()):
            raise invalid(path, value, why)
        if int(value) < minimum:
            raise invalid(path, value, why)
        return int(value)
    return check


def _non_negative(why: str) -> _Check:
    """A finite float >= 0."""
    def check(path, value):
        if real(path, value, why) < 0.0:
            raise invalid(path, value, why)
        return float(value)
    return check


def _name(path, value) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "/\\") \
            or value.strip() in (".", ".."):
        raise invalid(path, value, "name must be a non-empty string without path separators "
                                   "(it names out/<name>.h5)")
    return value.strip()


def _seed(path, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < 2**64:
        raise invalid(path, value, "the seed must be an integer in [0, 2^64) (every batch's random stream "
                                   "derives from it, as a 64-bit key)")
    return int(value)


def _output(path, value) -> Path | None:
    """An absolute .h5/.hdf5 path; None stays None (RunConfig puts out/<name>.h5)."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value).strip():
        raise invalid(path, value, "output must be a file path such as \"out/run.h5\"")
    output = Path(value).expanduser()
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise invalid(path, value, f"the results file is HDF5: its name must end in {' or '.join(OUTPUT_SUFFIXES)}")
    return output.resolve()


def _material(path, value) -> Material:
    """A Material, a database name, or a table of Material fields."""
    if isinstance(value, Material):
        return value
    if isinstance(value, str):
        try:
            return material(value)
        except KeyError as exc:
            raise invalid(path, value, exc.args[0]) from None
    if isinstance(value, dict):
        _check_keys(value, _MATERIAL_FIELDS, f"in {path}")
        missing = [k for k in _MATERIAL_REQUIRED if k not in value]
        if missing:
            raise ValueError(f"{path} is missing key(s) {', '.join(missing)}: an inline material needs "
                             f"{', '.join(_MATERIAL_REQUIRED)} (SI units)")
        try:
            return Material(**value)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    raise invalid(path, value, f"give a database name ({', '.join(materials())}), an inline table of Material "
                               "fields, or a phononmc.Material")


def _dispersion(path, value) -> str:
    if value not in DISPERSIONS:
        raise invalid(path, value, f"valid dispersions are {', '.join(show(d) for d in DISPERSIONS)}")
    return value


_MODELS_EXAMPLE = 'add at least one model: [[models]] then kind = "amm" on the next line'


def model_table(where: str, entry, context: str) -> Model:
    """A Model from itself or a [[models]] table (errors name `where`.<key>)."""
    if isinstance(entry, dict):
        _check_keys(entry, _MODEL_KEYS, context)
        if "kind" not in entry:
            raise ValueError(f"{where}.kind is missing: valid model kinds are {', '.join(MODEL_KINDS)}")
        try:
            entry = Model(**entry)
        except ValueError as exc:
            raise ValueError(f"{where}.{exc}") from None
    if not isinstance(entry, Model):
        raise invalid(where, entry, 'each model is a phononmc.models.Model or a table with a kind, '
                                    'e.g. [[models]] kind = "amm"')
    return entry


def _models(path, value) -> tuple[Model, ...]:
    """Distinct Models, each a Model or a [[models]] table."""
    if isinstance(value, Model):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid(path, value, _MODELS_EXAMPLE)
    models, seen = [], {}
    for i, entry in enumerate(value):
        where = f"{path}[{i}]"
        entry = model_table(where, entry, f"in [[models]] number {i + 1} ({where})")
        if entry.label in seen:
            raise invalid(where, entry.label, f"it repeats {path}[{seen[entry.label]}]; each model must be distinct "
                                              "(its label names its results)")
        seen[entry.label] = i
        models.append(entry)
    return tuple(models)


def _temperatures(path, value) -> tuple[float, ...]:
    """Distinct finite temperatures > 0 (K)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid(path, value, "values must be a non-empty array of temperatures in K, e.g. values = [300.0]")
    out = []
    why = "each temperature must be a finite number > 0 (kelvin)"
    for i, t in enumerate(value):
        if real(f"{path}[{i}]", t, why) <= 0.0:
            raise invalid(f"{path}[{i}]", t, why)
        if float(t) in out:
            raise invalid(f"{path}[{i}]", t, f"it repeats {path}[{out.index(float(t))}]; list each temperature once")
        out.append(float(t))
    return tuple(out)


def _side(path, value) -> str | int:
    """One of SIDES; the strings "1" and "2" are read as 1 and 2."""
    side = value.strip().lower() if isinstance(value, str) else value
    side = int(side) if side in ("1", "2") else side
    if isinstance(side, bool) or not isinstance(side, (str, numbers.Integral)) or side not in SIDES:
        raise invalid(path, value,
                      'side must be "both", 1 or 2 (the medium whose phonons are emitted toward the interface)')
    return side if side == "both" else int(side)


def _text(path, value) -> str:
    if not isinstance(value, str):
        raise invalid(path, value, "text must be the run file's text (a string)")
    return value


def _source(path, value) -> Path | None:
    return None if value is None else Path(value).resolve()


# --------------------------------------------------------------------------- tables


class _Table:
    """Base of the table dataclasses: each field passes through its check with its run-file
    path (``TABLE.field``), then `_check_together` runs the checks that span fields."""

    #: The table's name in the run file ("" for the top level); RunConfig's field has the same name.
    TABLE: ClassVar[str] = ""

    @classmethod
    def path(cls, name: str) -> str:
        """Run-file path of field `name`, as error messages name it."""
        return f"{cls.TABLE}.{name}" if cls.TABLE else name

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, f.metadata["check"](self.path(f.name), getattr(self, f.name)))
        self._check_together()

    def _check_together(self) -> None:
        """Checks that involve several fields of this table."""

    @classmethod
    def from_toml(cls, table: dict, **extra):
        """Build from a parsed TOML table (unknown or missing keys are errors); `extra`: non-run-file fields."""
        keys = tuple(f.name for f in fields(cls) if f.metadata["run_file"])
        _check_keys(table, keys, f"in [{cls.TABLE}]" if cls.TABLE else "at the top level")
        for f in fields(cls):
            if f.name in keys and f.name not in table and f.default is MISSING and f.default_factory is MISSING:
                what = f"[{f.name}]" if "table" in f.metadata else cls.path(f.name)
                raise ValueError(f"{what} is missing: {f.metadata['missing']}")
        return cls(**table, **extra)

    def replace(self, **changes):
        """A validated copy with some fields changed. A dotted name changes a field of a table:
        ``cfg.replace(**{"monte_carlo.batches": 4})``."""
        nested = {}
        for key in [k for k in changes if "." in k]:
            head, rest = key.split(".", 1)
            nested.setdefault(head, {})[rest] = changes.pop(key)
        names = tuple(f.name for f in fields(self))
        _check_keys({**changes, **nested}, names, f"in {type(self).__name__}.replace")
        for head, sub in nested.items():
            table = changes.get(head, getattr(self, head))
            if not isinstance(table, _Table):
                raise ValueError(f"{self.path(head)} is not a table: write {self.path(head)}=... without a dot")
            changes[head] = table.replace(**sub)
        return dataclasses.replace(self, **changes)

    def differences(self, other) -> list[str]:
        """Run-file paths of the fields whose values differ from `other` (same class), tables field by field."""
        changed = []
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, _Table):
                changed += mine.differences(theirs)
            elif mine != theirs:
                changed.append(self.path(f.name))
        return changed


def _table(cls: type[_Table], required: bool, absent=MISSING):
    """A RunConfig field holding table `cls`: an instance or a dict of its fields; optional
    tables default to all-default values, or to `absent` (e.g. None: a table whose presence
    selects what is run, like [slab])."""
    def check(path, value):
        if isinstance(value, cls) or (absent is not MISSING and value is absent):
            return value
        if isinstance(value, dict):
            return cls.from_toml(value)
        raise invalid(path, value, f"{path} must be a table: write [{path}] on its own line and its keys below it")
    if absent is not MISSING:
        return field(default=absent, metadata={"check": check, "missing": "", "run_file": True, "table": cls})
    return field(default_factory=MISSING if required else cls,
                 metadata={"check": check, "missing": f"the run file needs a [{cls.TABLE}] table",
                           "run_file": True, "table": cls})


@dataclass(frozen=True, kw_only=True)
class InterfaceConfig(_Table):
    """[interface]: material_1 (z < 0) and material_2 (z > 0), each a Material, a database
    name or a dict of Material fields (material_2 is left out for a single-layer slab);
    dispersion "debye" | "sine"."""

    TABLE = "interface"
    material_1: Material = _field(_material, missing=_MATERIAL_MISSING)
    material_2: Material | None = _field(lambda path, value: None if value is None else _material(path, value), None)
    dispersion: str = _field(_dispersion, "debye")


@dataclass(frozen=True, kw_only=True)
class TemperaturesConfig(_Table):
    """[temperatures]: values (K, distinct, each > 0); delta_T (K, 0 = linear response, else
    the sides are held at T +- delta_T/2, so delta_T < 2 min(values))."""

    TABLE = "temperatures"
    values: tuple[float, ...] = _field(_temperatures, missing="give the temperatures in K, e.g. values = [300.0]")
    delta_T: float = _field(_non_negative("delta_T must be a finite number >= 0 (kelvin; 0 = linear response)"), 0.0)

    def _check_together(self):
        t_min = min(self.values)
        if self.delta_T > 0.0 and t_min - self.delta_T / 2.0 <= 0.0:
            raise invalid(
                self.path("delta_T"), self.delta_T,
                f"the sides are held at T +- delta_T/2, and at the lowest temperature {t_min:g} K the cold "
                f"side would be at {t_min - self.delta_T / 2.0:g} K; delta_T must be < 2 min(T) = {2.0 * t_min:g} K "
                "(or 0 for linear response)",
            )


@dataclass(frozen=True, kw_only=True)
class MonteCarloConfig(_Table):
    """[monte_carlo]: packets_per_batch >= 1; batches >= 2 (the maximum); side "both" | 1 | 2
    (the emitting medium); rel_err_target >= 0 (0 = run all batches, else stop a point once
    its relative standard error is at or below it); checkpoint_every >= 1 batches;
    threads (0 = numba's default)."""

    TABLE = "monte_carlo"
    packets_per_batch: int = _field(_count(1, "the number of packets per batch must be an integer >= 1"), 200_000)
    batches: int = _field(_count(2, "the number of batches must be an integer >= 2 "
                                    "(a standard error needs at least two batches)"), 40)
    side: str | int = _field(_side, "both")
    rel_err_target: float = _field(_non_negative(
        "rel_err_target must be a finite number >= 0 (0 = run all batches; else stop a point once its "
        "relative standard error is at or below it)"), 0.0)
    checkpoint_every: int = _field(_count(1, "checkpoint_every counts batches between checkpoints: an integer >= 1"),
                                   10)
    threads: int = _field(_count(0, "threads must be 0 (numba's default) or an integer >= 1"), 0)

    @property
    def sides(self) -> tuple[int, ...]:
        """The emitting media: (1, 2), (1,) or (2,)."""
        return (1, 2) if self.side == "both" else (self.side,)


@dataclass(frozen=True, kw_only=True)
class TalliesConfig(_Table):
    """[tallies]: spectral_bins (frequency) and angle_bins (polar angle), each >= 1; for rough
    interfaces hit_bins (>= 2) and cone_deg, the specular cone's half-angle (degrees)."""

    TABLE = "tallies"
    spectral_bins: int = _field(_count(1, "the number of frequency bins must be an integer >= 1"), 64)
    angle_bins: int = _field(_count(1, "the number of angle bins must be an integer >= 1"), 45)
    hit_bins: int = _field(_count(2, "hit_bins counts surface hits 0 .. n - 2 and n - 1 or more: an integer >= 2"),
                           16)
    cone_deg: float = _field(_non_negative("cone_deg is the half-angle (degrees) of the specular cone: a number "
                                           "in (0, 90)"), 3.0)

    def _check_together(self):
        if not 0.0 < self.cone_deg < 90.0:
            raise invalid(self.path("cone_deg"), self.cone_deg,
                          "cone_deg is the half-angle (degrees) of the specular cone: a number in (0, 90)")


#: [[surfaces]] kinds: the constructor in `mc.surfaces` and its run-file keys (kind aside).
SURFACE_KINDS = {"flat": ("period",), "sinusoid": ("amplitude", "period", "cells", "two_d"),
                 "sawtooth": ("facet_angle_deg", "period", "two_d"),
                 "gaussian": ("rms", "correlation_length", "period", "cells", "seed")}


@dataclass(frozen=True)
class SurfaceSpec:
    """One [[surfaces]] table: kind and its constructor's arguments (sorted (key, value) pairs)."""

    kind: str
    params: tuple

    def build(self):
        """The `mc.surfaces.PeriodicSurface`."""
        from phononmc.mc import surfaces  # numba kernels: loaded only when a surface is built

        return getattr(surfaces, self.kind)(**dict(self.params))


def _surfaces(path, value) -> tuple[SurfaceSpec, ...]:
    """Distinct [[surfaces]] tables, each checked by building it."""
    if value == ():
        return ()
    example = 'e.g. [[surfaces]] then kind = "gaussian", rms = 1e-9, correlation_length = 10e-9, period = 100e-9'
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid(path, value, f"surfaces is an array of tables, {example}")
    out = []
    for i, entry in enumerate(value):
        where = f"{path}[{i}]"
        if isinstance(entry, SurfaceSpec):
            out.append(entry)
            continue
        if not isinstance(entry, dict):
            raise invalid(where, entry, f"each surface is a table, {example}")
        if "kind" not in entry:
            raise ValueError(f"{where}.kind is missing: valid kinds are {', '.join(SURFACE_KINDS)}")
        kind = entry["kind"]
        if kind not in SURFACE_KINDS:
            raise invalid(f"{where}.kind", kind, f"valid surface kinds are {', '.join(SURFACE_KINDS)}")
        _check_keys(entry, ("kind",) + SURFACE_KINDS[kind], f"in {where} (a {kind} surface)")
        spec = SurfaceSpec(kind, tuple(sorted((k, v) for k, v in entry.items() if k != "kind")))
        try:
            spec.build()
        except TypeError as exc:  # a required argument missing
            raise ValueError(f"{where}: {exc}; a {kind} surface takes {', '.join(SURFACE_KINDS[kind])}") from None
        except ValueError as exc:
            raise ValueError(f"{where}.{exc}") from None
        if spec in out:
            raise invalid(where, entry, f"it repeats {path}[{out.index(spec)}]; list each surface once")
        out.append(spec)
    return tuple(out)


_THICKNESS_WHY = ("thickness is [L1, L2] in m (medium 1, medium 2), [L] for one layer of material_1, or a list "
                  "of such pairs for a thickness series, e.g. [[50e-9, 50e-9], [100e-9, 100e-9]]; each L > 0")


def _thickness(path, value) -> tuple[tuple[float, float], ...]:
    """Slab thicknesses: one [L1, L2] / [L] or a list of them; L2 = 0.0 marks a single layer."""
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid(path, value, _THICKNESS_WHY)
    rows = value if all(isinstance(v, (list, tuple)) for v in value) else [value]
    out = []
    for i, row in enumerate(rows):
        where = f"{path}[{i}]" if rows is value else path
        if not isinstance(row, (list, tuple)) or len(row) not in (1, 2):
            raise invalid(where, row, _THICKNESS_WHY)
        for k, L in enumerate(row):
            if real(f"{where}[{k}]", L, _THICKNESS_WHY) <= 0.0:
                raise invalid(f"{where}[{k}]", L, _THICKNESS_WHY)
        pair = (float(row[0]), float(row[1]) if len(row) == 2 else 0.0)
        if pair in out:
            raise invalid(where, row, f"it repeats {path}[{out.index(pair)}]; list each thickness once")
        out.append(pair)
    if len({p[1] == 0.0 for p in out}) > 1:
        raise invalid(path, value, "a series is all bilayers [L1, L2] or all single layers [L], not a mix")
    return tuple(out)


def _cells(path, value) -> tuple[int, int]:
    """Cells per layer: one integer for both, or [n1, n2]."""
    why = "cells is the number of equal cells per layer: an integer >= 1, or [n1, n2] for the two layers"
    values = value if isinstance(value, (list, tuple)) else [value, value]
    if len(values) not in (1, 2):
        raise invalid(path, value, why)
    counts = [_count(1, why)(f"{path}[{i}]" if values is value else path, v) for i, v in enumerate(values)]
    return (counts[0], counts[-1])


def _scattering(path, value) -> Scattering | str:
    """"database" (the material's cited coefficients) or a table of `bulk.Scattering` fields."""
    if isinstance(value, Scattering) or value == "database":
        return value
    if isinstance(value, dict):
        keys = tuple(f.name for f in fields(Scattering))
        _check_keys(value, keys, f"in {path}")
        try:
            return Scattering(**value)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    raise invalid(path, value, '"database" (the material\'s built-in coefficients) or a table such as '
                               "{ mfp = 1e-7 } (gray, m) or { impurity = ..., umklapp = ..., umklapp_theta = ..., "
                               "boundary = ... } (s^3, s/K, K, m)")


@dataclass(frozen=True, kw_only=True)
class SlabConfig(_Table):
    """[slab]: the simulated experiment (phononmc.mc.slab). thickness: [L1, L2] (m), [L] (one
    layer of material_1), or a list of them (a thickness series, one point each); cells: per
    layer (int or [n1, n2]); scattering_1, scattering_2: "database" or a bulk.Scattering table;
    exclude: the far-field fits skip this many mean free paths next to walls and interface."""

    TABLE = "slab"
    thickness: tuple = _field(_thickness, missing=_THICKNESS_WHY)
    cells: tuple = _field(_cells, (40, 40))
    scattering_1: Scattering | str = _field(_scattering, "database")
    scattering_2: Scattering | str = _field(_scattering, "database")
    exclude: float = _field(_non_negative("exclude must be a finite number >= 0 (mean free paths)"), 3.0)

    @property
    def layered(self) -> bool:
        """True for bilayers (an interface), False for single layers."""
        return self.thickness[0][1] > 0.0


_STACK_WHY = ('stack is an array of layers between material_1 and material_2, in order from material_1, e.g. '
              'stack = [{ material = "Al", thickness = 2e-9 }]; a layer graded linearly between its neighbours is '
              '{ graded = true, thickness = 10e-9, sublayers = 20 }; thickness in m (> 0), or an array of '
              'thicknesses for one layer (a series)')
_LAYER_KEYS = ("material", "thickness", "scattering", "graded", "sublayers", "cells")
#: Most sublayers of a graded layer in the Monte Carlo (each interface carries its own AMM tables).
MAX_SUBLAYERS = 200


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a [layers] stack.

    material : a Material, or None for a graded layer (its neighbours set it).
    thickness : (m,) one value, or the values of a thickness series (at most one layer has several).
    scattering : None (ballistic), "database" or a `bulk.Scattering`.
    sublayers : uniform sublayers of a graded layer (0: a plain layer). cells : tally cells (per sublayer).
    """

    material: Material | None
    thickness: tuple
    scattering: Scattering | str | None
    sublayers: int
    cells: int


def _layer(where: str, entry) -> LayerSpec:
    if isinstance(entry, LayerSpec):
        return entry
    if not isinstance(entry, dict):
        raise invalid(where, entry, _STACK_WHY)
    _check_keys(entry, _LAYER_KEYS, f"in {where}")
    graded = entry.get("graded", False)
    if not isinstance(graded, bool):
        raise invalid(f"{where}.graded", graded, "graded is true (a layer graded linearly between its neighbours) "
                                                 "or false")
    if graded == ("material" in entry):
        raise ValueError(f"{where}: give either material (a uniform layer) or graded = true, not "
                         f"{'both' if graded else 'neither'}")
    if "thickness" not in entry:
        raise ValueError(f"{where}.thickness is missing: the layer thickness in m, e.g. thickness = 2e-9")
    values = entry["thickness"] if isinstance(entry["thickness"], (list, tuple)) else [entry["thickness"]]
    why = "each thickness is a number of metres > 0 (e.g. 2e-9), or an array of them for a series"
    if not values:
        raise invalid(f"{where}.thickness", entry["thickness"], why)
    for k, h in enumerate(values):
        at = f"{where}.thickness" + (f"[{k}]" if isinstance(entry["thickness"], (list, tuple)) else "")
        if real(at, h, why) <= 0.0:
            raise invalid(at, h, why)
    if len(set(values)) < len(values):
        raise invalid(f"{where}.thickness", entry["thickness"], "list each thickness of a series once")
    if "sublayers" in entry and not graded:
        raise invalid(f"{where}.sublayers", entry["sublayers"], "sublayers applies only to a graded layer")
    sublayers = _count(1, f"sublayers is the number of uniform sublayers of the graded layer: an integer from 1 "
                          f"to {MAX_SUBLAYERS}")(f"{where}.sublayers", entry.get("sublayers", 20)) if graded else 0
    if sublayers > MAX_SUBLAYERS:
        raise invalid(f"{where}.sublayers", sublayers, f"at most {MAX_SUBLAYERS} sublayers (each interface keeps "
                                                       "its own AMM tables in the Monte Carlo)")
    scat = entry.get("scattering", "none")
    scat = None if scat == "none" else _scattering(f"{where}.scattering", scat)
    cells = _count(1, "cells is the number of tally cells per layer (per sublayer of a graded layer): an integer "
                      ">= 1")(f"{where}.cells", entry.get("cells", 4))
    return LayerSpec(None if graded else _material(f"{where}.material", entry["material"]),
                     tuple(float(h) for h in values), scat, sublayers, cells)


def _stack(path, value) -> tuple[LayerSpec, ...]:
    """The layers of a stack: at least one; at most one with a thickness series; no two graded
    layers side by side (a graded layer takes its ends from its neighbours)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid(path, value, _STACK_WHY)
    layers = tuple(_layer(f"{path}[{i}]", entry) for i, entry in enumerate(value))
    series = [i for i, layer in enumerate(layers) if len(layer.thickness) > 1]
    if len(series) > 1:
        raise invalid(f"{path}[{series[1]}].thickness", list(layers[series[1]].thickness),
                      f"only one layer may have a thickness series ({path}[{series[0]}] has one already)")
    for i in range(len(layers) - 1):
        if layers[i].sublayers and layers[i + 1].sublayers:
            raise invalid(f"{path}[{i + 1}].graded", True, "two graded layers side by side have no material "
                                                           "between them to take their ends from")
    return layers


@dataclass(frozen=True, kw_only=True)
class LayersConfig(_Table):
    """[layers]: a stack between the half-spaces material_1 and material_2 (phononmc.mc.multilayer):
    the incoherent Monte Carlo (interface events by the [[models]] rules, bulk scattering where a
    layer has it) beside the coherent wave transmission. stack: `LayerSpec`s from material_1 on;
    n_omega, n_angle: quadrature nodes of the coherent G per frequency and slowness piece."""

    TABLE = "layers"
    stack: tuple = _field(_stack, missing=_STACK_WHY)
    n_omega: int = _field(_count(4, "n_omega is the number of frequency nodes per piece of the coherent G: an "
                                    "integer >= 4"), 16)
    n_angle: int = _field(_count(4, "n_angle is the number of slowness nodes per piece of the coherent G: an "
                                    "integer >= 4"), 32)

    @property
    def variants(self) -> tuple[tuple[float, ...], ...]:
        """The thicknesses of every layer (m) for each point of the series (one tuple if none)."""
        series = next((i for i, layer in enumerate(self.stack) if len(layer.thickness) > 1), None)
        if series is None:
            return (tuple(layer.thickness[0] for layer in self.stack),)
        return tuple(tuple(h if i == series else layer.thickness[0] for i, layer in enumerate(self.stack))
                     for h in self.stack[series].thickness)


def _default_output(name: str) -> Path:
    return Path("out") / f"{name}.h5"


@dataclass(frozen=True, kw_only=True)
class RunConfig(_Table):
    """A validated run. Construct it with `load` or `parse`; `replace` makes a changed copy.

    name : str               label of the run; names the default output
    seed : int               >= 0
    output : pathlib.Path    absolute path of the HDF5 results file (default out/<name>.h5)
    interface : InterfaceConfig          [interface]
    models : tuple[models.Model, ...]  [[models]]: at least one, distinct labels (none for one slab layer)
    temperatures : TemperaturesConfig    [temperatures]
    monte_carlo : MonteCarloConfig       [monte_carlo]
    tallies : TalliesConfig              [tallies]
    slab : SlabConfig or None            [slab]: present, the run is a slab (mc.slab), not a bare interface
    layers : LayersConfig or None        [layers]: present, the run is a multilayer stack (mc.multilayer)
    surfaces : tuple[SurfaceSpec, ...]   [[surfaces]]: present, the interface is rough (mc.rough)
    text : str               the run-file text as read (provenance)
    source : pathlib.Path or None  absolute path of the run file, None for bare text

    Tables may be given as dicts of their fields. ``text`` is not updated by `replace`: it
    stays the file the run started from.
    """

    name: str = _field(_name)
    seed: int = _field(_seed, missing="give an integer >= 0 (seed = 12345); it makes the run reproducible")
    output: Path | None = _field(_output, None)
    interface: InterfaceConfig = _table(InterfaceConfig, required=True)
    models: tuple[Model, ...] = _field(lambda path, value: () if value == () else _models(path, value), ())
    temperatures: TemperaturesConfig = _table(TemperaturesConfig, required=True)
    monte_carlo: MonteCarloConfig = _table(MonteCarloConfig, required=False)
    tallies: TalliesConfig = _table(TalliesConfig, required=False)
    slab: SlabConfig | None = _table(SlabConfig, required=False, absent=None)
    layers: LayersConfig | None = _table(LayersConfig, required=False, absent=None)
    surfaces: tuple[SurfaceSpec, ...] = _field(_surfaces, ())
    text: str = _field(_text, "", run_file=False, repr=False)
    source: Path | None = _field(_source, None, run_file=False)

    def _check_together(self):
        if self.output is None:
            object.__setattr__(self, "output", _output(self.path("output"), _default_output(self.name)))
        self._check_layers()
        for i, m in enumerate(self.models):
            where = "[[surfaces]]" if self.surfaces else "[layers]" if self.layers is not None else None
            if m.inelastic is not None and where:
                raise invalid(f"models[{i}].inelastic", m.inelastic.label,
                              f"the inelastic channel is simulated at a flat single interface (a bare interface or "
                              f"a [slab] bilayer), not with {where}: remove it from this run")
        dispersion = self.interface.dispersion
        for i, m in enumerate(self.models):
            if m.needs_debye and dispersion != "debye":
                raise ValueError(
                    f"models[{i}].kind = {show(m.kind)} is invalid with {InterfaceConfig.path('dispersion')} = "
                    f"{show(dispersion)}: "
                    + ("" if m.kind == "amm" else f"{m.kind} has a specular (AMM) part, and ")
                    + "the AMM is a continuum theory defined here only with Debye branches; "
                    'use dispersion = "debye", or kind = "dmm" for the sine dispersion'
                )

    def _check_layers(self):
        """One medium and no model for a single-layer slab; two media and models otherwise;
        slab runs need Debye branches, both walls and scattering coefficients."""
        single = self.slab is not None and not self.slab.layered
        m2 = self.interface.path("material_2")
        if single and self.interface.material_2 is not None:
            raise invalid(m2, self.interface.material_2.name,
                          "a single-layer slab (slab.thickness = [L]) is material_1 alone: remove material_2, "
                          "or give two thicknesses [L1, L2]")
        if single and self.models:
            raise invalid("models", [str(m) for m in self.models], "a single-layer slab has no interface: "
                          "remove the [[models]] tables, or give two thicknesses [L1, L2]")
        if not single and self.interface.material_2 is None:
            raise ValueError(f"{m2} is missing: {_MATERIAL_MISSING}")
        if not single and not self.models:
            raise ValueError(f"models is missing: {_MODELS_EXAMPLE}")
        if self.layers is not None:
            self._check_stack()
        if self.surfaces and self.slab is not None:
            raise invalid("surfaces", [sp.kind for sp in self.surfaces],
                          "a run is a bare or rough interface, or a slab: [[surfaces]] and [slab] exclude each other")
        if self.surfaces and self.interface.dispersion != "debye":
            raise invalid(self.interface.path("dispersion"), self.interface.dispersion,
                          'rough interfaces use Debye branches: use dispersion = "debye"')
        if self.slab is None:
            return
        if self.interface.dispersion != "debye":
            raise invalid(self.interface.path("dispersion"), self.interface.dispersion,
                          'slab runs use Debye branches (the bulk relaxation times are defined for them): '
                          'use dispersion = "debye"')
        if self.monte_carlo.side != "both":
            raise invalid(self.monte_carlo.path("side"), self.monte_carlo.side,
                          'a slab always runs both walls: leave side out (or "both")')
        for i, m in ((1, self.interface.material_1), (2, self.interface.material_2)):
            if m is not None and self.scattering(i) is None:
                raise invalid(self.slab.path(f"scattering_{i}"), "database",
                              f"there are no built-in scattering coefficients for {m.name!r} "
                              f"(materials with coefficients: {', '.join(scattering_materials())}); "
                              "give a table such as { mfp = 1e-7 }")
        for i, m in ((1, self.interface.material_1), (2, self.interface.material_2)):
            if m is None:
                continue
            for T in self.temperatures.values:
                mfp = mean_free_path(m, self.scattering(i), T)
                for k, pair in enumerate(self.slab.thickness):
                    if pair[i - 1] / mfp > MAX_MFP_PER_LAYER:
                        raise invalid(f"{self.slab.path('thickness')}[{k}]", list(pair),
                                      f"layer {i} is {pair[i - 1] / mfp:.3g} mean free paths thick at T = {T:g} K "
                                      f"(mean free path {mfp:.3g} m): a packet would scatter about that many times; "
                                      f"at most {MAX_MFP_PER_LAYER:g} (thicknesses are in metres)")

    def _check_stack(self):
        """A [layers] run: two solid half-spaces, Debye branches, both walls, no [slab] or
        [[surfaces]]; "database" scattering only for database materials, and not too thick."""
        for other, present in (("slab", self.slab is not None), ("surfaces", bool(self.surfaces))):
            if present:
                raise invalid(other, "...", f"[layers] and [{other}] exclude each other: a run is one geometry")
        if self.interface.dispersion != "debye":
            raise invalid(self.interface.path("dispersion"), self.interface.dispersion,
                          'multilayer runs use Debye branches: use dispersion = "debye"')
        if self.monte_carlo.side != "both":
            raise invalid(self.monte_carlo.path("side"), self.monte_carlo.side,
                          'a multilayer run always sends packets from both half-spaces: leave side out (or "both")')
        path = self.layers.path("stack")
        named = [(self.interface.path(f"material_{i}"), getattr(self.interface, f"material_{i}")) for i in (1, 2)]
        named += [(f"{path}[{i}].material", layer.material) for i, layer in enumerate(self.layers.stack)]
        for where, m in named:
            if m is not None and m.is_liquid:
                raise invalid(where, m.name, "stacks are built of solids (the coherent stack solves the elastic "
                                             "wave equation of solids); liquids are not supported in [layers]")
        for i, layer in enumerate(self.layers.stack):
            s = self.stack_scattering(i)
            where = f"{path}[{i}].scattering"
            if layer.scattering == "database" and s is None:
                what = ("a graded layer's sublayers are not in the database" if layer.material is None else
                        f"there are no built-in scattering coefficients for {layer.material.name!r}")
                raise invalid(where, "database", f"{what}; give a table such as {{ mfp = 1e-7 }}, or \"none\"")
            if s is None or layer.material is None:
                continue
            for T in self.temperatures.values:
                mfp = mean_free_path(layer.material, s, T)
                if max(layer.thickness) / mfp > MAX_MFP_PER_LAYER:
                    raise invalid(f"{path}[{i}].thickness", max(layer.thickness),
                                  f"the layer is {max(layer.thickness) / mfp:.3g} mean free paths thick at T = {T:g} K; "
                                  f"at most {MAX_MFP_PER_LAYER:g} (thicknesses are in metres)")

    def stack_scattering(self, i: int) -> Scattering | None:
        """The `bulk.Scattering` of layer i of [layers] (None: ballistic, or "database" without coefficients)."""
        layer = self.layers.stack[i]
        if layer.scattering != "database":
            return layer.scattering
        m = layer.material
        if m is None or m.name.lower() not in {n.lower() for n in scattering_materials()}:
            return None
        return scattering(m.name)

    def scattering(self, i: int) -> Scattering | None:
        """The `bulk.Scattering` of medium i (1, 2): the slab's table, or the database's (None if absent)."""
        s = getattr(self.slab, f"scattering_{i}")
        if s != "database":
            return s
        m = getattr(self.interface, f"material_{i}")
        return scattering(m.name) if m.name.lower() in {n.lower() for n in scattering_materials()} else None


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
        if not isinstance(text, str):
            raise ValueError(f"the run-file text must be a string, got {type(text).__name__}")
        doc = tomllib.loads(text)
        name = doc.setdefault("name", Path(source).stem if source is not None else "run")
        output = doc.get("output", _default_output(name.strip()) if isinstance(name, str) else None)
        if isinstance(output, (str, Path)) and str(output).strip():
            doc["output"] = Path(base_dir) / Path(output).expanduser()
        return RunConfig.from_toml(doc, text=text, source=source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
