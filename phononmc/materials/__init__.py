"""Materials: the `Material` record and the built-in database (`database.toml`).

Every database entry cites where its numbers come from (`source`).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from phononmc.materials.material import Material

__all__ = ["Material", "material", "materials"]


@lru_cache(maxsize=1)
def _database() -> dict[str, Material]:
    text = resources.files("phononmc.materials").joinpath("database.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    return {name: Material(name=name, **fields) for name, fields in table.items()}


def materials() -> tuple[str, ...]:
    """Names of the built-in materials, in database order."""
    return tuple(_database())


def material(name: str) -> Material:
    """Built-in material by name (case-insensitive), e.g. ``material("Si")``."""
    db = _database()
    if name in db:
        return db[name]
    folded = {k.lower(): v for k, v in db.items()}
    if isinstance(name, str) and name.lower() in folded:
        return folded[name.lower()]
    raise KeyError(f"unknown material {name!r}; built-in materials are: {', '.join(db)}")
