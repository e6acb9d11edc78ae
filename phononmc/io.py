"""Results files (HDF5): a versioned schema with provenance, written atomically.

Layout of a file (schema_version 2: Monte Carlo tallies as weighted sums per score)::

    /                       attrs: filetype = "phononmc-results", schema_version = 2,
                                   kind ("analytic", "montecarlo", ...), provenance
                                   (phononmc_version, git_commit, created, seed, threads,
                                   run_file, ...) and any caller attrs
    /<group>                one group per computed point (a model, a temperature, ...)
        attrs               scalars, strings, small arrays
        <dataset>           array, with attr units ("1" when dimensionless)

The same functions serve the analytic CLI and the Monte Carlo drivers:

    io.write("out.h5", "analytic", {"amm": {"attrs": {"model": "amm"},
                                            "datasets": {"T": (T, "K"), "G": (G, "W m^-2 K^-1")}}})
    res = io.read("out.h5", kind="analytic")
    G, units = res.groups["amm"].datasets["G"]

`read` refuses files of another type or schema version, and damaged (e.g. truncated)
files, with a message that names what is wrong; `write` never leaves a half-written
target: it writes a temporary file in the same directory and renames it over the target
only on success. A process that rewrites a file over time (a Monte Carlo run) holds
`locked(path)` meanwhile; `lock_holder(path)` tells whether one still does.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import platform
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

FILETYPE = "phononmc-results"
SCHEMA_VERSION = 2

#: Root attributes owned by the schema; callers may not set them through ``attrs``.
RESERVED_ATTRS = ("filetype", "schema_version", "kind")


# --------------------------------------------------------------------------- provenance


def _git_commit() -> str | None:
    """SHA of HEAD of the git tree holding this package's source, or None.

    None when git is missing, the tree has no commit yet, or the package is not inside a
    git work tree of its own (e.g. installed into site-packages).
    """
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "HEAD"],
            cwd=here, capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2:
        return None
    toplevel, commit = lines
    # Only trust a repository that actually holds this package (not, say, an unrelated
    # repository that happens to contain a virtual environment with phononmc installed).
    if Path(toplevel).resolve() / here.name != here:
        return None
    return commit


def provenance(run_text: str | None = None, seed: int | None = None, threads: int | None = None) -> dict:
    """Where a result came from: a dict to pass to `write` as ``provenance``.

    Keys: phononmc_version, git_commit (None outside a git checkout), created (ISO 8601,
    UTC), python_version, numpy_version, seed, threads, run_file (the full text of the
    run file). `write` omits the entries that are None.
    """
    import phononmc  # late import: phononmc/__init__ may import this module

    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed = {seed!r} is not an integer")
    if threads is not None and (not isinstance(threads, (int, np.integer)) or threads < 1):
        raise ValueError(f"threads = {threads!r} is invalid; it must be an integer >= 1")
    if run_text is not None and not isinstance(run_text, str):
        raise ValueError(f"run_text must be the text of the run file (a str), got {type(run_text).__name__}")
    return {
        "phononmc_version": phononmc.__version__,
        "git_commit": _git_commit(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "seed": None if seed is None else int(seed),
        "threads": None if threads is None else int(threads),
        "run_file": run_text,
    }


_make_provenance = provenance  # `write` has a parameter of the same name


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Group:
    """One group of a results file.

    attrs : dict of name -> str, int, float, bool or np.ndarray.
    datasets : dict of name -> (np.ndarray, units string).
    """

    attrs: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        """The array of dataset ``name`` (without its units)."""
        return self.datasets[name][0]

    def units(self, name: str) -> str:
        """Units string of dataset ``name``."""
        return self.datasets[name][1]


@dataclass(frozen=True)
class Results:
    """Contents of a results file: root ``attrs`` (schema + provenance) and ``groups``."""

    attrs: dict
    groups: dict

    @property
    def kind(self) -> str:
        return self.attrs["kind"]

    def __getitem__(self, name: str) -> Group:
        return self.groups[name]


# --------------------------------------------------------------------------- writing


def _check_name(what: str, name) -> str:
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{what} name {name!r} is invalid; it must be a non-empty string without '/'")
    return name


def _set_attrs(obj, attrs: dict, where: str) -> None:
    for key, value in attrs.items():
        _check_name(f"attribute of {where}:", key)
        if value is None:
            continue  # HDF5 has no None; absent means unknown
        if isinstance(value, dict):
            raise TypeError(f"attribute {key!r} of {where} is a dict; store it as a JSON string")
        obj.attrs[key] = value


def _write_groups(f: h5py.File, groups: dict) -> None:
    for gname, content in groups.items():
        _check_name("group", gname)
        content = dict(content or {})
        unknown = set(content) - {"attrs", "datasets"}
        if unknown:
            raise ValueError(f"group {gname!r}: unknown keys {sorted(unknown)}; valid: 'attrs', 'datasets'")
        g = f.create_group(gname)
        _set_attrs(g, content.get("attrs") or {}, f"group {gname!r}")
        for dname, entry in (content.get("datasets") or {}).items():
            _check_name(f"dataset in group {gname!r}:", dname)
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise ValueError(
                    f"dataset {gname}/{dname} must be given as (array, units), got {type(entry).__name__}; "
                    'use units "1" for dimensionless data'
                )
            data, units = entry
            if not isinstance(units, str) or not units.strip():
                raise ValueError(f"dataset {gname}/{dname}: units = {units!r} is invalid; "
                                 'give a units string such as "K", or "1" if dimensionless')
            ds = g.create_dataset(dname, data=np.asarray(data))
            ds.attrs["units"] = units


def write(path, kind: str, groups: dict, attrs: dict | None = None, provenance: dict | None = None) -> Path:
    """Write a results file atomically; returns its path.

    Parameters
    ----------
    path : target file; replaced only once the new file is complete.
    kind : what the file holds, e.g. "analytic" or "montecarlo" (root attr ``kind``).
    groups : {group_name: {"attrs": {...}, "datasets": {name: (array, units)}}}.
    attrs : extra root attributes (may not be filetype, schema_version or kind).
    provenance : dict from `provenance()`; None records `provenance()` made now
        (package version, git commit, date). Entries that are None are omitted.
    """
    path = Path(path)
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind = {kind!r} is invalid; it must be a non-empty string such as 'analytic'")
    if not isinstance(groups, dict):
        raise ValueError(f"groups must be a dict {{name: {{'attrs': ..., 'datasets': ...}}}}, got {type(groups).__name__}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"directory {path.parent} does not exist")
    attrs = dict(attrs or {})
    prov = _make_provenance() if provenance is None else dict(provenance)
    for source, d in (("attrs", attrs), ("provenance", prov)):
        clash = [k for k in d if k in RESERVED_ATTRS]
        if clash:
            raise ValueError(f"{source} may not set {clash}: the schema owns {', '.join(RESERVED_ATTRS)}")
    clash = sorted(set(attrs) & set(prov))
    if clash:
        raise ValueError(f"attrs {clash} clash with provenance entries of the same name")

    with atomic_target(path) as tmp:
        with h5py.File(tmp, "x") as f:
            f.attrs["filetype"] = FILETYPE
            f.attrs["schema_version"] = SCHEMA_VERSION
            f.attrs["kind"] = kind
            _set_attrs(f, prov, "the root (provenance)")
            _set_attrs(f, attrs, "the root")
            _write_groups(f, groups)
        with open(tmp, "rb+") as fh:  # data on disk before the rename makes it visible
            os.fsync(fh.fileno())
    return path


@contextmanager
def atomic_target(path):
    """Yield a fresh temporary path beside ``path``; on success rename it over ``path``,
    on any error remove it, so ``path`` is never left half-written.

    Same directory, so os.replace is an atomic rename on one filesystem.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- lock


