"""Monte Carlo of phonon packets at a rough interface z = h(x, y) (geometric acoustics).

A packet is drawn from the emission table of one medium (`emission`: ω, branch), with a
Lambert direction (μ² and azimuth uniform) or a fixed one, from a point uniform over one
period of the surface (`surfaces`) on the plane just below (medium 1) or above (medium 2)
the rough layer. It is traced in 3D: at every crossing of the surface it meets the
interface event (`events._interface_event`) in the frame of the local facet normal (AMM
with mode conversion and Snell's law, or any local model of `models`), and goes on in a
straight line from the hit point, until it leaves the layer away from the surface: into
medium 1 below it, or into medium 2 above it. A transverse packet carries its polarization
vector; at a facet whose normal differs from that of its last event it is resolved into the
local SV and SH (`events._resolve_transverse`), and after each event it is set from the
outgoing branch (`events._polarization`). Its final SV/SH is resolved against the mean
plane z = 0, so outcomes are labelled like those of the bare interface.

Scores per batch (`score_layout`; weight 1 per packet, `tallies`), channels rL rSV rSH tL
tSV tSH of the packet's final medium and branch relative to its emitting side:
transmitted; lost (packets that crossed `surfaces.MAX_STEPS` cells or MAX_HITS facets
without leaving, or leaked through the mesh: 0 in every test); outcome[channel];
angular[incident branch, channel, sin θ bin]; outgoing[channel, sin θ' bin] (θ' from the
mean-plane normal); hits[reflected 0 / transmitted 1, number of hits, the last bin
collecting all beyond]; first[branch at the first hit (local SV/SH), channel of the first
event]; in_cone[reflected / transmitted]: packets leaving within `cone_deg` of the
direction a flat interface would give the same channel (mirror or Snell direction of the
mean plane; `effective_specularity`). A unit of weight stands for G_emit / N (W m⁻² K⁻¹).

Streams are keyed by `rng.emitter_key("rough", side)`, never by ("side", side): a rough run
and a bare run with the same seed and point draw different packets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc import io, landauer
from phononmc.dispersion import branches
from phononmc.mc.emission import _draw_frequency
from phononmc.mc.events import _interface_event, _polarization, _resolve_transverse
from phononmc.mc.interface import SidePlan, _angle_bin, plan_side
from phononmc.mc.rng import U64, _stream, _uniform, emitter_key
from phononmc.mc.surfaces import PeriodicSurface, Surface, _facet_normal, _first_hit
from phononmc.mc.tallies import Layout, ScoreTally, combine
from phononmc.models import parse_model
from phononmc.quadrature import split_gauss_cosine
from phononmc.transmission import amm, dmm

#: Most interface events of one packet before it counts as lost.
MAX_HITS = 10_000


class RoughScores(NamedTuple):
    """Offsets of the rough-interface scores in a batch's vector (see `score_layout`)."""

    transmitted: int
    lost: int
    outcome: int
    angular: int
    outgoing: int
    hits: int
    first: int
    in_cone: int


class RoughBins(NamedTuple):
    """Kernel settings: angular bins over sin θ ∈ [0, 1]; hit-count bins; cos of the
    specular cone's half-angle; a fixed incidence (μ² = cos²θ, azimuth φ in rad) or
    μ² < 0 for Lambert emission."""

    angular: int
    hits: int
    cone_cos: float
    mu2: float
    phi: float


def score_layout(angle_bins: int, hit_bins: int) -> Layout:
    """The scores of the rough-interface kernel, in the order of `RoughScores`."""
    return Layout(RoughScores, {"transmitted": (), "lost": (), "outcome": (6,), "angular": (3, 6, angle_bins),
                                "outgoing": (6, angle_bins), "hits": (2, hit_bins), "first": (3, 6),
                                "in_cone": (2,)})


