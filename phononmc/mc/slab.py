"""The simulated experiment: a bilayer slab between two black walls, with bulk scattering.

Geometry (1D in z, laterally infinite, 3D directions): medium 1 on [−L₁, 0], medium 2 on
[0, L₂], black isothermal walls at z = −L₁ (T + ΔT/2) and z = L₂ (T − ΔT/2). With L₂ = 0
there is one layer of medium 1 on [−L₁, 0] and no interface. The kernel takes any number
of layers between the walls (`Geometry`: per-layer cells, scattering or none, one
interface table per pair of neighbours); the multilayer stack (`mc.multilayer`) is the same
kernel with more layers and ballistic outer ones.

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

Scores per batch (`slab_layout`; signed packet weights): absorbed[wall 1, wall 2]; through[branch]
(weight absorbed by the opposite wall, by the branch its wall emitted it in); crossed[interface]
(net weight through each interface, + towards wall 2); per cell, by track length ℓ_k (the path
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

from phononmc import bulk, io, landauer
from phononmc.dispersion import branches
from phononmc.jump import Jump, LineFit, fit_line, measured_jump
from phononmc.mc.emission import Emission, EmissionTable, _draw_frequency, emission_table
from phononmc.mc.events import (ELASTIC, InelasticChannel, Interfaces, _band, _inelastic_event, _interface_at,
                                _interface_event, inelastic_tables, interface_tables, stack)
from phononmc.mc.rng import U64, _stream, _uniform, emitter_key
from phononmc.mc.tallies import Layout, ScoreTally
from phononmc.models import Specularity, parse_model
from phononmc.quadrature import occupation_weight


class SlabScores(NamedTuple):
    """Offsets of the slab scores in a batch's vector (see `slab_layout`)."""

    absorbed: int
    through: int
    crossed: int
    energy: int
    pseudo: int
    flux: int
    collisions: int
    hits: int


#: Temperature profiles: from the energy density, and the pseudo-temperature of the collisions.
PROFILES = ("energy", "pseudo")
#: Scores whose covariance the measured jump needs (flux and both temperature profiles).
CORRELATED = ("crossed", "energy", "pseudo")


def slab_layout(cells: int, interfaces: int = 1) -> Layout:
    """The scores of the slab kernel for `cells` cells in all (the first layer's first) and
    `interfaces` interfaces (crossed keeps one entry, always 0, for a single layer)."""
    return Layout(SlabScores, {"absorbed": (2,), "through": (3,), "crossed": (max(interfaces, 1),), "energy": (cells,),
                               "pseudo": (cells,),
                               "flux": (cells,), "collisions": (), "hits": ()})


class Geometry(NamedTuple):
    """Kernel input: n layers between wall 1 at z = edges[0] and wall 2 at z = edges[n] (m), with
    the interfaces at edges[1 … n−1] (the first at z = 0). first_cell : (n + 1,) int64, global
    index of each layer's first cell (first_cell[n] = all cells); width, per_width : (n,) cell
    width of each layer (m) and its inverse."""

    edges: np.ndarray
    first_cell: np.ndarray
    width: np.ndarray
    per_width: np.ndarray


class Bulk(NamedTuple):
    """Kernel input: bulk scattering of the n layers.

    speed : (n · 3,) group velocity v per (layer, branch) lj = layer · 3 + branch (m s⁻¹).
    rate : (n · 3 · 3,) per lj, [a_v, a₂, a₄] with 1/τ = a_v v + a₂ ω² + a₄ ω⁴ (`bulk.Scattering`);
        all 0 in a layer without scattering (ballistic).
    reemit : the re-emission tables ∝ C_j/τ_j of the layers one after the other (`Emission.rows`),
        layer i's at reemit[reemit_start[i]:reemit_start[i + 1]] (empty for a ballistic layer).
    """

    speed: np.ndarray
    rate: np.ndarray
    reemit: np.ndarray
    reemit_start: np.ndarray


@nb.njit(cache=True, inline="always", error_model="numpy")
def _rate(bulk, lj, omega):
    """1/τ (s⁻¹) of branch lj = layer · 3 + branch at ω."""
    w2 = omega * omega
    r = lj * 3
    return bulk.rate[r] * bulk.speed[lj] + w2 * (bulk.rate[r + 1] + w2 * bulk.rate[r + 2])