def _lock_path(path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path):
    """Hold the lock of results file ``path`` (``.<name>.lock`` beside it, holding our pid)
    while a run writes it; raises ValueError if another process holds it.

    An flock: the kernel releases it when the process ends, however it ends, so a killed
    run leaves at most a stale file that `lock_holder` reads as unheld.
    """
    lock = _lock_path(path)
    for attempt in range(20):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = lock_holder(path)
            if holder is not None:
                raise ValueError(f"{path} is being written by another phononmc run (pid {holder or '?'}); "
                                 "wait for it to finish, or choose another output") from None
            time.sleep(0.05)  # only a reader's brief probe was in the way
            continue
        if os.path.exists(lock) and os.path.samestat(os.fstat(fd), os.stat(lock)):
            break
        os.close(fd)  # the previous holder removed this file after we opened it: lock the new one
    else:
        raise ValueError(f"{path}: cannot take the lock {lock}; remove it if no phononmc run is writing {path}")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        lock.unlink(missing_ok=True)  # before unlocking, so nobody can lock a file that is about to vanish
        os.close(fd)


def lock_holder(path) -> int | None:
    """The pid of the process holding `locked` (``path``) (0 until it has written its pid),
    or None if no process holds it."""
    try:
        fd = os.open(_lock_path(path), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        return None
    finally:
        os.close(fd)  # also releases the probe's shared lock


# --------------------------------------------------------------------------- reading


def _plain(value):
    """HDF5 attribute value -> str, int, float, bool, list of str or np.ndarray."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OSU":
            return [_plain(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_dataset(ds) -> np.ndarray:
    data = ds[()]
    if ds.dtype.kind == "O" or h5py.check_string_dtype(ds.dtype) is not None:
        data = ds.asstr()[()]
    return np.asarray(data)


def read(path, kind: str | None = None) -> Results:
    """Read a results file written by `write`.

    Raises ValueError, naming the file and the problem, when the file is missing, is not
    HDF5, is damaged or truncated, is not a phononmc results file, has another schema
    version, or (if ``kind`` is given) holds another kind of results.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    if not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not an HDF5 file, so not a phononmc results file")
    try:
        return _read(path, kind)
    except (OSError, RuntimeError, KeyError, UnicodeDecodeError) as exc:  # what h5py raises on a damaged file
        reason = " ".join(str(exc).split())
        raise ValueError(f"{path} is damaged or incomplete (e.g. a truncated copy); HDF5 says: {reason}") from None


def _read(path: Path, kind: str | None) -> Results:
    with h5py.File(path, "r") as f:
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
        filetype = attrs.get("filetype")
        if filetype != FILETYPE:
            raise ValueError(f"{path} is not a phononmc results file (filetype = {filetype!r}, expected {FILETYPE!r})")
        version = attrs.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(_version_message(path, version, attrs.get("phononmc_version")))
        if kind is not None and attrs.get("kind") != kind:
            raise ValueError(f"{path} holds {attrs.get('kind')!r} results, expected {kind!r}")
        groups = {}
        for gname, g in f.items():
            if not isinstance(g, h5py.Group):
                continue
            datasets = {}
            for dname, ds in g.items():
                if isinstance(ds, h5py.Dataset):
                    datasets[dname] = (_read_dataset(ds), _plain(ds.attrs.get("units", "")))
            groups[gname] = Group(attrs={k: _plain(v) for k, v in g.attrs.items()}, datasets=datasets)
    return Results(attrs=attrs, groups=groups)


def _version_message(path, version, writer) -> str:
    import phononmc

    if version is None:
        return f"{path} has no schema_version attribute; it is damaged or was not written by phononmc.io.write"
    by = f" by phononmc {writer}" if writer else ""
    here = f"this phononmc ({phononmc.__version__}) reads schema_version {SCHEMA_VERSION}"
    if isinstance(version, (int, float)) and version > SCHEMA_VERSION:
        advice = f"upgrade phononmc to a release that reads schema_version {version}"
        if writer:
            advice += f" (phononmc {writer} or newer)"
    elif writer:
        advice = f"read it with phononmc {writer}, which wrote it"
    else:
        advice = f"read it with the phononmc release that writes schema_version {version!r}"
    return f"{path} has schema_version = {version!r} (written{by}), but {here}; {advice}"