@nb.njit(cache=True, error_model="numpy", fastmath={"nsz", "nnan"})
def _packet(state, emission, iface, spec, surf, side, bins):
    """One packet from `side` (0/1) through the rough layer (see the module docstring).

    Returns (ω, incident branch, μ², φ, channel 0..5, hits, branch at the first hit, channel
    of the first event, outgoing d0, d1, d2, in the specular cone, lost).
    """
    omega, j, band = _draw_frequency(state, emission)
    if bins.mu2 < 0.0:
        mu2, phi = _uniform(state), 2.0 * math.pi * _uniform(state)
    else:
        mu2, phi = bins.mu2, bins.phi
    lx, ly = surf.nx * surf.dx, surf.ny * surf.dy
    px, py = _uniform(state) * lx, _uniform(state) * ly
    mu, sin_theta = math.sqrt(mu2), math.sqrt(1.0 - mu2)
    i0, i1, i2 = sin_theta * math.cos(phi), sin_theta * math.sin(phi), (mu if side == 0 else -mu)
    pz = surf.z_lo if side == 0 else surf.z_hi
    d0, d1, d2 = i0, i1, i2
    j_in, s = j, side
    p0, p1, p2 = _polarization(j, d0, d1, d2, 0.0, 0.0, 1.0) if j >= 1 else (0.0, 0.0, 0.0)
    m0, m1, m2 = 0.0, 0.0, 1.0  # normal of the last event (the mean plane's before the first)
    hits, j_first, c_first, lost = 0, 0, 0, False
    while True:
        t, facet = _first_hit(surf, px, py, pz, d0, d1, d2, s)
        if facet < 0:  # left the layer: lost if crossing MAX_STEPS cells, or leaving towards its own medium
            lost = facet == -2 or (d2 > 0.0) != (s == 1)
            break
        px, py, pz = px + t * d0, py + t * d1, pz + t * d2
        px -= math.floor(px / lx) * lx
        py -= math.floor(py / ly) * ly
        n0, n1, n2 = _facet_normal(surf, facet)
        if j >= 1 and (n0 != m0 or n1 != m1 or n2 != m2):
            j = _resolve_transverse(state, p0, p1, p2, d0, d1, d2, n0, n1, n2)
        s_out, j_out, d0, d1, d2, _, _ = _interface_event(state, iface, spec, s, j, omega, band,
                                                          d0, d1, d2, n0, n1, n2, True)
        if hits == 0:
            j_first, c_first = j, j_out + 3 * (s_out ^ s)
        hits += 1
        s, j = s_out, j_out
        if j >= 1:
            p0, p1, p2 = _polarization(j, d0, d1, d2, n0, n1, n2)
        m0, m1, m2 = n0, n1, n2
        if hits >= MAX_HITS:
            lost = True
            break
    if j >= 1 and (m0 != 0.0 or m1 != 0.0 or m2 != 1.0):
        j = _resolve_transverse(state, p0, p1, p2, d0, d1, d2, 0.0, 0.0, 1.0)
    c = j + 3 * (s ^ side)
    # the flat interface's direction for this channel: d' = r (d − μ ẑ) ± √(1 − (1 − μ²) r²) ẑ
    ratio = iface.snell[U64((side * 3 + j_in) * 6 + c)]
    mu2_flat = 1.0 - (1.0 - mu2) * ratio * ratio
    in_cone = False
    if ratio > 0.0 and mu2_flat >= 0.0:
        normal = math.sqrt(mu2_flat) if s == 1 else -math.sqrt(mu2_flat)
        in_cone = ratio * (i0 * d0 + i1 * d1) + normal * d2 >= bins.cone_cos
    return omega, j_in, mu2, phi, c, hits, j_first, c_first, d0, d1, d2, in_cone, lost


