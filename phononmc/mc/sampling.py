"""Random streams and emission tables for the Monte Carlo kernels.

Random numbers: xoshiro256** (Blackman & Vigna, ACM TOMS 47, 36 (2021)), seeded through
splitmix64 from (seed, point, side, batch). Every batch owns its stream, so a run is
bit-identical for any thread count.

Emission: a packet leaving medium a towards the interface is drawn from the linearized
emitted energy flux per unit area and kelvin,

    F_aj(ω) dω dμ² = (1/4) ħω D_aj(ω) v_aj(ω) w(ω) dω · dμ²,     (μ² uniform on [0, 1)),

with w = ∂n/∂T (linear response) or a finite-difference of Bose occupations (finite
ΔT). The (ω, branch) part is tabulated on cells whose edges include every branch cutoff:
a cell is picked with Walker's alias method (O(1)), then ω inside it from the linear
interpolant of F w. Each packet carries the same energy G_emit/N, G_emit = ΣF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.quadrature import X_MAX, gauss_cosine

U64 = nb.uint64
#: Cells per emission table; the break points (cutoffs) are added to these.
N_CELLS = 256
#: Gauss nodes per cell for the cell masses.
N_GAUSS = 8


# ---------------------------------------------------------------- random streams
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
def _stream(seed, key1, key2, key3):
    """xoshiro256** state (uint64[4]) for the stream named by (seed, key1, key2, key3)."""
    mix = U64(0xD1B54A32D192ED03)
    _, x = _splitmix64(U64(seed) ^ (U64(key1) * mix))
    _, x = _splitmix64(x ^ (U64(key2) * mix))
    _, x = _splitmix64(x ^ (U64(key3) * mix))
    state = np.empty(4, dtype=np.uint64)
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


# ---------------------------------------------------------------- alias method
def alias_table(weights):
    """Walker/Vose alias table for sampling index i with probability weights[i]/Σweights.

    Returns (prob, alias): float64 and int64 arrays of len(weights).
    """
    w = np.asarray(weights, dtype=float)
    n = len(w)
    scaled = w * n / w.sum()
    prob = np.zeros(n)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, l = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], l
        scaled[l] -= 1.0 - scaled[s]
        (small if scaled[l] < 1.0 else large).append(l)
    for i in small + large:  # leftovers are 1 up to round-off
        prob[i] = 1.0
    return prob, alias


@nb.njit(cache=True, inline="always", error_model="numpy")
def _linear_in_cell(a, b, u):
    """x ∈ [0, 1) with density ∝ a + (b − a) x (a, b ≥ 0), by inverting its CDF."""
    d = b - a
    if abs(d) <= 1e-9 * (a + b):
        return u
    return (math.sqrt(a * a + (b * b - a * a) * u) - a) / d


# ---------------------------------------------------------------- emission tables
@dataclass(frozen=True)
class EmissionTable:
    """Emission distribution of one medium at one temperature point.

    entries: (K, 6) float64, one row per (cell, branch) k = cell · n_branches + branch:
    [alias probability, alias index, ω_lo (rad s⁻¹), cell width (rad s⁻¹), density at ω_lo,
    density at ω_lo + width].
    branch: (K,) int64. mass: (n_cells, n_branches) emitted flux per cell (W m⁻² K⁻¹).
    g_emit: total emitted flux per kelvin (W m⁻² K⁻¹); top: highest ω sampled (rad s⁻¹).
    """

    entries: np.ndarray
    branch: np.ndarray
    mass: np.ndarray
    g_emit: float
    top: float


def emission_table(m_emit, m_other, weight, t_max, dispersion="debye", n_cells=N_CELLS) -> EmissionTable:
    """Tabulate the emission density of `m_emit` for occupation weight `weight(ω)` (K⁻¹).

    t_max (K): the highest temperature in the weight; frequencies above X_MAX k_B t_max/ħ
    are not emitted. Cell edges include all cutoffs of both media below that.
    """
    bs = branches(m_emit, dispersion)
    cut_all = [b.omega_cutoff for m in (m_emit, m_other) for b in branches(m, dispersion)]
    top = min(max(b.omega_cutoff for b in bs), X_MAX * K_B * t_max / HBAR)
    edges = np.unique(np.concatenate([np.linspace(0.0, top, n_cells + 1), [c for c in cut_all if c < top]]))
    lo, width = edges[:-1], np.diff(edges)
    t, wt = gauss_cosine(0.0, 1.0, N_GAUSS)

    def density(w):  # (n_branches, *w.shape): (1/4) ħω D v w(ω)
        return 0.25 * HBAR * w * np.stack([b.dos_velocity(w) for b in bs]) * weight(w)

    nodes = lo[:, None] + width[:, None] * t[None, :]
    mass = np.clip((density(nodes) * wt * width[:, None]).sum(axis=-1).T, 0.0, None)  # (n_cells, n_branches)
    # Edge densities just inside each cell, so a cutoff at an edge belongs to the cell below it.
    f_lo = density(lo + 1e-12 * width).T.ravel()
    f_hi = density(lo + (1.0 - 1e-12) * width).T.ravel()
    prob, alias = alias_table(mass.ravel())
    nb_ = len(bs)
    cell = np.repeat(np.arange(len(lo)), nb_)
    entries = np.column_stack([prob, alias.astype(float), lo[cell], width[cell], f_lo, f_hi])
    branch = np.tile(np.arange(nb_, dtype=np.int64), len(lo))
    return EmissionTable(np.ascontiguousarray(entries), branch, mass, float(mass.sum()), float(top))


@nb.njit(cache=True, inline="always", error_model="numpy")
def _draw_frequency(state, rows, stride):
    """(ω, entry k) from flattened rows of `stride` columns whose first six are those of
    `EmissionTable.entries`; two uniforms. The branch is `EmissionTable.branch[k]`.
    (Flat indexing: numba's multi-dimensional indexing costs more than the draw itself.)"""
    x = _uniform(state) * (rows.shape[0] // stride)
    k = int(x)
    if x - k >= rows[k * stride]:
        k = int(rows[k * stride + 1])
    r = k * stride
    u = _linear_in_cell(rows[r + 4], rows[r + 5], _uniform(state))
    return rows[r + 2] + u * rows[r + 3], k
