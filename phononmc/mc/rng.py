"""Random streams: xoshiro256** (Blackman & Vigna, ACM TOMS 47, 36 (2021)) seeded through
splitmix64 (Steele, Lea & Flood, OOPSLA 2014) from (seed, point, emitter, batch).

Every batch owns its stream, named by the run's seed, the point (model, temperature), the
emitter and the batch index — never by the thread that runs it — so a run is
bit-identical for any thread count, and a resumed run continues the same streams.
An emitter is anything that launches packets: an interface side, a wall, a layer, a side
of a rough interface. `emitter_key` gives each a distinct key, so a new kind of emitter never
reuses a stream: a rough-interface run ("rough", side) and a bare one ("side", side) with
the same seed and point draw different packets. Kinds are only ever appended.
"""

from __future__ import annotations

import numba as nb
import numpy as np

U64 = nb.uint64
#: Emitter kinds and their key ranges (`emitter_key`).
EMITTER_KINDS = ("side", "wall", "layer", "rough")


def emitter_key(kind: str, number: int) -> int:
    """Stream key of emitter `number` (e.g. interface side 1 or 2, wall 1 or 2) of `kind`:
    (index of kind in EMITTER_KINDS) · 2³² + number."""
    if kind not in EMITTER_KINDS:
        raise ValueError(f"emitter kind = {kind!r} is not known; valid: {', '.join(EMITTER_KINDS)}")
    if not 0 <= int(number) < 2**32:
        raise ValueError(f"emitter number = {number!r} is invalid; it must be in [0, 2^32)")
    return (EMITTER_KINDS.index(kind) << 32) | int(number)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _rotl(x, k):
    return (x << U64(k)) | (x >> U64(64 - k))


@nb.njit(cache=True, inline="always", error_model="numpy")
def _splitmix64(x):
    """One splitmix64 step (Steele, Lea & Flood 2014): returns (next state, output)."""
    x = x + U64(0x9E3779B97F4A7C15)
    z = x
    z = (z ^ (z >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> U64(27))) * U64(0x94D049BB133111EB)
    return x, z ^ (z >> U64(31))


@nb.njit(cache=True, error_model="numpy")
def _stream(seed, point, emitter, batch):
    """xoshiro256** state (uint64[4]) for the stream named by (seed, point, emitter, batch)."""
    mix = U64(0xD1B54A32D192ED03)
    _, x = _splitmix64(U64(seed) ^ (U64(point) * mix))
    _, x = _splitmix64(x ^ (U64(emitter) * mix))
    _, x = _splitmix64(x ^ (U64(batch) * mix))
    # The four words sit in the middle of 192 bytes, so no other thread's data shares their
    # cache line (a shared line costs half the throughput on two threads: false sharing).
    state = np.empty(24, dtype=np.uint64)[8:12]
    for i in range(4):
        x, state[i] = _splitmix64(x)
    return state


@nb.njit(cache=True, inline="always", error_model="numpy")
def _uniform(s):
    """Next double in [0, 1) from xoshiro256** state s (updated in place)."""
    result = _rotl(s[1] * U64(5), 7) * U64(9)
    t = s[1] << U64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return (result >> U64(11)) * (1.0 / 9007199254740992.0)