@nb.njit(cache=True, inline="always", error_model="numpy")
def _cell(geo, layer, z):
    """Global cell index of z in `layer`."""
    first = geo.first_cell[layer]
    local = int((z - geo.edges[layer]) * geo.per_width[layer])
    return first + min(max(local, 0), geo.first_cell[layer + 1] - first - 1)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _track(t, d, off, geo, layer, z0, z1, path, w, v, rate):
    """Score a straight flight z0 → z1 (m) of path length `path` (m) in `layer`, for a packet of
    weight w, speed v and scattering rate 1/τ = rate: in every cell k it crosses,
    energy += w ℓ_k / v, pseudo += w ℓ_k rate / v and flux += w Δz_k, where ℓ_k is the path and
    Δz_k the signed z-progress inside the cell (ℓ_k = path · |Δz_k| / |z1 − z0|).

    O(1) per flight: the two end cells are scored in t, the equal contributions of the cells
    fully crossed between them as a range in the difference array d (3 scores × (cells + 1),
    summed into t at the end of the batch by `_add_ranges`)."""
    w_time = w / v
    ka, kb = _cell(geo, layer, z0), _cell(geo, layer, z1)
    if ka == kb:
        t[U64(off.energy + ka)] += w_time * path
        t[U64(off.pseudo + ka)] += w_time * rate * path
        t[U64(off.flux + ka)] += w * (z1 - z0)
        return
    if z1 > z0:
        k_lo, k_hi, z_lo, z_hi, signed_w = ka, kb, z0, z1, w
    else:
        k_lo, k_hi, z_lo, z_hi, signed_w = kb, ka, z1, z0, -w
    width = geo.width[layer]
    base = geo.edges[layer] - geo.first_cell[layer] * width  # z of the lower edge of global cell 0, this layer's grid
    energy = w_time * path / (z_hi - z_lo)  # per metre of z-progress
    pseudo = energy * rate
    first = base + (k_lo + 1) * width - z_lo
    last = z_hi - (base + k_hi * width)
    t[U64(off.energy + k_lo)] += energy * first
    t[U64(off.pseudo + k_lo)] += pseudo * first
    t[U64(off.flux + k_lo)] += signed_w * first
    t[U64(off.energy + k_hi)] += energy * last
    t[U64(off.pseudo + k_hi)] += pseudo * last
    t[U64(off.flux + k_hi)] += signed_w * last
    if k_hi - k_lo > 1:
        n = d.shape[0] // 3
        for s, value in ((0, energy * width), (1, pseudo * width), (2, signed_w * width)):
            d[U64(s * n + k_lo + 1)] += value
            d[U64(s * n + k_hi)] -= value


@nb.njit(cache=True, inline="always", error_model="numpy")
def _add_ranges(t, d, off):
    """Add the range contributions of `_track` (difference array d) to the cell scores of t."""
    n = d.shape[0] // 3
    for s, start in ((0, off.energy), (1, off.pseudo), (2, off.flux)):
        running = 0.0
        for k in range(n - 1):
            running += d[s * n + k]
            t[start + k] += running


