"""Emission tables: where a packet's frequency and branch come from.

A packet leaving medium a towards a surface (an interface side, a wall) is drawn from
the linearized emitted energy flux per unit area and kelvin,

    F_aj(ω) dω dμ² = (1/4) ħω D_aj(ω) v_aj(ω) w(ω) dω · dμ²,     (μ² uniform on [0, 1)),

with w = ∂n/∂T (linear response) or a finite-difference of Bose occupations (finite
ΔT). A packet re-emitted after a bulk collision is drawn from the energy scattered per
unit volume and time, ħω D_aj w / τ_aj = C_aj(ω)/τ_aj(ω) (Péraud & Hadjiconstantinou,
Phys. Rev. B 84, 205331 (2011)): the same table with the factor 1/4 replaced by
1/(τ_aj v_aj) (`emission_table(..., factor=...)`), and an isotropic direction. The (ω, branch) part is tabulated on cells whose edges include every branch cutoff:
a cell is picked with Walker's alias method (O(1)), then ω inside it from the linear
interpolant of F w. Each packet carries the same energy G_emit/N, G_emit = ΣF. The
direction (μ² uniform: Lambert emission) is the kernel's business, not the table's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.mc.rng import _uniform
from phononmc.quadrature import X_MAX, gauss_cosine

#: Cells per emission table; the break points (cutoffs) are added to these.
N_CELLS = 256
#: Gauss nodes per cell for the cell masses.
N_GAUSS = 8


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
#: Columns of a kernel row: the six of `EmissionTable.entries`, the branch and the band:
#: 64 bytes, one cache line for everything a packet draws from its entry.
STRIDE = 8


class Emission(NamedTuple):
    """Kernel input: an emission table aimed at one interface, as one flat array.

    rows : (K · STRIDE,) float64; row k = `EmissionTable.entries[k]`, then the branch of
        entry k, then the interface's frequency band (`events._band`) of its cell —
        constant over the cell, whose edges include every cutoff — so a kernel knows the
        band of a fresh packet without searching for it.
    """

    rows: np.ndarray


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

    def kernel_input(self, band_edges: np.ndarray) -> Emission:
        """The `Emission` for packets aimed at an interface with frequency band edges
        `band_edges` (rad s⁻¹, sorted; `events.Interface.band_edges`)."""
        rows = np.empty((self.entries.shape[0], STRIDE))
        rows[:, :6] = self.entries
        rows[:, 6] = self.branch
        rows[:, 7] = np.searchsorted(band_edges, self.entries[:, 2] + 0.5 * self.entries[:, 3], side="right")
        return Emission(rows.ravel())


def emission_table(m_emit, m_other, weight, t_max, dispersion="debye", n_cells=N_CELLS,
                   factor=None) -> EmissionTable:
    """Tabulate the emission density of `m_emit` for occupation weight `weight(ω)` (K⁻¹).

    t_max (K): the highest temperature in the weight; frequencies above X_MAX k_B t_max/ħ
    are not emitted. Cell edges include all cutoffs of both media below that.
    factor(j, ω) : per-branch spectral factor (array in ω) replacing the 1/4 of surface
    emission, e.g. 1/(τ_j v_j) (m⁻¹) for re-emission after bulk scattering; then `g_emit`
    is Σ_j ∫ C_j/τ_j dω (W m⁻³ K⁻¹).
    """
    bs = branches(m_emit, dispersion)
    cut_all = [b.omega_cutoff for m in (m_emit, m_other) for b in branches(m, dispersion)]
    top = min(max(b.omega_cutoff for b in bs), X_MAX * K_B * t_max / HBAR)
    edges = np.unique(np.concatenate([np.linspace(0.0, top, n_cells + 1), [c for c in cut_all if c < top]]))
    lo, width = edges[:-1], np.diff(edges)
    t, wt = gauss_cosine(0.0, 1.0, N_GAUSS)

    def density(w):  # (n_branches, *w.shape): (1/4) ħω D v w(ω), or ħω D v factor_j(ω) w(ω)
        dv = [b.dos_velocity(w) * (0.25 if factor is None else factor(j, w)) for j, b in enumerate(bs)]
        return HBAR * w * np.stack(dv) * weight(w)

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
def _draw_frequency(state, emission):
    """(ω (rad s⁻¹), branch, band) from an `Emission`; two uniforms: the alias cell, then ω
    inside it. (Flat indexing: numba's multi-dimensional indexing costs more than the draw.)"""
    rows = emission.rows
    x = _uniform(state) * (rows.shape[0] // STRIDE)
    k = int(x)
    if x - k >= rows[k * STRIDE]:
        k = int(rows[k * STRIDE + 1])
    r = k * STRIDE
    u = _linear_in_cell(rows[r + 4], rows[r + 5], _uniform(state))
    return rows[r + 2] + u * rows[r + 3], int(rows[r + 6]), int(rows[r + 7])
