"""Numba's on-disk cache of the kernels, invalidated by any change to the package source.

Numba checks a cached kernel only against the file that defines it, but the kernels inline
building blocks from other modules (`events`, `emission`, `rng`, `models`' codes): after an
edit to `events.py` alone, `interface._transport` would load stale machine code. Here the
kernels of this package are stamped with a hash of every ``phononmc/**/*.py`` file instead,
so any change to the package recompiles them (the user's ``NUMBA_CACHE_DIR`` still decides
where the cache lives). Imported by `phononmc.mc` before any kernel is defined.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parents[1]


def source_stamp(root: Path) -> str:
    """SHA-256 of the names and contents of every ``*.py`` file under `root`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


#: The stamp of every cached kernel of this package.
SOURCE_STAMP = source_stamp(PACKAGE)


def _stamped(locator):
    """`locator` restricted to this package's functions, stamped with SOURCE_STAMP."""

    class PackageLocator(locator):
        def get_source_stamp(self):
            return SOURCE_STAMP

        @classmethod
        def from_function(cls, py_func, py_file):
            if not py_func.__module__.startswith(f"{PACKAGE.name}."):
                return None
            return super().from_function(py_func, py_file)

    PackageLocator.__name__ = f"Package{locator.__name__}"
    return PackageLocator


def _install():
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # public name since numba 0.62
    user = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
    in_tree = getattr(caching, "InTreeCacheLocator", None) or caching._InTreeCacheLocator
    if not any(getattr(c, "__name__", "").startswith("Package") for c in impl._locator_classes):
        impl._locator_classes[:0] = [_stamped(user), _stamped(in_tree)]


_install()