@nb.njit(cache=True, inline="always", error_model="numpy")
def _history(state, t, d, off, wall, emission, geo, bulk, ifs, spec, inel):
    """One packet from `wall` (0: wall 1, weight +1; 1: wall 2, weight −1) until a wall absorbs it.

    A packet exactly parallel to the interfaces in a ballistic layer never arrives anywhere: it
    is dropped (probability ~2⁻⁵³ per event)."""
    w = 1.0 if wall == 0 else -1.0
    top = geo.edges.shape[0] - 2  # the last layer
    omega, j, _ = _draw_frequency(state, emission)
    emitted = j
    mu = math.sqrt(1.0 - _uniform(state))  # Lambert: μ² uniform on (0, 1]
    if wall == 0:
        layer, z = 0, geo.edges[0]
    else:
        layer, z, mu = top, geo.edges[top + 1], -mu
    while True:
        lj = layer * 3 + j
        v = bulk.speed[lj]
        rate = _rate(bulk, lj, omega)
        lower, upper = geo.edges[layer], geo.edges[layer + 1]
        boundary = 0  # 0: collision in the bulk, 1: the lower boundary, 2: the upper one
        if rate > 0.0:
            path = -math.log(1.0 - _uniform(state)) * v / rate
            z_end = z + path * mu
        else:
            path, z_end = math.inf, z
        if mu < 0.0 and (z_end <= lower or rate == 0.0):
            boundary, z_end = 1, lower
            path = (lower - z) / mu
        elif mu > 0.0 and (z_end >= upper or rate == 0.0):
            boundary, z_end = 2, upper
            path = (upper - z) / mu
        elif rate == 0.0:
            return
        _track(t, d, off, geo, layer, z, z_end, path, w, v, rate)
        z = z_end
        if boundary == 0:  # bulk collision: re-emitted from C_j/τ_j, isotropic
            t[U64(off.collisions)] += 1.0
            omega, j, _ = _draw_frequency(state, Emission(bulk.reemit[bulk.reemit_start[layer]:
                                                                      bulk.reemit_start[layer + 1]]))
            mu = 2.0 * _uniform(state) - 1.0
        elif boundary == 1 and layer == 0:
            t[U64(off.absorbed)] += w
            if wall == 1:
                t[U64(off.through + emitted)] += w
            return
        elif boundary == 2 and layer == top:
            t[U64(off.absorbed + 1)] += w
            if wall == 0:
                t[U64(off.through + emitted)] += w
            return
        else:  # interface k between layers k (its side 0) and k + 1 (side 1)
            t[U64(off.hits)] += 1.0
            side = 0 if boundary == 2 else 1
            k = layer - side
            iface = _interface_at(ifs, k)
            band = _band(iface, omega)
            j_in, mu_in = j, mu
            side_out, j, _, _, mu, _, _ = _interface_event(
                state, iface, spec, side, j, omega, band, math.sqrt(max(1.0 - mu * mu, 0.0)), 0.0,
                mu, 0.0, 0.0, 1.0, False)
            if inel.on and side_out == side:  # the inelastic channel (`events._inelastic_event`)
                went, w_new, j_new, mu2_new = _inelastic_event(state, iface, spec, inel, side, j_in, omega, band,
                                                               mu_in * mu_in)
                if went:
                    side_out, j, omega = 1 - side, j_new, w_new
                    mu = math.sqrt(mu2_new) if side_out == 1 else -math.sqrt(mu2_new)
            if side_out != side:
                t[U64(off.crossed + k)] += w if side == 0 else -w
            layer = k + side_out


@nb.njit(cache=True, parallel=True, error_model="numpy", fastmath={"nsz", "nnan", "arcp", "contract"})
def _transport(seed, point, emitter, wall, first_batch, n_packets, emission, geo, bulk, ifs, spec, inel, off, scores):
    """n_packets histories per batch from `wall` for batches first_batch … first_batch + B − 1;
    batch b runs on stream (seed, point, emitter, first_batch + b) and writes scores[b]."""
    for bi in nb.prange(scores.shape[0]):
        state = _stream(seed, point, emitter, first_batch + bi)
        t = np.zeros(scores.shape[1] + 16)[8:-8]  # guard lines against false sharing
        d = np.zeros(3 * (geo.first_cell[-1] + 1) + 16)[8:-8]
        for _ in range(n_packets):
            _history(state, t, d, off, wall, emission, geo, bulk, ifs, spec, inel)
        _add_ranges(t, d, off)
        scores[bi, :] = t


# ---------------------------------------------------------------- driver
def heat_capacity(m, T: float, dispersion: str = "debye") -> float:
    """Volumetric heat capacity Σ_j C_j(T) of medium m (J m⁻³ K⁻¹)."""
    return float(sum(b.heat_capacity(T) for b in branches(m, dispersion)))


#: Band edges for emission tables whose packets look their band up at each event (`_history`).
NO_BANDS = np.array([np.inf])


