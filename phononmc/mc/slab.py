"""The simulated experiment: a bilayer slab between two black walls, with bulk scattering.

Geometry (1D in z, laterally infinite, 3D directions): medium 1 on [−L₁, 0], medium 2 on
[0, L₂], black isothermal walls at z = −L₁ (T + ΔT/2) and z = L₂ (T − ΔT/2). With L₂ = 0
there is one layer of medium 1 on [−L₁, 0] and no interface.

Method: steady-state, linearized, deviational Monte Carlo of independent trajectories
(Péraud & Hadjiconstantinou, Phys. Rev. B 84, 205331 (2011); Appl. Phys. Lett. 101,
153114 (2012)). The reference equilibrium is T everywhere; wall 1 emits packets of
weight +1 carrying the occupation excess of T + ΔT/2, wall 2 packets of weight −1
carrying the deficit of T − ΔT/2 (`emission.emission_table`, Lambert directions). A
packet flies a free path drawn from its relaxation time, ℓ = −v_j τ_j(ω) ln u, and then

* is re-emitted with ω and branch from the local-equilibrium scattering distribution
  ∝ C_j(ω)/τ_j(ω) and an isotropic direction, keeping its weight — energy is conserved
  collision by collision (the relaxation-time collision linearized about T);
* or meets the interface first: `events._interface_event` with the normal ẑ (every normal
  is parallel, so SV/SH labels carry over and the azimuth is never needed);
* or meets a wall first, which absorbs it.

Scores per batch (`slab_layout`; signed packet weights): absorbed[wall 1, wall 2]; crossed
(net weight through the interface, + for 1 → 2); per cell, by track length ℓ_k (the path
length inside cell k), energy Σ w ℓ_k / v, pseudo Σ w ℓ_k / (v τ) and flux Σ w Δz_k (signed
z-progress through the cell); collisions and interface hits (counts). One unit of weight
stands for g_emit / (2N) (W m⁻² per kelvin of ΔT) of the wall that emitted it, so per
kelvin of ΔT and per cell of width Δz_k:

    q = unit · crossed,  u_k = unit · energy_k / Δz_k,  T_k − T = ΔT u_k / C,
    T̃_k − T = ΔT unit · pseudo_k / (Δz_k Σ_j∫C_j/τ_j dω)   (pseudo-temperature).

Finite ΔT: the walls emit the exact occupation differences; the collision operator is
linearized about T (error of first order in ΔT/T in the bulk).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc.dispersion import branches
from phononmc.mc.emission import Emission, EmissionTable, _draw_frequency, emission_table
from phononmc.mc.events import Interface, _interface_event
from phononmc.mc.rng import U64, _stream, _uniform, emitter_key
from phononmc.mc.tallies import Layout
from phononmc.models import Specularity
from phononmc.quadrature import bose_derivative, occupation_weight


class SlabScores(NamedTuple):
    """Offsets of the slab scores in a batch's vector (see `slab_layout`)."""

    absorbed: int
    crossed: int
    energy: int
    pseudo: int
    flux: int
    collisions: int
    hits: int


#: Scores whose covariance the measured jump needs (flux and both temperature profiles).
CORRELATED = ("crossed", "energy", "pseudo")


def slab_layout(cells: int) -> Layout:
    """The scores of the slab kernel for `cells` cells in all (medium 1 first)."""
    return Layout(SlabScores, {"absorbed": (2,), "crossed": (), "energy": (cells,), "pseudo": (cells,),
                               "flux": (cells,), "collisions": (), "hits": ()})


class Geometry(NamedTuple):
    """Kernel input: walls at z = lo (wall 1) and hi (wall 2) (m); an interface at z = 0 if
    `layered`, else one layer [lo, hi = 0]. cells1, cells2: equal cells per medium (cells2 = 0
    without interface); width1, width2: their widths (m)."""

    lo: float
    hi: float
    layered: bool
    cells1: int
    width1: float
    cells2: int
    width2: float


class Bulk(NamedTuple):
    """Kernel input: bulk scattering of both media (side 0 = medium 1).

    speed : (2 · 3,) group velocity v per (side, branch) sj = side · 3 + branch (m s⁻¹).
    rate : (2 · 3 · 3,) per sj, [a_v, a₂, a₄] with 1/τ = a_v v + a₂ ω² + a₄ ω⁴ (`bulk.Scattering`).
    reemit1, reemit2 : rows of the re-emission tables ∝ C_j/τ_j of medium 1 and 2
        (`Emission.rows`; plain arrays, as numba's parallel loops take no nested tuples).
    """

    speed: np.ndarray
    rate: np.ndarray
    reemit1: np.ndarray
    reemit2: np.ndarray


