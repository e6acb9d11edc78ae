"""Periodic rough surfaces z = h(x, y) and the first hit of a ray on them.

A surface is a height grid over one period Lx × Ly: heights h[i, k] at the nodes
(i Δx, k Δy), Δx = Lx/nx, Δy = Ly/ny, repeated periodically. Each cell is split into two
triangles along one of its diagonals (`diagonal[i, k]`: 0 along u = v, 1 along u + v = 1,
with (u, v) the cell's local coordinates in [0, 1)²), so the surface is a continuous
periodic triangle mesh with flat facets and a unit normal per facet, pointing up, from
medium 1 (below) into medium 2 (above). Surfaces given by a formula (sinusoid, sawtooth)
sample it at the nodes and split each cell along the diagonal whose midpoint height is
closer to the formula's height at the cell centre; this makes the 1D and 2D sawtooth
(grooves, pyramids) exact, and a smooth surface second-order accurate in Δ.

Ray–surface intersection (`_first_hit`): the ray's footprint in (x, y) is walked across
the periodic grid (2D DDA: Amanatides & Woo, Eurographics 1987), through as many periods
as it takes, and ends where the ray leaves the layer z_lo ≤ z ≤ z_hi of the surface's
extreme heights. The walk has two levels: blocks of up to 8 × 8 cells (`block_size`), and
the cells of a block. A block (or cell) whose height range the ray's z range over it misses
is passed with no facet test, so the cost per hit grows with the number of blocks the
footprint crosses inside the layer plus the cells walked near the surface, not with the
number of facets. Inside a cell the footprint is split at the diagonal into at most two
intervals, one per facet; on each, f(t) = z(t) − h(x(t), y(t)) is linear. The value of f
at each interval end is carried into the next interval, so a crossing on a shared edge is
found exactly once (no gaps, no double hits, also for grazing rays), and a packet below
the surface (side 0) hits where f turns from < 0 to ≥ 0, one above (side 1) where f turns
from > 0 to ≤ 0.

Constructors: `flat`, `sinusoid`, `sawtooth` (1D grooves or 2D pyramids with a given facet
angle) and `gaussian` (random, Gaussian height correlation, reproducible from a seed).
Lengths are in metres, but geometric acoustics has no length scale: only the shape (the
slopes) changes the scattering; the lengths say where the approximation holds (the
phonon wavelength must be much shorter than the correlation length: docs/rough.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc.validation import invalid, real

#: Most blocks one ray may cross before it counts as lost (a ray almost parallel to the
#: grooves of a 1D surface, within ~1e-7 rad, can cross the layer that slowly).
MAX_STEPS = 1 << 22
#: A hit closer than this fraction of a cell to the ray's origin is the origin itself.
T_MIN = 1e-9


class Surface(NamedTuple):
    """Kernel input: a periodic triangulated height grid (see the module docstring).

    nx, ny : cells per period; dx, dy : cell sizes (m); z_lo, z_hi : the layer, from the
    lowest to the highest height, widened by t_min (m). heights : (nx · ny,) node heights
    (m), node (i, k) at i · ny + k; diagonal : (nx · ny,) int8 per cell. Facet planes and
    normals are computed from the four node heights of a cell when needed (`_facet_plane`):
    the kernel reads 9 bytes per cell, so a fine grid stays in cache. t_min : shortest
    accepted distance to a hit, and the margin of every height range (m): T_MIN of the
    smaller cell side. bx, by : cells per block of the coarse level; nbx, nby : blocks per
    period; block_lo, block_hi : (nbx · nby,) height range of each block, widened by t_min (m).
    """

    nx: int
    ny: int
    dx: float
    dy: float
    z_lo: float
    z_hi: float
    heights: np.ndarray
    diagonal: np.ndarray
    t_min: float
    bx: int
    by: int
    nbx: int
    nby: int
    block_lo: np.ndarray
    block_hi: np.ndarray


@dataclass(frozen=True)
class PeriodicSurface:
    """A periodic surface z = h(x, y) (m) as a height grid; see the module docstring.

    heights : (nx, ny) node heights (m); period : (Lx, Ly) (m); diagonal : (nx, ny) 0/1 per
    cell; name : what it is, e.g. "sinusoid(amplitude=1e-08 m, period=1e-07 m)".
    """

    heights: np.ndarray
    period: tuple
    diagonal: np.ndarray
    name: str

    def __post_init__(self):
        h = np.asarray(self.heights, dtype=float)
        if h.ndim != 2 or min(h.shape) < 1 or not np.all(np.isfinite(h)):
            raise ValueError(f"heights must be a finite 2D array (nx, ny) with nx, ny >= 1, got shape {h.shape}")
        if np.shape(self.diagonal) != h.shape or not np.all(np.isin(self.diagonal, (0, 1))):
            raise ValueError(f"diagonal must be an array of 0/1 of the heights' shape {h.shape}")
        for name, length in zip(("period[0]", "period[1]"), self.period):
            if not real(name, length, "a period must be a length > 0 in metres") > 0:
                raise invalid(name, length, "a period must be a length > 0 in metres")
        object.__setattr__(self, "heights", h)
        object.__setattr__(self, "diagonal", np.asarray(self.diagonal, dtype=np.int64))
        object.__setattr__(self, "period", tuple(float(x) for x in self.period))

    @property
    def shape(self) -> tuple:
        """Cells per period (nx, ny)."""
        return self.heights.shape

    @property
    def n_facets(self) -> int:
        """Triangles per period: 2 nx ny."""
        return 2 * self.heights.size

    def _facets(self):
        """Per cell and facet (nx, ny, 2): origin height, ∂h/∂x, ∂h/∂y; and the facet areas
        projected on the mean plane are all equal (half a cell)."""
        h = self.heights
        h00, h10 = h, np.roll(h, -1, axis=0)
        h01, h11 = np.roll(h, -1, axis=1), np.roll(h10, -1, axis=1)
        dx, dy = self.period[0] / h.shape[0], self.period[1] / h.shape[1]
        # facet 0 / 1 of a cell split along u = v (u ≥ v / u < v) or along u + v = 1 (below / above)
        su = np.where(self.diagonal == 0, [h10 - h00, h11 - h01], [h10 - h00, h11 - h01])
        sv = np.where(self.diagonal == 0, [h11 - h10, h01 - h00], [h01 - h00, h11 - h10])
        origin = np.where(self.diagonal == 0, [h00, h00], [h00, h10 + h01 - h11])
        return np.moveaxis(origin, 0, -1), np.moveaxis(su, 0, -1) / dx, np.moveaxis(sv, 0, -1) / dy

    @property
    def rms_height(self) -> float:
        """rms of h − mean(h) over the nodes (m)."""
        return float(np.std(self.heights))

    @property
    def rms_slope(self) -> float:
        """rms of |∇h| over the facets (each covers the same projected area)."""
        _, sx, sy = self._facets()
        return float(np.sqrt(np.mean(sx * sx + sy * sy)))

    def height(self, x, y):
        """h(x, y) (m) of the triangulated surface at points x, y (m), any shape; periodic."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        nx, ny = self.shape
        dx, dy = self.period[0] / nx, self.period[1] / ny
        fi, fk = np.floor(x / dx), np.floor(y / dy)
        u, v = x / dx - fi, y / dy - fk
        i, k = fi.astype(np.int64) % nx, fk.astype(np.int64) % ny
        diag = self.diagonal[i, k]
        upper = np.where(diag == 0, u < v, u + v > 1.0).astype(np.int64)
        origin, sx, sy = (a[i, k, upper] for a in self._facets())
        return origin + sx * u * dx + sy * v * dy

    def kernel_input(self, block=None) -> Surface:
        """The `Surface` the kernels read. block : cells per block side of the coarse level
        (a power of 2 that divides the grid; 1 walks cells only); default `block_size`."""
        nx, ny = self.shape
        dx, dy = self.period[0] / nx, self.period[1] / ny
        h = self.heights
        corners = np.stack([h, np.roll(h, -1, 0), np.roll(h, -1, 1), np.roll(np.roll(h, -1, 0), -1, 1)])
        margin = T_MIN * min(dx, dy)
        bx, by = (block_size(n) if block is None else block for n in (nx, ny))
        if nx % bx or ny % by:
            raise ValueError(f"block = {block!r} is invalid; it must divide the grid {nx} x {ny}")
        block_lo = corners.min(axis=0).reshape(nx // bx, bx, ny // by, by).min(axis=(1, 3)) - margin
        block_hi = corners.max(axis=0).reshape(nx // bx, bx, ny // by, by).max(axis=(1, 3)) + margin
        return Surface(int(nx), int(ny), float(dx), float(dy), float(h.min() - margin), float(h.max() + margin),
                       np.ascontiguousarray(h.ravel()), np.ascontiguousarray(self.diagonal.ravel(), dtype=np.int8),
                       margin, int(bx), int(by), int(nx // bx), int(ny // by),
                       np.ascontiguousarray(block_lo.ravel()), np.ascontiguousarray(block_hi.ravel()))

    def facet_normals(self) -> np.ndarray:
        """(nx · ny · 2, 3) unit normal of each facet, indexed (i · ny + k) · 2 + facet 0/1."""
        _, sx, sy = self._facets()
        norm = np.sqrt(1.0 + sx * sx + sy * sy)
        return np.stack([-sx / norm, -sy / norm, 1.0 / norm], axis=-1).reshape(-1, 3)


def block_size(n: int) -> int:
    """Cells per block side of the coarse level for n cells per period: the largest of
    8, 4, 2 that divides n and leaves at least 2 blocks, else 1."""
    return next((b for b in (8, 4, 2) if n % b == 0 and n // b >= 2), 1)


# ---------------------------------------------------------------- constructors
def _positive(name, value, what):
    why = f"{what} must be a number > 0 in metres"
    x = real(name, value, why)
    if not x > 0:
        raise invalid(name, value, why)
    return x


def _cells(name, value, smallest=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise invalid(name, value, f"the number of grid cells per period must be an integer >= {smallest}")
    return int(value)


def sampled(h, period, cells, name) -> PeriodicSurface:
    """The surface through the nodes of h(x, y) (a vectorized function, m) on a grid of
    `cells` = (nx, ny) over `period` = (Lx, Ly) (m); each cell split along the diagonal
    whose midpoint is closer to h at the cell centre (exact for piecewise-planar h whose
    kinks lie on grid lines and diagonals)."""
    (lx, ly), (nx, ny) = period, cells
    x = np.arange(nx)[:, None] * (lx / nx)
    y = np.arange(ny)[None, :] * (ly / ny)
    heights = np.broadcast_to(h(x, y), (nx, ny)).astype(float)
    h10, h01 = np.roll(heights, -1, 0), np.roll(heights, -1, 1)
    h11 = np.roll(h10, -1, 1)
    centre = np.broadcast_to(h(x + 0.5 * lx / nx, y + 0.5 * ly / ny), (nx, ny))
    diagonal = (np.abs(0.5 * (h10 + h01) - centre) < np.abs(0.5 * (heights + h11) - centre)).astype(np.int64)
    return PeriodicSurface(heights, (lx, ly), diagonal, name)


def flat(period=1e-6) -> PeriodicSurface:
    """The plane z = 0 (one cell of `period` (m) on a side)."""
    p = _positive("period", period, "the period")
    return PeriodicSurface(np.zeros((1, 1)), (p, p), np.zeros((1, 1), dtype=np.int64), "flat")


def sinusoid(amplitude, period, cells=64, two_d=False) -> PeriodicSurface:
    """h = A sin(2πx/L) (1D: grooves along y) or A sin(2πx/L) sin(2πy/L) (2D), sampled on
    `cells` cells per period L (m) in each varying direction."""
    a = _positive("amplitude", amplitude, "the amplitude")
    p = _positive("period", period, "the period")
    n = _cells("cells", cells, 4)
    q = 2.0 * math.pi / p
    if two_d:
        return sampled(lambda x, y: a * np.sin(q * x) * np.sin(q * y), (p, p), (n, n),
                       f"sinusoid 2D (amplitude={a:g} m, period={p:g} m, {n}x{n} cells)")
    return sampled(lambda x, y: a * np.sin(q * x) + 0.0 * y, (p, p), (n, 1),
                   f"sinusoid 1D (amplitude={a:g} m, period={p:g} m, {n} cells)")


def sawtooth(facet_angle_deg, period, two_d=False) -> PeriodicSurface:
    """Symmetric triangular profile with facets at `facet_angle_deg` (0 < angle < 90) to the
    mean plane, period L (m): 1D V-grooves along y, h = (L/2) tan α · tri(x/L); or 2D square
    pyramids, h = (L/2) tan α · (1 − 2 max(|x − L/2|, |y − L/2|)/L). Mean height 0; exact on
    a 2 (× 2) cell grid."""
    angle = real("facet_angle_deg", facet_angle_deg, "the facet angle must be a number of degrees in (0, 90)")
    if not 0.0 < angle < 90.0:
        raise invalid("facet_angle_deg", facet_angle_deg, "the facet angle must be a number of degrees in (0, 90)")
    p = _positive("period", period, "the period")
    top = 0.5 * p * math.tan(math.radians(angle))
    if two_d:  # pyramid: mean height top/3
        return sampled(lambda x, y: top * (2.0 / 3.0 - 2.0 * np.maximum(np.abs(x - 0.5 * p), np.abs(y - 0.5 * p)) / p),
                       (p, p), (2, 2), f"pyramids (facets {angle:g} deg, period={p:g} m)")
    return sampled(lambda x, y: top * (0.5 - 2.0 * np.abs(x - 0.5 * p) / p) + 0.0 * y, (p, p), (2, 1),
                   f"V-grooves (facets {angle:g} deg, period={p:g} m)")


def gaussian(rms, correlation_length, period, cells=128, seed=0) -> PeriodicSurface:
    """Random surface with Gaussian height correlation C(r) = σ² exp(−r²/ξ²), σ = `rms`,
    ξ = `correlation_length`, periodic with `period` L (m) on cells × cells nodes.

    Spectral filtering: white noise from numpy's PCG64 seeded with `seed`, its 2D FFT times
    √S(q) with S(q) ∝ exp(−q²ξ²/4) (the transform of C), transformed back; then shifted to
    mean 0 and scaled to rms exactly σ. The rms slope per direction is √2 σ/ξ (|∇h|: 2σ/ξ)
    when ξ spans several cells and L several ξ.
    """
    sigma = _positive("rms", rms, "the rms height")
    xi = _positive("correlation_length", correlation_length, "the correlation length")
    p = _positive("period", period, "the period")
    n = _cells("cells", cells, 4)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise invalid("seed", seed, "the seed must be an integer >= 0")
    q = 2.0 * math.pi * np.fft.fftfreq(n, d=p / n)
    q2 = q[:, None] ** 2 + q[None, :] ** 2
    noise = np.random.default_rng(int(seed)).standard_normal((n, n))
    h = np.fft.ifft2(np.fft.fft2(noise) * np.exp(-q2 * xi * xi / 8.0)).real
    h = (h - h.mean()) * (sigma / h.std())
    return PeriodicSurface(h, (p, p), np.zeros((n, n), dtype=np.int64),
                           f"gaussian (rms={sigma:g} m, correlation={xi:g} m, period={p:g} m, {n}x{n} cells, seed={seed})")


# ---------------------------------------------------------------- ray–surface intersection
@nb.njit(cache=True, inline="always", error_model="numpy")
def _corners(surf, cell):
    """Node heights h00, h10, h01, h11 (m) of cell i · ny + k, periodic."""
    i, k = cell // surf.ny, cell % surf.ny
    i1 = i + 1 if i + 1 < surf.nx else 0
    k1 = k + 1 if k + 1 < surf.ny else 0
    h = surf.heights
    return h[i * surf.ny + k], h[i1 * surf.ny + k], h[i * surf.ny + k1], h[i1 * surf.ny + k1]


@nb.njit(cache=True, inline="always", error_model="numpy")
def _facet_plane(diagonal, upper, h00, h10, h01, h11):
    """(height at the cell origin, ∂h/∂u, ∂h/∂v) of facet 0 or 1 (`upper`) of a cell, in its local
    coordinates u, v ∈ [0, 1] (see `PeriodicSurface._facets`)."""
    if diagonal == 0:
        if upper == 0:
            return h00, h10 - h00, h11 - h10
        return h00, h11 - h01, h01 - h00
    if upper == 0:
        return h00, h10 - h00, h01 - h00
    return h10 + h01 - h11, h11 - h01, h11 - h10


@nb.njit(cache=True, error_model="numpy")
def _facet_normal(surf, facet):
    """Unit normal (−∂h/∂x, −∂h/∂y, 1)/norm of facet (cell · 2 + 0/1), pointing into medium 2."""
    cell = facet // 2
    h00, h10, h01, h11 = _corners(surf, cell)
    _, su, sv = _facet_plane(surf.diagonal[cell], facet % 2, h00, h10, h01, h11)
    sx, sy = su / surf.dx, sv / surf.dy
    norm = math.sqrt(1.0 + sx * sx + sy * sy)
    return -sx / norm, -sy / norm, 1.0 / norm


@nb.njit(cache=True, inline="always", error_model="numpy")
def _in_cell(surf, i, k, px, py, pz, d0, d1, d2, sign, t0, t1, f_prev, known):
    """The footprint [t0, t1] of the ray in cell (i, k) (unwrapped indices): split at the
    cell's diagonal, f = sign · (z − h) carried from interval to interval (`f_prev`, valid if
    `known`). Returns (t of the crossing or −1, facet, f at t1, whether f at t1 is known)."""
    cell = (i % surf.nx) * surf.ny + (k % surf.ny)
    h00, h10, h01, h11 = _corners(surf, cell)
    za, zb = pz + t0 * d2, pz + t1 * d2
    lo = min(min(h00, h10), min(h01, h11)) - surf.t_min
    hi = max(max(h00, h10), max(h01, h11)) + surf.t_min
    if not (t1 > surf.t_min and max(za, zb) >= lo and min(za, zb) <= hi):
        return -1.0, 0, 0.0, False
    diagonal = surf.diagonal[cell]
    u0, du = (px - i * surf.dx) / surf.dx, d0 / surf.dx
    v0, dv = (py - k * surf.dy) / surf.dy, d1 / surf.dy
    if diagonal == 0:  # facet 0 where g = u − v ≥ 0
        g0, g1 = u0 - v0, du - dv
    else:  # facet 0 where g = 1 − u − v ≥ 0
        g0, g1 = 1.0 - u0 - v0, -du - dv
    tg = -g0 / g1 if g1 != 0.0 else math.inf
    a = max(t0, surf.t_min)
    if not known:
        o, su, sv = _facet_plane(diagonal, 0 if g0 + g1 * a >= 0.0 else 1, h00, h10, h01, h11)
        f_prev = sign * (pz + a * d2 - (o + su * (u0 + a * du) + sv * (v0 + a * dv)))
    for part in range(2):
        b = tg if (part == 0 and a < tg < t1) else t1
        upper = 0 if g0 + g1 * (0.5 * (a + b)) >= 0.0 else 1
        o, su, sv = _facet_plane(diagonal, upper, h00, h10, h01, h11)
        fb = sign * (pz + b * d2 - (o + su * (u0 + b * du) + sv * (v0 + b * dv)))
        if f_prev < 0.0 <= fb:
            return a + (b - a) * f_prev / (f_prev - fb), cell * 2 + upper, fb, True
        f_prev, a = fb, b
        if b >= t1:
            break
    return -1.0, 0, f_prev, True


@nb.njit(cache=True, error_model="numpy", fastmath={"nsz", "nnan"})
def _first_hit(surf, px, py, pz, d0, d1, d2, side):
    """First crossing of the ray p + t d (t > surf.t_min) through the surface, for a ray below
    (side 0) or above (side 1) it; see the module docstring.

    Two-level walk: blocks of bx × by cells whose height range the ray misses are passed
    whole; inside the others the cells are walked one by one (`_in_cell`).
    Returns (t (m), facet = (cell index) · 2 + facet 0/1): facet −1 when the ray leaves the
    layer z_lo ≤ z ≤ z_hi without a crossing, −2 when it crossed MAX_STEPS blocks without
    leaving (lost).
    """
    inf = math.inf
    dx, dy, bx, by = surf.dx, surf.dy, surf.bx, surf.by
    if d2 > 0.0:
        t_exit = (surf.z_hi - pz) / d2
    elif d2 < 0.0:
        t_exit = (surf.z_lo - pz) / d2
    else:
        t_exit = inf
    up_x, up_y = d0 > 0.0, d1 > 0.0
    step_x, step_y = (1 if up_x else -1), (1 if up_y else -1)
    # block (bi, bk) holds cells bi · bx … bi · bx + bx − 1; boundaries at whole cells, so the
    # walk over blocks and over cells computes every crossing time the same way
    bi, bk = int(math.floor(px / (bx * dx))), int(math.floor(py / (by * dy)))
    next_bx = ((bi + up_x) * bx * dx - px) / d0 if d0 != 0.0 else inf
    next_by = ((bk + up_y) * by * dy - py) / d1 if d1 != 0.0 else inf
    sign = 1.0 if side == 0 else -1.0  # crossing: sign · f turns from < 0 to ≥ 0
    t0, f_prev, known = 0.0, 0.0, False
    for _ in range(MAX_STEPS):
        t1 = min(next_bx, next_by, t_exit)
        block = (bi % surf.nbx) * surf.nby + (bk % surf.nby)
        za, zb = pz + t0 * d2, pz + t1 * d2
        if t1 > surf.t_min and max(za, zb) >= surf.block_lo[block] and min(za, zb) <= surf.block_hi[block]:
            # the entry cell, clamped into the block against round-off at its boundary
            i = min(max(int(math.floor((px + t0 * d0) / dx)), bi * bx), bi * bx + bx - 1)
            k = min(max(int(math.floor((py + t0 * d1) / dy)), bk * by), bk * by + by - 1)
            next_x = ((i + up_x) * dx - px) / d0 if d0 != 0.0 else inf
            next_y = ((k + up_y) * dy - py) / d1 if d1 != 0.0 else inf
            c0 = t0
            for _ in range(2 * (bx + by)):
                c1 = min(next_x, next_y, t1)
                if c1 > c0:
                    t, facet, f_prev, known = _in_cell(surf, i, k, px, py, pz, d0, d1, d2, sign, c0, c1, f_prev, known)
                    if t >= 0.0:
                        return t, facet
                    c0 = c1
                if c1 >= t1:
                    break
                if next_x < next_y:
                    i += step_x
                    next_x = ((i + up_x) * dx - px) / d0
                else:
                    k += step_y
                    next_y = ((k + up_y) * dy - py) / d1
        else:
            known = False
        if t1 >= t_exit:
            return inf, -1
        if next_bx < next_by:
            t0, bi = next_bx, bi + step_x
            next_bx = ((bi + up_x) * bx * dx - px) / d0
        else:
            t0, bk = next_by, bk + step_y
            next_by = ((bk + up_y) * by * dy - py) / d1
    return inf, -2


@nb.njit(cache=True, error_model="numpy")
def _crossings(surf, origin, direction, side, count, out):
    """Up to `count` successive crossings of one straight ray (it keeps its direction; its side
    flips at each): fills out[n] = (t, facet); returns how many were found."""
    px, py, pz = origin[0], origin[1], origin[2]
    t_total = 0.0
    for n in range(count):
        t, facet = _first_hit(surf, px, py, pz, direction[0], direction[1], direction[2], side)
        if facet < 0:
            return n
        t_total += t
        out[n, 0], out[n, 1] = t_total, facet
        px, py, pz = px + t * direction[0], py + t * direction[1], pz + t * direction[2]
        side = 1 - side
    return count


def crossings(surface: PeriodicSurface, origin, direction, side: int, count: int = 1, block=None):
    """Successive crossings of the straight ray origin + t · direction (m, unit vector) through
    the surface, starting below it (side 0) or above (side 1): (points (n, 3) (m), unit normals
    (n, 3) of the facets hit, t (n,) (m)), n ≤ count. block : as in `kernel_input`. For tests
    and studies; kernels call `_first_hit`."""
    d = np.asarray(direction, dtype=float)
    if d.shape != (3,) or abs(np.linalg.norm(d) - 1.0) > 1e-12:
        raise ValueError(f"direction = {direction!r} must be a unit vector (3,)")
    if side not in (0, 1):
        raise ValueError(f"side = {side!r} is invalid; valid: 0 (below the surface) or 1 (above)")
    o = np.asarray(origin, dtype=float)
    surf = surface.kernel_input(block)
    out = np.zeros((count, 2))
    n = _crossings(surf, o, d, side, count, out)
    t, facet = out[:n, 0], out[:n, 1].astype(np.int64)
    return o + t[:, None] * d, surface.facet_normals()[facet], t