def bulk_input(media, scattering, T: float, n_cells: int = 256) -> tuple[Bulk, np.ndarray]:
    """Kernel `Bulk` for the layers' media with `bulk.Scattering` models (None: ballistic) at T,
    and the scattered power per kelvin Σ_j∫C_j/τ_j dω of each layer (W m⁻³ K⁻¹; 0 if ballistic)."""
    n = len(media)
    speed, rate = np.zeros((n, 3)), np.zeros((n, 3, 3))
    rows, scattered = [], np.zeros(n)
    for i, (m, s) in enumerate(zip(media, scattering)):
        bs = branches(m)
        speed[i, :len(bs)] = [b.velocity for b in bs]
        if s is None:
            rows.append(np.zeros(0))
            continue
        coef = s.coefficients(m, T)
        rate[i, :len(bs)] = coef
        factor = (lambda c, v: lambda j, w: (c[j, 0] * v[j] + c[j, 1] * w**2 + c[j, 2] * w**4) / v[j])(coef, speed[i])
        table = emission_table(m, m, occupation_weight(T), T, factor=factor, n_cells=n_cells)
        rows.append(table.kernel_input(NO_BANDS).rows)
        scattered[i] = table.g_emit
    start = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int64)
    return Bulk(speed.ravel(), rate.ravel(), np.concatenate(rows), start), scattered


@dataclass(frozen=True)
class WallPlan:
    """Everything fixed for sending packets from one wall at one point.

    wall : 1 (z = edges[0], facing the first layer) or 2 (facing the last).
    table : its `EmissionTable` (occupation part "upper"/"lower" of ΔT, or ∂n/∂T).
    inelastic : the interface's inelastic channel (`events.inelastic_tables`; a bilayer only).
    """

    wall: int
    table: EmissionTable
    geometry: Geometry
    bulk: Bulk
    interfaces: Interfaces
    spec: Specularity
    inelastic: InelasticChannel = ELASTIC

    @property
    def emitter(self) -> int:
        return emitter_key("wall", self.wall)

    @cached_property
    def emission(self) -> Emission:
        return self.table.kernel_input(NO_BANDS)

    @property
    def unit(self) -> float:
        """W m⁻² per kelvin of ΔT per packet of a batch of one: g_emit / 2 (the wall is
        held ΔT/2 from the reference T); divide by the packets per batch."""
        return 0.5 * self.table.g_emit

    @property
    def layout(self) -> Layout:
        return slab_layout(int(self.geometry.first_cell[-1]), len(self.geometry.edges) - 2)

    def run(self, seed, point, first_batch, n_batches, n_packets) -> np.ndarray:
        """Scores of batches [first_batch, first_batch + n_batches), shape (n_batches, size)."""
        layout = self.layout
        scores = np.zeros((n_batches, layout.size))
        _transport(int(seed), int(point), self.emitter, self.wall - 1, int(first_batch), int(n_packets),
                   self.emission, self.geometry, self.bulk, self.interfaces, self.spec, self.inelastic, layout.offsets,
                   scores)
        return scores


def geometry(thickness, cells) -> Geometry:
    """Kernel `Geometry` of layers of thicknesses (m) with cells (counts) each, the first
    interface at z = 0 (one layer: [−L, 0])."""
    thickness = np.asarray(thickness, dtype=float)
    cells = np.asarray(cells, dtype=np.int64)
    edges = np.concatenate([[-thickness[0]], np.cumsum(np.concatenate([[0.0], thickness[1:]]))])
    width = thickness / cells
    return Geometry(edges, np.concatenate([[0], np.cumsum(cells)]).astype(np.int64), width, 1.0 / width)


def plan_walls(media, scattering, model, T, delta_T, geometries, interfaces: Interfaces):
    """The two `WallPlan`s of each `Geometry` in `geometries` (a thickness series of one stack
    of `media` with `scattering` per layer), and the scattered power of each layer (`bulk_input`).
    The emission and re-emission tables do not depend on the thicknesses: built once. The
    model's inelastic channel acts at the interface of a bilayer (refused elsewhere by the run files)."""
    bulk, scattered = bulk_input(media, scattering, T)
    inelastic = inelastic_tables(media[0], media[1], model, T) if len(media) == 2 else ELASTIC
    ends = (media[0], media[-1])
    tables = [emission_table(ends[wall - 1], ends[2 - wall], occupation_weight(T, delta_T, part), T + 0.5 * delta_T)
              for wall, part in ((1, "upper"), (2, "lower"))]
    plans = [[WallPlan(wall, table, geo, bulk, interfaces, model.specularity, inelastic)
              for wall, table in zip((1, 2), tables)]
             for geo in geometries]
    return plans, scattered


def stack_interfaces(media, model) -> Interfaces:
    """The `Interfaces` between consecutive `media` of a stack, with the AMM tables if the model
    needs them; one pair's tables are built once however often it repeats."""
    built = {}
    for a, b in zip(media[:-1], media[1:]):
        if (a, b) not in built:
            built[a, b] = interface_tables(a, b, need_specular=model.needs_specular_tables)
    return stack([built[a, b] for a, b in zip(media[:-1], media[1:])])