@nb.njit(cache=True, inline="always", error_model="numpy")
def _rate(bulk, sj, omega):
    """1/τ (s⁻¹) of branch sj = side · 3 + branch at ω."""
    w2 = omega * omega
    r = sj * 3
    return bulk.rate[r] * bulk.speed[sj] + w2 * (bulk.rate[r + 1] + w2 * bulk.rate[r + 2])


@nb.njit(cache=True, inline="always", error_model="numpy")
def _cell(geo, side, z):
    """Global cell index of z in medium side (0: medium 1 cells first)."""
    if side == 0:
        return min(max(int((z - geo.lo) / geo.width1), 0), geo.cells1 - 1)
    return geo.cells1 + min(max(int(z / geo.width2), 0), geo.cells2 - 1)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _track(t, off, geo, side, z0, z1, path, w, v, rate):
    """Score a straight flight z0 → z1 (m) of path length `path` (m) in medium `side`, for a
    packet of weight w, speed v and scattering rate 1/τ = rate: in every cell k it crosses,
    energy += w ℓ_k / v, pseudo += w ℓ_k rate / v and flux += w Δz_k, where ℓ_k is the path and
    Δz_k the signed z-progress inside the cell (ℓ_k = path · |Δz_k| / |z1 − z0|)."""
    w_time = w / v
    ka, kb = _cell(geo, side, z0), _cell(geo, side, z1)
    if ka == kb:
        t[U64(off.energy + ka)] += w_time * path
        t[U64(off.pseudo + ka)] += w_time * rate * path
        t[U64(off.flux + ka)] += w * (z1 - z0)
        return
    base = geo.lo if side == 0 else -geo.cells1 * geo.width2  # z of the lower edge of global cell 0
    width = geo.width1 if side == 0 else geo.width2
    path_per_dz = path / abs(z1 - z0)
    signed_w = w if z1 > z0 else -w
    lo, hi = min(z0, z1), max(z0, z1)
    step = 1 if kb > ka else -1
    k = ka
    while True:
        cell_lo = base + k * width
        overlap = min(cell_lo + width, hi) - max(cell_lo, lo)
        if overlap > 0.0:
            t[U64(off.energy + k)] += w_time * overlap * path_per_dz
            t[U64(off.pseudo + k)] += w_time * rate * overlap * path_per_dz
            t[U64(off.flux + k)] += signed_w * overlap
        if k == kb:
            break
        k += step


@nb.njit(cache=True, inline="always", error_model="numpy")
def _history(state, t, off, wall, emission, geo, bulk, iface, spec):
    """One packet from `wall` (0: wall 1, weight +1; 1: wall 2, weight −1) until a wall absorbs it."""
    w = 1.0 if wall == 0 else -1.0
    omega, j, band = _draw_frequency(state, emission)
    mu = math.sqrt(_uniform(state))
    if wall == 0:
        side, z = 0, geo.lo
    else:
        side, z, mu = (1 if geo.layered else 0), geo.hi, -mu
    while True:
        sj = side * 3 + j
        v = bulk.speed[sj]
        rate = _rate(bulk, sj, omega)
        path = -math.log(1.0 - _uniform(state)) * v / rate
        z_end = z + path * mu
        lower = geo.lo if side == 0 else 0.0
        upper = geo.hi if side == 1 or not geo.layered else 0.0
        boundary = 0  # 0: collision in the bulk, 1: the lower boundary, 2: the upper one
        if z_end <= lower and mu < 0.0:
            boundary, z_end = 1, lower
            path = (lower - z) / mu
        elif z_end >= upper and mu > 0.0:
            boundary, z_end = 2, upper
            path = (upper - z) / mu
        _track(t, off, geo, side, z, z_end, path, w, v, rate)
        z = z_end
        if boundary == 0:  # bulk collision: re-emitted from C_j/τ_j, isotropic
            t[U64(off.collisions)] += 1.0
            omega, j, band = _draw_frequency(state, Emission(bulk.reemit1 if side == 0 else bulk.reemit2))
            mu = 2.0 * _uniform(state) - 1.0
        elif boundary == 1 and side == 0:
            t[U64(off.absorbed)] += w
            return
        elif boundary == 2 and (side == 1 or not geo.layered):
            t[U64(off.absorbed + 1)] += w
            return
        else:  # the interface at z = 0
            t[U64(off.hits)] += 1.0
            side_out, j, _, _, mu, _, _ = _interface_event(
                state, iface, spec, side, j, omega, band, math.sqrt(max(1.0 - mu * mu, 0.0)), 0.0, mu,
                0.0, 0.0, 1.0, False)
            if side_out != side:
                t[U64(off.crossed)] += w if side == 0 else -w
            side = side_out