@nb.njit(cache=True, parallel=True, error_model="numpy", fastmath={"nsz", "nnan"})
def _transport(seed, point, emitter, side, first_batch, n_packets, emission, iface, spec, surf, off, bins,
               scores):
    """n_packets per batch from `side` (0/1) for batches first_batch … first_batch + B − 1:
    batch b on stream (seed, point, emitter, first_batch + b), its scores (counts) in scores[b],
    laid out by `off` (a `RoughScores`)."""
    n_ang, n_hits = bins.angular, bins.hits
    for bi in nb.prange(scores.shape[0]):
        state = _stream(seed, point, emitter, first_batch + bi)
        t = np.zeros(scores.shape[1] + 16, np.int64)[8:-8]  # guard lines against false sharing
        for _ in range(n_packets):
            _, j, mu2, _, c, hits, j_first, c_first, _, _, d2, in_cone, lost = _packet(
                state, emission, iface, spec, surf, side, bins)
            if lost:
                t[U64(off.lost)] += 1
                continue
            through = c >= 3
            t[U64(off.transmitted)] += through
            t[U64(off.outcome + c)] += 1
            t[U64(off.angular + (j * 6 + c) * n_ang + _angle_bin(math.sqrt(1.0 - mu2), n_ang))] += 1
            t[U64(off.outgoing + c * n_ang + _angle_bin(math.sqrt(max(1.0 - d2 * d2, 0.0)), n_ang))] += 1
            t[U64(off.hits + through * n_hits + min(hits, n_hits - 1))] += 1
            t[U64(off.first + j_first * 6 + c_first)] += 1
            t[U64(off.in_cone + through)] += in_cone
        scores[bi, :] = t


@nb.njit(cache=True, error_model="numpy")
def _trace(seed, point, emitter, side, n_packets, emission, iface, spec, surf, bins):
    """The packets of batch 0 one by one, (n_packets, 13): the values `_packet` returns."""
    out = np.empty((n_packets, 13))
    state = _stream(seed, point, emitter, 0)
    for n in range(n_packets):
        (out[n, 0], out[n, 1], out[n, 2], out[n, 3], out[n, 4], out[n, 5], out[n, 6], out[n, 7], out[n, 8],
         out[n, 9], out[n, 10], out[n, 11], out[n, 12]) = _packet(state, emission, iface, spec, surf, side, bins)
    return out