# ---------------------------------------------------------------- results of a point
@dataclass
class SlabPoint:
    """A slab at one (model, T, thicknesses): tallies of both walls and what follows from them.

    L1, L2 (m; L2 = 0: one layer); cells1, cells2; heat_capacity, scattered: per medium C
    (J m⁻³ K⁻¹) and Σ_j∫C_j/τ_j dω (W m⁻³ K⁻¹); mfp: per medium mean free path Λ̄ (m,
    `bulk.mean_free_path`); exclude: far-field fits skip this many Λ̄ next to the walls and
    the interface. emitted: (g₁/2, g₂/2), what each wall emits per kelvin of ΔT (W m⁻² K⁻¹).
    tallies: [wall 1, wall 2] `ScoreTally` (unit g_emit/(2N)).
    G_landauer, G_equilibrium: the analytic G (emitted-phonon and equilibrium temperatures).
    """

    model: str
    T: float
    delta_T: float
    L1: float
    L2: float
    cells1: int
    cells2: int
    heat_capacity: tuple
    scattered: tuple
    mfp: tuple
    exclude: float
    emitted: tuple
    tallies: list
    G_landauer: float = math.nan
    G_equilibrium: float = math.nan
    complete: bool = False

    @property
    def layered(self) -> bool:
        return self.L2 > 0.0

    @property
    def batches(self) -> int:
        return min(t.batches for t in self.tallies)

    @property
    def edges(self) -> np.ndarray:
        """Cell edges (m), from wall 1 at −L1."""
        e1 = np.linspace(-self.L1, 0.0, self.cells1 + 1)
        return np.concatenate([e1, np.linspace(0.0, self.L2, self.cells2 + 1)[1:]]) if self.layered else e1

    @property
    def z(self) -> np.ndarray:
        """Cell centres (m)."""
        e = self.edges
        return 0.5 * (e[1:] + e[:-1])

    def _medium(self) -> np.ndarray:
        """Medium index (0, 1) of each cell."""
        return np.repeat([0, 1], [self.cells1, self.cells2])

    def vector(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of (q, θ_energy (n), θ_pseudo (n)) per kelvin of ΔT, summed over
        both walls (independent runs): q in W m⁻² K⁻¹, θ = (T_k − T)/ΔT."""
        width, medium = np.diff(self.edges), self._medium()
        scale = np.concatenate([[1.0], 1.0 / (width * np.asarray(self.heat_capacity)[medium]),
                                1.0 / (width * np.asarray(self.scattered)[medium])])
        mean = sum(np.concatenate([np.atleast_1d(t.mean(name)).ravel() for name in CORRELATED]) for t in self.tallies)
        cov = sum(t.covariance() for t in self.tallies)
        return scale * mean, cov * np.outer(scale, scale)

    def flux(self) -> tuple[float, float]:
        """(q, σ_q): the net flux through the interface per kelvin of ΔT (W m⁻² K⁻¹); for one
        layer, into wall 2."""
        if self.layered:
            m, c = self.vector()
            return float(m[0]), math.sqrt(c[0, 0])
        return self.wall_fluxes()[1]

    def flux_profile(self) -> tuple[np.ndarray, np.ndarray]:
        """(q_k, σ_k) per cell by track length (Σ w Δz_k / Δz_k) per kelvin of ΔT (W m⁻² K⁻¹):
        in steady state it is the same q in every cell."""
        width = np.diff(self.edges)
        mean = sum(t.mean("flux") for t in self.tallies) / width
        err = np.sqrt(sum(t.stderr("flux") ** 2 for t in self.tallies)) / width
        return mean, err

    def profile(self, kind: str = "energy") -> tuple[np.ndarray, np.ndarray]:
        """(θ_k, σ_k): cell temperatures (T_k − T)/ΔT from the energy density ("energy") or the
        pseudo-temperature that balances the collisions ("pseudo")."""
        m, c = self.vector()
        block = self._block(kind)
        return m[block], np.sqrt(np.diag(c)[block])

    def _block(self, kind: str) -> slice:
        """Where profile `kind` sits in `vector`."""
        if kind not in PROFILES:
            raise ValueError(f"profile kind = {kind!r} is not known; valid: {', '.join(PROFILES)}")
        n = self.cells1 + self.cells2
        return slice(1, 1 + n) if kind == "energy" else slice(1 + n, 1 + 2 * n)

    def far_field(self, exclude: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Boolean masks (side 1, side 2) of the cells whose centres lie more than `exclude`
        mean free paths (default: self.exclude) from the walls and the interface."""
        x = self.exclude if exclude is None else exclude
        z, (m1, m2) = self.z, self.mfp
        if not self.layered:
            return (z > -self.L1 + x * m1) & (z < -x * m1), np.zeros(z.size, bool)
        return (z > -self.L1 + x * m1) & (z < -x * m1), (z > x * m2) & (z < self.L2 - x * m2)

    def jump(self, kind: str = "energy", exclude: float | None = None) -> Jump:
        """The measured jump and G (`jump.measured_jump`) from the far fields of a profile."""
        if not self.layered:
            raise ValueError("a single layer has no interface, so no jump; see fit_profile for its gradient")
        block = self._block(kind)
        m, c = self.vector()
        pick = np.concatenate([[0], np.arange(block.start, block.stop)])
        return measured_jump(self.z, m[0], m[block], c[np.ix_(pick, pick)], self.far_field(exclude))

    def conductivity(self, exclude: float | None = None) -> tuple[float, float]:
        """(κ, σ_κ) of a single layer from its far-field gradient, κ = −q / (dT/dz) (W m⁻¹ K⁻¹):
        Fourier's law where the walls' boundary layers have decayed. The errors of q and of
        the slope are combined as independent (q comes from the walls, the slope from the cells)."""
        fit = self.fit_profile(exclude=exclude)
        q, q_err = self.flux()
        kappa = -q / fit.slope
        return kappa, abs(kappa) * math.hypot(q_err / q, math.sqrt(fit.cov[1, 1]) / fit.slope)

    def fit_profile(self, kind: str = "energy", exclude: float | None = None) -> LineFit:
        """Far-field line through the profile of a single layer (its slope gives κ = −q/(ΔT slope))."""
        block = self._block(kind)
        m, c = self.vector()
        return fit_line(self.z, m[block], c[block, block], self.far_field(exclude)[0])

    def wall_fluxes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(flux, error) in +z at wall 1 and at wall 2 per kelvin of ΔT (W m⁻² K⁻¹): wall 1
        emits +g₁/2 and absorbs the weight that returns (−w each); wall 2 emits weight −1
        packets towards −z (+g₂/2) and absorbs +w each."""
        out = []
        for wall, sign in ((0, -1.0), (1, 1.0)):
            mean = self.emitted[wall] + sign * sum(float(t.mean("absorbed")[wall]) for t in self.tallies)
            err = math.sqrt(sum(float(t.stderr("absorbed")[wall]) ** 2 for t in self.tallies))
            out.append((mean, err))
        return tuple(out)

    # ------------------------------------------------------------ run protocol (mc.run)
    @property
    def label(self) -> str:
        """Short description for progress bars and tables."""
        size = f"L = {self.L1 * 1e9:g} | {self.L2 * 1e9:g} nm" if self.layered else f"L = {self.L1 * 1e9:g} nm"
        return f"{self.model} T={self.T:g} K {size}"

    def measured(self) -> tuple[float, float]:
        """(value, error) a relative-error target checks: the measured G (bilayer) or the flux q
        (one layer); (nan, inf) while a fit is impossible."""
        if not self.layered:
            return self.flux()
        try:
            j = self.jump()
        except ValueError:
            return math.nan, math.inf
        return j.G, j.G_err

    def group(self) -> dict:
        """The HDF5 group of this point (`io.write`): results with units, and the running sums."""
        theta, theta_err = self.profile("energy")
        pseudo, pseudo_err = self.profile("pseudo")
        flux, flux_err = self.flux_profile()
        (q1, e1), (q2, e2) = self.wall_fluxes()
        q, q_err = self.flux()
        g = "W m^-2 K^-1"
        ds = {"edges": (self.edges, "m"), "z": (self.z, "m"),
              "theta_energy": (theta, "K/K"), "theta_energy_err": (theta_err, "K/K"),
              "theta_pseudo": (pseudo, "K/K"), "theta_pseudo_err": (pseudo_err, "K/K"),
              "flux_profile": (flux, g), "flux_profile_err": (flux_err, g),
              "q": (np.float64(q), g), "q_err": (np.float64(q_err), g),
              "q_wall": (np.array([q1, q2]), g), "q_wall_err": (np.array([e1, e2]), g),
              "G_landauer": (np.float64(self.G_landauer), g), "G_equilibrium": (np.float64(self.G_equilibrium), g)}
        if self.batches >= 2 and not self.layered:
            try:
                kappa, kappa_err = self.conductivity()
                ds["kappa"] = (np.array([kappa, kappa_err]), "W m^-1 K^-1")
            except ValueError:  # too few far-field cells for a fit
                pass
        if self.batches >= 2:
            try:
                j = self.jump() if self.layered else None
            except ValueError:
                j = None
            if j is not None:
                ds.update({"G": (np.float64(j.G), g), "G_err": (np.float64(j.G_err), g),
                           "R": (np.float64(j.R), "m^2 K W^-1"), "R_err": (np.float64(j.R_err), "m^2 K W^-1"),
                           "jump": (np.float64(j.jump), "K/K"), "jump_err": (np.float64(j.jump_err), "K/K"),
                           "fit_lines": (np.array([[f.intercept, f.slope, f.lo, f.hi] for f in j.fits]),
                                         "K/K, K/K per m, m, m")})
        for wall, t in zip((1, 2), self.tallies):
            ds.update(t.datasets(f"wall{wall}_", g))
        attrs = {"model": self.model, "T": self.T, "delta_T": self.delta_T, "L1": self.L1, "L2": self.L2,
                 "cells": np.array([self.cells1, self.cells2]), "heat_capacity": np.array(self.heat_capacity),
                 "scattered": np.array(self.scattered), "mfp": np.array(self.mfp), "exclude": self.exclude,
                 "emitted": np.array(self.emitted), "complete": self.complete,
                 "temperature_definition": "G = q / jump of the far-field energy-density temperature profiles "
                                           "(measured); G_landauer: emitted-phonon temperatures; G_equilibrium: "
                                           "G_landauer / (1 - (tau12 + tau21)/2)"}
        return {"attrs": attrs, "datasets": ds}

    def restore(self, group) -> None:
        """Take the running sums of a results-file group (`io.Group`) written by `group`."""
        self.tallies = [t.restored(group, f"wall{wall}_") for wall, t in zip((1, 2), self.tallies)]


def slab_points(cfg) -> tuple[list, list]:
    """The points of a slab run (`config.RunConfig` with a [slab] table): models × temperatures ×
    thicknesses, and for each its two `WallPlan`s."""
    sl, mc = cfg.slab, cfg.monte_carlo
    m1 = cfg.interface.material_1
    m2 = cfg.interface.material_2 if sl.layered else m1
    s1 = cfg.scattering(1)
    s2 = cfg.scattering(2) if sl.layered else s1
    models = cfg.models or (parse_model("dmm"),)  # one layer: never met, any model will do
    points, plans = [], []
    for model in models:
        media, scattering = ((m1, m2), (s1, s2)) if sl.layered else ((m1,), (s1,))
        ifs = stack_interfaces(media, model)
        for T in cfg.temperatures.values:
            mfp = (bulk.mean_free_path(m1, s1, T), bulk.mean_free_path(m2, s2, T))
            C = (heat_capacity(m1, T), heat_capacity(m2, T))
            if sl.layered:
                args = dict(dispersion="debye", delta_T=cfg.temperatures.delta_T)
                g_l = float(landauer.conductance(m1, m2, T, model, **args))
                g_eq = float(landauer.conductance(m1, m2, T, model, temperature="equilibrium", **args))
            else:
                g_l = g_eq = math.nan
            geometries = [geometry((L1, L2), sl.cells) if sl.layered else geometry((L1,), sl.cells[:1])
                          for L1, L2 in sl.thickness]
            series, scattered = plan_walls(media, scattering, model, T, cfg.temperatures.delta_T, geometries, ifs)
            if not sl.layered:
                scattered = (scattered[0], scattered[0])
            for (L1, L2), walls in zip(sl.thickness, series):
                tallies = [ScoreTally(w.layout, w.unit / mc.packets_per_batch, CORRELATED) for w in walls]
                points.append(SlabPoint(str(model) if sl.layered else "one layer", T, cfg.temperatures.delta_T,
                                        L1, L2, sl.cells[0], sl.cells[1] if sl.layered else 0, C,
                                        tuple(scattered), mfp, sl.exclude, tuple(w.unit for w in walls), tallies,
                                        g_l, g_eq))
                plans.append(walls)
    return points, plans


# ---------------------------------------------------------------- reading results
def point_record(attrs: dict, datasets: dict) -> dict:
    """One point of a slab results file as plain values: the group's attributes and datasets
    (`SlabPoint.group`, or an `io.Group` read back); results a point lacks (no fit yet) are NaN."""
    rec = dict(attrs)
    for name, value in datasets.items():
        if not name.startswith("wall"):
            rec[name] = np.asarray(value)[()]
    for name in ("G", "G_err", "R", "R_err", "jump", "jump_err"):
        rec.setdefault(name, math.nan)
    rec["batches"] = int(min(np.asarray(datasets[f"wall{w}_batches"]) for w in (1, 2)))
    return rec


def read_points(path) -> tuple[dict, list[dict]]:
    """Root attributes and `point_record`s of a slab results file."""
    res = io.read(path, kind="slab")
    return res.attrs, [point_record(g.attrs, {k: g[k] for k in g.datasets}) for _, g in sorted(res.groups.items())]


def format_table(records) -> str:
    """Slab points as a text table: flux per kelvin of ΔT; for bilayers the measured G with its
    error beside the Landauer G (emitted-phonon temperatures) and the equilibrium-temperature G."""
    mw = 1e6
    head = (f"{'model':<12} {'T [K]':>7} {'L1 [nm]':>9} {'L2 [nm]':>9} {'q/dT [MW m^-2 K^-1]':>22} "
            f"{'G_measured':>19} {'G_Landauer':>11} {'G_equilibrium':>14} {'batches':>8}")
    lines = [head, "-" * len(head)]
    for r in records:
        g = f"{r['G'] / mw:9.4g} ± {r['G_err'] / mw:<7.2g}" if math.isfinite(r["G"]) else f"{'-':>19}"
        analytic = (f"{r['G_landauer'] / mw:>11.5g} {r['G_equilibrium'] / mw:>14.5g}" if r["L2"] > 0
                    else f"{'-':>11} {'-':>14}")
        lines.append(f"{r['model']:<12} {r['T']:>7.4g} {r['L1'] * 1e9:>9.4g} {r['L2'] * 1e9:>9.4g} "
                     f"{r['q'] / mw:>12.5g} ± {r['q_err'] / mw:<7.2g} {g} {analytic} {r['batches']:>8d}")
    for r in records:
        if "kappa" in r:
            lines.append(f"# one layer, T = {r['T']:g} K, L = {r['L1'] * 1e9:g} nm: kappa from the far-field gradient "
                         f"= {r['kappa'][0]:.4g} ± {r['kappa'][1]:.2g} W m^-1 K^-1")
    return "\n".join(lines)


def series_lines(records) -> list[str]:
    """For each (model, T) run at several thicknesses: the thickness series R_total = 1/(q/ΔT)
    against L = L1 + L2, fitted and extrapolated to L = 0 (`fit.thickness_series`). Its
    intercept holds R_K and the two walls' boundary resistances."""
    from phononmc.fit import thickness_series  # fit draws figures: import matplotlib only when asked

    groups = {}
    for r in records:
        groups.setdefault((r["model"], r["T"]), []).append(r)
    lines = []
    for (model, T), rs in groups.items():
        if len({r["L1"] + r["L2"] for r in rs}) < 2:
            continue
        L = np.array([r["L1"] + r["L2"] for r in rs])
        R = np.array([1.0 / r["q"] for r in rs])
        fit = thickness_series(L, R, np.array([r["q_err"] / r["q"] ** 2 for r in rs]))
        lines.append(f"# thickness series {model}, T = {T:g} K: R_total = R_0 + L/kappa_eff, R_0 = "
                     f"{fit.intercept * 1e9:.4g} ± {fit.intercept_err * 1e9:.2g} m^2 K GW^-1 (R_K plus both walls' "
                     f"boundary resistances), kappa_eff = {fit.kappa:.4g} W m^-1 K^-1, chi2/dof = {fit.chi2:.2f}/{fit.dof}")
    return lines