@nb.njit(cache=True, parallel=True, error_model="numpy")
def _transport(seed, point, emitter, wall, first_batch, n_packets, emission, geo, bulk, iface, spec, off, scores):
    """n_packets histories per batch from `wall` for batches first_batch … first_batch + B − 1;
    batch b runs on stream (seed, point, emitter, first_batch + b) and writes scores[b]."""
    for bi in nb.prange(scores.shape[0]):
        state = _stream(seed, point, emitter, first_batch + bi)
        t = np.zeros(scores.shape[1] + 16)[8:-8]  # guard lines against false sharing
        for _ in range(n_packets):
            _history(state, t, off, wall, emission, geo, bulk, iface, spec)
        scores[bi, :] = t


# ---------------------------------------------------------------- driver
def heat_capacity(m, T: float, dispersion: str = "debye") -> float:
    """Volumetric heat capacity Σ_j C_j(T) of medium m (J m⁻³ K⁻¹)."""
    return float(sum(b.heat_capacity(T) for b in branches(m, dispersion)))


def bulk_input(media, scattering, T: float, iface: Interface, n_cells: int = 256) -> tuple[Bulk, np.ndarray]:
    """Kernel `Bulk` for media (m1, m2) with `bulk.Scattering` models (s1, s2) at T, and the
    scattered power per kelvin Σ_j∫C_j/τ_j dω of each medium (W m⁻³ K⁻¹), shape (2,).

    For a single layer pass (m1, m1) and (s1, s1)."""
    speed, rate = np.zeros((2, 3)), np.zeros((2, 3, 3))
    tables = []
    for side, (m, s) in enumerate(zip(media, scattering)):
        coef = s.coefficients(m, T)
        bs = branches(m)
        for j, b in enumerate(bs):
            speed[side, j], rate[side, j] = b.velocity, coef[j]
        factor = (lambda c, v: lambda j, w: (c[j, 0] * v[j] + c[j, 1] * w**2 + c[j, 2] * w**4) / v[j])(
            coef, [b.velocity for b in bs])
        tables.append(emission_table(m, media[1 - side], occupation_weight(T), T, factor=factor, n_cells=n_cells))
    reemit = [tb.kernel_input(iface.band_edges) for tb in tables]
    return Bulk(speed.ravel(), rate.ravel(), reemit[0].rows, reemit[1].rows), np.array([tb.g_emit for tb in tables])


@dataclass(frozen=True)
class WallPlan:
    """Everything fixed for sending packets from one wall at one point.

    wall : 1 (hot, medium 1) or 2 (cold, medium 2; medium 1 for a single layer).
    table : its `EmissionTable` (occupation part "upper"/"lower" of ΔT, or ∂n/∂T).
    """

    wall: int
    table: EmissionTable
    geometry: Geometry
    bulk: Bulk
    iface: Interface
    spec: Specularity

    @property
    def emitter(self) -> int:
        return emitter_key("wall", self.wall)

    @cached_property
    def emission(self) -> Emission:
        return self.table.kernel_input(self.iface.band_edges)

    @property
    def unit(self) -> float:
        """W m⁻² per kelvin of ΔT per packet of a batch of one: g_emit / 2 (the wall is
        held ΔT/2 from the reference T); divide by the packets per batch."""
        return 0.5 * self.table.g_emit

    def run(self, seed, point, first_batch, n_batches, n_packets) -> np.ndarray:
        """Scores of batches [first_batch, first_batch + n_batches), shape (n_batches, size)."""
        layout = slab_layout(self.geometry.cells1 + self.geometry.cells2)
        scores = np.zeros((n_batches, layout.size))
        _transport(int(seed), int(point), self.emitter, self.wall - 1, int(first_batch), int(n_packets),
                   self.emission, self.geometry, self.bulk, self.iface, self.spec, layout.offsets, scores)
        return scores


def geometry(L1: float, L2: float, cells1: int, cells2: int) -> Geometry:
    """Kernel `Geometry` of walls at −L1 and L2 (m); L2 = 0: one layer, no interface."""
    if L2 == 0.0:
        return Geometry(-L1, 0.0, False, cells1, L1 / cells1, 0, 1.0)
    return Geometry(-L1, L2, True, cells1, L1 / cells1, cells2, L2 / cells2)


def plan_walls(m1, m2, model, s1, s2, T, delta_T, L1, L2, cells1, cells2, iface: Interface):
    """The two `WallPlan`s of a slab point and the scattered power of each medium (see `bulk_input`).

    m2, s2 are ignored for a single layer (L2 = 0): both walls face medium 1.
    """
    geo = geometry(L1, L2, cells1, cells2)
    media, scat = ((m1, m2), (s1, s2)) if geo.layered else ((m1, m1), (s1, s1))
    bulk, scattered = bulk_input(media, scat, T, iface)
    plans = []
    for wall, part in ((1, "upper"), (2, "lower")):
        a = media[wall - 1]
        table = emission_table(a, media[2 - wall], occupation_weight(T, delta_T, part), T + 0.5 * delta_T)
        plans.append(WallPlan(wall, table, geo, bulk, iface, model.specularity))
    return plans, scattered
