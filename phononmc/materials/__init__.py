"""Materials: the `Material` record and the built-in database (`database.toml`).

Every database entry cites where its numbers come from (`source`). A material table may
hold subtables (``[Si.scattering]``: the bulk relaxation-time coefficients read by
`phononmc.bulk`); they are set aside, not passed to `Material`.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from phononmc.materials.material import Material

__all__ = ["Material", "material", "materials"]

#: Subtables a material entry may hold, and the module that reads each.
SUBTABLES = ("scattering",)  # phononmc.bulk


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict]:
    text = resources.files("phononmc.materials").joinpath("database.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _database() -> dict[str, Material]:
    return {name: Material(name=name, **{k: v for k, v in fields.items() if k not in SUBTABLES})
            for name, fields in _tables().items()}


def subtables(key: str) -> dict[str, dict]:
    """{material name: its ``[name.key]`` subtable} over the database entries that have one, in database order."""
    if key not in SUBTABLES:
        raise ValueError(f"subtable {key!r} is not known; valid: {', '.join(SUBTABLES)}")
    return {name: dict(fields[key]) for name, fields in _tables().items() if key in fields}


def find(entries: dict, name: str):
    """The value of `entries` under `name`, matched exactly or else case-insensitively; None if absent."""
    if name in entries:
        return entries[name]
    if isinstance(name, str):
        return {k.lower(): v for k, v in entries.items()}.get(name.lower())
    return None


def materials() -> tuple[str, ...]:
    """Names of the built-in materials, in database order."""
    return tuple(_database())


def material(name: str) -> Material:
    """Built-in material by name (case-insensitive), e.g. ``material("Si")``."""
    db = _database()
    found = find(db, name)
    if found is None:
        raise KeyError(f"unknown material {name!r}; built-in materials are: {', '.join(db)}")
    return found
