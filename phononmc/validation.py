"""Error messages that name the field, the bad value (as it would be written in a run file)
and what would be valid, e.g. ``models[0].p = 1.5 is invalid: ... in [0, 1]``."""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any


def show(value: Any) -> str:
    """A value as it would be written in TOML (strings in double quotes, true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, os.PathLike)):
        return json.dumps(os.fspath(value), ensure_ascii=False)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + " }"
    return " ".join(repr(value).split())


def invalid(path: str, value: Any, why: str) -> ValueError:
    return ValueError(f"{path} = {show(value)} is invalid: {why}")


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def real(path: str, value: Any, why: str) -> float:
    """A finite float, or `invalid` with reason `why`."""
    if not is_number(value) or not math.isfinite(float(value)):
        raise invalid(path, value, why)
    return float(value)