# ---------------------------------------------------------------- driver
def rough_settings(angle_bins=30, hit_bins=16, cone_deg=3.0, incidence=None) -> RoughBins:
    """Validated kernel settings (`RoughBins`) from histogram bins, the specular cone's half-angle
    (degrees) and a fixed incidence (θ, φ) in degrees or None (Lambert emission)."""
    for name, value, low in (("angle_bins", angle_bins, 1), ("hit_bins", hit_bins, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} = {value!r} is invalid; it must be an integer >= {low}")
    if not 0.0 < float(cone_deg) < 90.0:
        raise ValueError(f"cone_deg = {cone_deg!r} is invalid; the cone's half-angle must be in (0, 90) degrees")
    if incidence is None:
        mu2, phi = -1.0, 0.0
    else:
        theta, phi_deg = (float(x) for x in incidence)
        if not 0.0 <= theta < 90.0:
            raise ValueError(f"incidence = {incidence!r} is invalid; it is (θ, φ) in degrees with 0 <= θ < 90")
        mu2, phi = math.cos(math.radians(theta)) ** 2, math.radians(phi_deg)
    return RoughBins(int(angle_bins), int(hit_bins), math.cos(math.radians(float(cone_deg))), mu2, phi)


def _check_run(side, n_batches, n_packets):
    if side not in (1, 2):
        raise ValueError(f"side = {side!r} is invalid; valid: 1 (medium 1 emits) or 2 (medium 2 emits)")
    for name, value in (("n_batches", n_batches), ("n_packets", n_packets)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} = {value!r} is invalid; it must be an integer >= 1")


@dataclass(frozen=True)
class RoughResult:
    """Scores of packets from one side of a rough interface.

    tally : `tallies.ScoreTally` of `score_layout`, unit G_emit/N (W m⁻² K⁻¹). plan : the side's
    emission and interface tables. surface : the `PeriodicSurface`. angle_edges : sin θ bin
    edges. cone_deg : half-angle of the specular cone. incidence : (θ, φ) in degrees, or None
    for Lambert emission; with a fixed incidence G is the flux of a beam, not a conductance.
    """

    m1: object
    m2: object
    model: object
    T: float
    delta_T: float
    part: str
    plan: SidePlan
    surface: PeriodicSurface
    tally: ScoreTally
    n_packets: int
    angle_edges: np.ndarray
    cone_deg: float
    incidence: tuple | None

    @property
    def side(self) -> int:
        return self.plan.side

    @property
    def G(self) -> float:
        """Conductance from this side's packets (W m⁻² K⁻¹)."""
        return float(self.tally.mean("transmitted"))

    @property
    def G_err(self) -> float:
        """Standard error of G from the batch-to-batch scatter (W m⁻² K⁻¹)."""
        return float(self.tally.stderr("transmitted"))

    @property
    def packets(self) -> int:
        return self.tally.batches * self.n_packets

    @property
    def lost(self) -> int:
        """Packets that did not leave the layer (see the module docstring)."""
        return int(self.tally.sum("lost"))

    def transmitted_fraction(self) -> tuple[float, float]:
        """Energy-weighted mean transmission τ̄ = G/G_emit and its standard error."""
        g_emit = self.plan.table.g_emit
        return self.G / g_emit, self.G_err / g_emit

    def _binomial(self, counts, totals):
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
            return f, np.sqrt(np.clip(f * (1 - f), 0, None) / np.maximum(totals, 1))

    def angular_transmission(self):
        """(sin θ at bin centres, τ per bin, binomial standard error): the fraction of the
        energy emitted in each incidence bin that ends in medium 2 (side 1) or 1 (side 2)."""
        ang = self.tally.sum("angular")
        f, err = self._binomial(ang[:, 3:].sum(axis=(0, 1)), ang.sum(axis=(0, 1)))
        return 0.5 * (self.angle_edges[1:] + self.angle_edges[:-1]), f, err

    def outgoing_distribution(self):
        """(sin θ' at bin centres, (6, n) fraction of all packets leaving in channel rL … tSH
        in each sin θ' bin, θ' from the mean-plane normal)."""
        out = self.tally.sum("outgoing")
        return 0.5 * (self.angle_edges[1:] + self.angle_edges[:-1]), out / max(self.packets - self.lost, 1)

    def hit_distribution(self):
        """(number of hits 0 … H − 1, the last meaning H − 1 or more; (2, H) fraction of packets
        reflected / transmitted after that many hits; its binomial standard error)."""
        h = self.tally.sum("hits")
        f, err = self._binomial(h, np.full(h.shape, self.packets - self.lost, dtype=float))
        return np.arange(h.shape[1]), f, err

    def effective_specularity(self) -> tuple[float, float]:
        """Fraction of the energy leaving within `cone_deg` of the flat interface's direction for
        its channel (mirror or Snell direction of the mean plane), and its binomial error.

        A flat AMM interface gives 1. A diffuse (Lambert) share adds its chance of landing in
        the cone, ≈ δ² cos θ_flat ≤ δ² (δ the half-angle in rad: 2.7e-3 for 3°): p_eff of the
        mixed model is p + (1 − p) δ² ⟨cos θ_flat⟩.
        """
        n = self.packets - self.lost
        f = float(self.tally.sum("in_cone").sum()) / n
        return f, math.sqrt(max(f * (1 - f), 0.0) / n)


def run_batches(plan: SidePlan, surface: Surface, settings: RoughBins, seed, point, first_batch, n_batches,
                n_packets) -> np.ndarray:
    """Scores of batches [first_batch, first_batch + n_batches) of packets from `plan`'s side
    through `surface` (`PeriodicSurface.kernel_input()`), shape (n_batches, layout size) of
    `score_layout(settings.angular, settings.hits)` (read them with `Layout.split`)."""
    layout = score_layout(settings.angular, settings.hits)
    scores = np.zeros((n_batches, layout.size))
    _transport(int(seed), int(point), emitter_key("rough", plan.side), plan.side - 1, int(first_batch),
               int(n_packets), plan.emission, plan.iface, plan.spec, surface, layout.offsets, settings, scores)
    return scores


def run_rough(m1, m2, model, surface: PeriodicSurface, T, side=1, seed=1, n_batches=20, n_packets=100_000, *,
              point=0, first_batch=0, delta_T=0.0, part="full", angle_bins=30, hit_bins=16, cone_deg=3.0,
              incidence=None, dispersion="debye") -> RoughResult:
    """Packets from medium `side` (1 or 2) through the rough interface `surface` between m1
    (below) and m2 (above) at temperature T (K).

    model : a `models.Model` or its name ("amm", "mixed(p=0.3)", …), applied at each facet.
    seed, point, first_batch : name the streams (seed, point, ("rough", side), batch).
    n_batches × n_packets : packets run. delta_T, part : as in `interface.plan_side`.
    angle_bins, hit_bins : histogram bins. cone_deg : half-angle of the specular cone.
    incidence : None (Lambert) or (θ, φ) in degrees, every packet in that direction.
    """
    model = parse_model(model)
    _check_run(side, n_batches, n_packets)
    if not isinstance(surface, PeriodicSurface):
        raise ValueError(f"surface = {surface!r} is not a surface; build one with phononmc.mc.surfaces "
                         "(flat, sinusoid, sawtooth, gaussian)")
    settings = rough_settings(angle_bins, hit_bins, cone_deg, incidence)
    plan = plan_side(m1, m2, model, T, delta_T, side, part, dispersion)
    scores = run_batches(plan, surface.kernel_input(), settings, seed, point, first_batch, n_batches, n_packets)
    tally = ScoreTally(score_layout(settings.angular, settings.hits), plan.table.g_emit / n_packets)
    tally.add(scores)
    return RoughResult(m1, m2, model, float(T), float(delta_T), part, plan, surface, tally, int(n_packets),
                       np.linspace(0.0, 1.0, settings.angular + 1), float(cone_deg),
                       None if incidence is None else tuple(float(x) for x in incidence))


def trace(m1, m2, model, surface: PeriodicSurface, T, side=1, seed=1, n_packets=1000, *, point=0,
          incidence=None, cone_deg=3.0, dispersion="debye") -> np.ndarray:
    """Per-packet record of batch 0, shape (n_packets, 13): ω, incident branch, μ², φ, channel,
    hits, branch at the first hit, channel of the first event, outgoing direction (3), in the
    specular cone, lost. For tests and studies of single packets."""
    model = parse_model(model)
    _check_run(side, 1, n_packets)
    bins = rough_settings(1, 2, cone_deg, incidence)
    plan = plan_side(m1, m2, model, T, 0.0, side, "full", dispersion)
    return _trace(int(seed), int(point), emitter_key("rough", side), side - 1, int(n_packets), plan.emission,
                  plan.iface, plan.spec, surface.kernel_input(), bins)


# ---------------------------------------------------------------- comparison with the specularity models
def mixed_angular_reference(result: RoughResult, n: int = 16):
    """(τ_AMM, τ_DMM) per sin θ bin of `result`: the energy-weighted transmission of a flat
    interface in each incidence bin, for its emitted spectrum, with the Debye cutoffs as the
    kernel applies them. The mixed model's is p τ_AMM + (1 − p) τ_DMM.

    Each bin is the average over μ² (uniform under Lambert emission) of the AMM channels
    open at each emission cell's ω, integrated by Gauss–Legendre split at the critical angles.
    """
    plan = result.plan
    a, b = (result.m1, result.m2) if plan.side == 1 else (result.m2, result.m1)
    bs = branches(a)
    nb_ = len(bs)
    mass = plan.table.mass  # (cells, branches)
    omega = plan.table.entries[::nb_, 2] + 0.5 * plan.table.entries[::nb_, 3]
    mu2_edges = np.sort(1.0 - result.angle_edges**2)
    tau_amm = np.zeros(len(mu2_edges) - 1)
    for j, br in enumerate(bs):
        crit = [1.0 - (br.velocity * s) ** 2 for s in amm.critical_slownesses(a, b, br.velocity)]
        is_open = amm.open_channels(a, b, br.name, omega)[3:].astype(float)  # (3, cells)
        per_bin = []
        for lo, hi in zip(mu2_edges[:-1], mu2_edges[1:]):
            x, w = split_gauss_cosine([lo, hi, *[c for c in crit if lo < c < hi]], n)
            coeff = amm.coefficients_slowness(a, b, np.sqrt(1.0 - x) / br.velocity, br.name).as_array()[3:]
            per_bin.append(coeff @ w / (hi - lo))
        trans = np.array(per_bin).T  # (3, bins) in order of increasing μ², i.e. decreasing sin θ
        tau_amm += (mass[:, j] @ (is_open.T @ trans))[::-1]
    tau_dmm = float(mass.sum(axis=1) @ dmm.transmission(a, b, omega)) / mass.sum()
    return tau_amm / mass.sum(), np.full_like(tau_amm, tau_dmm)


class SpecularityFit(NamedTuple):
    """Best-fit p of the mixed model to a rough-interface result.

    p_G, p_G_err : p whose mixed G equals the rough G: (G − G_DMM)/(G_AMM − G_DMM).
    p_angle, p_angle_err : weighted least-squares fit of p τ_AMM(θ) + (1 − p) τ_DMM to the
        angle-resolved transmission. chi2_dof : χ² per degree of freedom of that fit: near 1
        when p-mixing describes the angular transmission, ≫ 1 when the geometry does
        something the mixed model cannot.
    """

    p_G: float
    p_G_err: float
    p_angle: float
    p_angle_err: float
    chi2_dof: float


def fit_specularity(result: RoughResult) -> SpecularityFit:
    """Best-fit p of the mixed model (see `SpecularityFit`).

    Both fits are linear in p. The fit to G always succeeds (one number, one parameter) and
    is the p to use for the conductance. The fit to τ(θ) is the test: the binned
    transmission carries the angular information the mixed model must also reproduce, and
    its χ² (binomial errors, evaluated at the model with p_G so that empty bins of total
    internal reflection keep their weight) says whether it does.
    """
    if result.incidence is not None:
        raise ValueError("fit_specularity needs Lambert emission (incidence = None): "
                         f"this result has incidence = {result.incidence}")
    side = result.side
    g_amm, g_dmm = (float(landauer.conductance(result.m1, result.m2, result.T, kind, side=side,
                                               delta_T=result.delta_T, part=result.part)) for kind in ("amm", "dmm"))
    span = g_amm - g_dmm
    p_g, p_g_err = (result.G - g_dmm) / span, result.G_err / abs(span)
    _, tau, _ = result.angular_transmission()
    emitted = result.tally.sum("angular").sum(axis=(0, 1))
    t_amm, t_dmm = mixed_angular_reference(result)
    use = emitted > 0
    model = np.clip(t_dmm + p_g * (t_amm - t_dmm), 0.0, 1.0)
    var = np.maximum(model * (1 - model), 1.0 / np.maximum(emitted, 1)) / np.maximum(emitted, 1)
    x, y, w = (t_amm - t_dmm)[use], (tau - t_dmm)[use], 1.0 / var[use]
    p = float((w * x * y).sum() / (w * x * x).sum())
    chi2 = float((w * (y - p * x) ** 2).sum())
    return SpecularityFit(float(p_g), float(p_g_err), p, float(1.0 / math.sqrt((w * x * x).sum())),
                          chi2 / max(int(use.sum()) - 1, 1))


# ---------------------------------------------------------------- run files (mc.run)
G_UNITS = "W m^-2 K^-1"


@dataclass
class RoughPoint:
    """A rough interface at one (model, temperature, surface) of a run file: one tally per
    emitting side, like the bare interface (`run.PointResult`), and what follows from them.

    m1, m2 : the media (below, above). sides, parts : emitting sides and their occupation parts
    (`run.SIDE_PARTS`). surface : the `PeriodicSurface`. plans : the sides' `SidePlan`s.
    settings : `RoughBins`. G_flat : the model's Landauer G at a flat interface (W m⁻² K⁻¹).
    """

    m1: object
    m2: object
    model: str
    T: float
    delta_T: float
    sides: tuple
    parts: tuple
    surface: PeriodicSurface
    plans: list
    settings: RoughBins
    n_packets: int
    tallies: list
    G_flat: float
    complete: bool = False

    @property
    def batches(self) -> int:
        return min(t.batches for t in self.tallies)

    @property
    def label(self) -> str:
        return f"{self.model} T={self.T:g} K {self.surface.name}"

    def measured(self) -> tuple[float, float]:
        """(G, σ_G) averaged over the emitting sides (two-sided deviational: (G₁ + G₂)/2)."""
        return combine(self.tallies, "transmitted")

    @property
    def cone_deg(self) -> float:
        """Half-angle of the specular cone (degrees)."""
        return math.degrees(math.acos(self.settings.cone_cos))

    def results(self) -> list[RoughResult]:
        """One `RoughResult` per emitting side (angular transmission, hits, specularity, fits)."""
        return [RoughResult(self.m1, self.m2, parse_model(self.model), self.T, self.delta_T, part, plan, self.surface,
                            t, self.n_packets, np.linspace(0.0, 1.0, self.settings.angular + 1), self.cone_deg, None)
                for part, plan, t in zip(self.parts, self.plans, self.tallies)]

    def run(self, k: int):
        """Batch runner of emitting side k (`run._new_points`)."""
        surf = self.surface.kernel_input()
        return lambda seed, point, first, n, n_packets: run_batches(self.plans[k], surf, self.settings, seed, point,
                                                                   first, n, n_packets)

    def group(self) -> dict:
        """The HDF5 group of this point (`io.write`): G, the flat-interface G, per side the
        effective specularity and best-fit p (`fit_specularity`), and the running sums."""
        G, G_err = self.measured()
        ds = {"G": (np.float64(G), G_UNITS), "G_err": (np.float64(G_err), G_UNITS),
              "G_flat": (np.float64(self.G_flat), G_UNITS),
              "angle_edges": (np.linspace(0.0, 1.0, self.settings.angular + 1), "1")}
        for side, t, res in zip(self.sides, self.tallies, self.results()):
            if t.batches >= 2:
                spec, spec_err = res.effective_specularity()
                fit = fit_specularity(res)
                ds[f"side{side}_specularity"] = (np.array([spec, spec_err]), "1")
                ds[f"side{side}_fit"] = (np.array(fit), "1 (p_G, p_G_err, p_angle, p_angle_err, chi2/dof)")
            ds.update(t.datasets(f"side{side}_", G_UNITS))
        attrs = {"model": self.model, "T": self.T, "delta_T": self.delta_T, "sides": np.array(self.sides),
                 "complete": self.complete, "surface": self.surface.name,
                 "rms_height": self.surface.rms_height, "rms_slope": self.surface.rms_slope,
                 "facets": self.surface.n_facets, "cone_deg": self.cone_deg,
                 "temperature_definition": "emitted-phonon temperatures (Landauer); G_flat: the same model at a "
                                           "flat interface"}
        return {"attrs": attrs, "datasets": ds}

    def restore(self, group) -> None:
        """Take the running sums of a results-file group (`io.Group`) written by `group`."""
        self.tallies = [t.restored(group, f"side{side}_") for side, t in zip(self.sides, self.tallies)]


def rough_points(cfg, side_parts) -> tuple[list, list]:
    """Points of a rough run (`config.RunConfig` with [[surfaces]]): models × temperatures ×
    surfaces, and for each its batch runners, one per emitting side of `side_parts`."""
    m1, m2, delta_T = cfg.interface.material_1, cfg.interface.material_2, cfg.temperatures.delta_T
    settings = rough_settings(cfg.tallies.angle_bins, cfg.tallies.hit_bins, cfg.tallies.cone_deg)
    layout = score_layout(settings.angular, settings.hits)
    surfaces = [spec.build() for spec in cfg.surfaces]
    points, runners = [], []
    for model in cfg.models:
        for T in cfg.temperatures.values:
            plans = [plan_side(m1, m2, model, T, delta_T, s, part) for s, part in side_parts]
            g_flat = float(np.mean([landauer.conductance(m1, m2, T, model, side=s, delta_T=delta_T, part=part)
                                    for s, part in side_parts]))
            for surface in surfaces:
                tallies = [ScoreTally(layout, pl.table.g_emit / cfg.monte_carlo.packets_per_batch) for pl in plans]
                p = RoughPoint(m1, m2, str(model), T, delta_T, tuple(s for s, _ in side_parts),
                               tuple(part for _, part in side_parts), surface, plans, settings,
                               cfg.monte_carlo.packets_per_batch, tallies, g_flat)
                points.append(p)
                runners.append([p.run(k) for k in range(len(plans))])
    return points, runners


def read_points(path) -> tuple[dict, list[dict]]:
    """Root attributes and one plain record per point of a rough results file: the group's
    attributes and results, and from side 1 (or the only side) the angular transmission
    `tau` (per sin θ bin of `angle_edges`, NaN where no packet was emitted)."""
    res = io.read(path, kind="rough")
    records = []
    for _, g in sorted(res.groups.items()):
        rec = dict(g.attrs)
        for name in ("G", "G_err", "G_flat", "angle_edges"):
            rec[name] = np.asarray(g[name])[()]
        side = int(np.atleast_1d(g.attrs["sides"])[0])
        angular = np.asarray(g[f"side{side}_angular_sum"])
        emitted = angular.sum(axis=(0, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            rec["tau"] = angular[:, 3:].sum(axis=(0, 1)) / emitted
        rec["tau_side"] = side
        rec["batches"] = int(min(np.asarray(g[f"side{s}_batches"]) for s in np.atleast_1d(g.attrs["sides"])))
        for key in ("specularity", "fit"):
            name = f"side{side}_{key}"
            rec[key] = np.asarray(g[name]) if name in g.datasets else np.full(2 if key == "specularity" else 5, np.nan)
        records.append(rec)
    return res.attrs, records


def format_table(records) -> str:
    """Rough points as a text table: G against the flat interface's Landauer G, the effective
    specularity and the best-fit p of the mixed model (from G, and from τ(θ) with χ²/dof)."""
    mw = 1e6
    head = (f"{'model':<8} {'T [K]':>6} {'rms slope':>9} {'G_rough [MW m^-2 K^-1]':>24} {'G_flat':>9} "
            f"{'p_eff':>7} {'p_G':>7} {'p_angle':>8} {'chi2/dof':>9} {'batches':>8}  surface")
    lines = [head, "-" * len(head)]
    for r in records:
        spec, fit = r["specularity"], r["fit"]
        lines.append(f"{r['model']:<8} {r['T']:>6.4g} {r['rms_slope']:>9.3g} {r['G'] / mw:>13.5g} ± {r['G_err'] / mw:<8.2g} "
                     f"{r['G_flat'] / mw:>9.5g} {spec[0]:>7.3f} {fit[0]:>7.3f} {fit[2]:>8.3f} {fit[4]:>9.3g} "
                     f"{r['batches']:>8d}  {r['surface']}")
    return "\n".join(lines)
