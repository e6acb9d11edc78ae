"""Monte Carlo of phonon packets at a bare interface: the kernel and its driver.

A packet is drawn from the emission table of one medium (`emission`: ω, branch; μ²
uniform, Lambert), meets the flat interface z = 0 once (`events._interface_event` with
the normal ẑ) and is scored. The interface is symmetric about ẑ, so the packet's azimuth
is irrelevant: it is fixed at 0 (d = (sin θ, 0, ±cos θ)), and the event is asked not to
draw the azimuth of diffuse directions either.

Scores per batch (`score_layout`; weights of 1 per packet, `tallies`):
transmitted; inelastic (transmitted by the inelastic channel); outcome[specular 0 / diffuse 1, channel rL rSV rSH tL tSV tSH];
spectral[emitted 0 / transmitted 1, ω bin]; angular[incident branch, channel, sin θ bin];
outgoing[channel, sin θ' bin]. Each unit of weight stands for G_emit / N (W m⁻² K⁻¹),
so G of a batch is G_emit · transmitted / N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc.mc.emission import Emission, EmissionTable, _draw_frequency, emission_table
from phononmc.mc.events import (ELASTIC, InelasticChannel, Interface, _inelastic_event, _interface_event,
                                inelastic_tables, interface_tables)
from phononmc.mc.rng import U64, _stream, _uniform, emitter_key
from phononmc.mc.tallies import Layout
from phononmc.models import Model, Specularity
from phononmc.quadrature import occupation_weight


class InterfaceScores(NamedTuple):
    """Offsets of the bare-interface scores in a batch's vector (see `score_layout`)."""

    transmitted: int
    inelastic: int
    outcome: int
    spectral: int
    angular: int
    outgoing: int


class Bins(NamedTuple):
    """Histogram bins of the bare-interface kernel: spectral bins over [0, top] (rad s⁻¹),
    `spectral_scale` = bins / top, angular bins over sin θ ∈ [0, 1]."""

    spectral: int
    angular: int
    spectral_scale: float


def score_layout(spectral_bins: int, angle_bins: int) -> Layout:
    """The scores of the bare-interface kernel, in the order of `InterfaceScores`."""
    return Layout(InterfaceScores, {"transmitted": (), "inelastic": (), "outcome": (2, 6), "spectral": (2, spectral_bins),
                                    "angular": (3, 6, angle_bins), "outgoing": (6, angle_bins)})


@nb.njit(cache=True, inline="always", error_model="numpy")
def _packet(state, emission, iface, spec, inel, side):
    """One packet from `side` (0/1): emission draw, then its interface event, and the inelastic
    channel (`events._inelastic_event`) if the model has one and the elastic event reflected it.

    Returns (ω, branch, μ², sin θ, channel 0..5 = rL rSV rSH tL tSV tSH, specular, μ'², inelastic):
    an inelastically transmitted packet lands in channel t + its new branch, diffuse.
    """
    omega, j, band = _draw_frequency(state, emission)
    mu2 = _uniform(state)
    mu, sin_theta = math.sqrt(mu2), math.sqrt(1.0 - mu2)
    side_out, j_out, _, _, _, mu2_out, specular = _interface_event(
        state, iface, spec, side, j, omega, band, sin_theta, 0.0, mu if side == 0 else -mu, 0.0, 0.0, 1.0, False)
    inelastic = False
    if inel.on and side_out == side:
        inelastic, _, j_new, mu2_new = _inelastic_event(state, iface, spec, inel, side, j, omega, band, mu2)
        if inelastic:
            side_out, j_out, mu2_out, specular = 1 - side, j_new, mu2_new, False
    return omega, j, mu2, sin_theta, j_out + 3 * (side_out ^ side), specular, mu2_out, inelastic


@nb.njit(cache=True, inline="always", error_model="numpy")
def _angle_bin(sin_theta, n):
    """Bin of sin θ ∈ [0, 1] among n equal bins."""
    return min(int(sin_theta * n), n - 1)


@nb.njit(cache=True, parallel=True, error_model="numpy", fastmath={"nsz", "nnan"})
def _transport(seed, point, emitter, side, first_batch, n_packets, emission, iface, spec, inel, off, bins, scores):
    """n_packets per batch from `side` (0/1) for the batches first_batch … first_batch + B − 1.

    Batch b runs on stream (seed, point, emitter, first_batch + b) and writes its scores to
    scores[b] (shape (B, layout size), laid out by `off`, an `InterfaceScores`). Every packet
    here has weight 1, so a batch counts in int64 (exact, and cheaper than float adds) and
    hands the counts over as float scores.
    """
    n_spec, n_ang = bins.spectral, bins.angular
    for bi in nb.prange(scores.shape[0]):
        state = _stream(seed, point, emitter, first_batch + bi)
        # this batch's scores (unit weights: counted), between guard lines against false sharing
        t = np.zeros(scores.shape[1] + 16, np.int64)[8:-8]
        for _ in range(n_packets):
            omega, j, _, sin_theta, c, specular, mu2_out, inelastic = _packet(state, emission, iface, spec, inel,
                                                                              side)
            # indices are cast to unsigned: numba then emits no negative-index wraparound
            through = c >= 3
            t[U64(off.transmitted)] += through
            t[U64(off.inelastic)] += inelastic
            t[U64(off.outcome + (0 if specular else 6) + c)] += 1
            sb = min(int(omega * bins.spectral_scale), n_spec - 1)
            t[U64(off.spectral + sb)] += 1
            t[U64(off.spectral + n_spec + sb)] += through
            t[U64(off.angular + (j * 6 + c) * n_ang + _angle_bin(sin_theta, n_ang))] += 1
            t[U64(off.outgoing + c * n_ang + _angle_bin(math.sqrt(1.0 - mu2_out), n_ang))] += 1
        scores[bi, :] = t


@nb.njit(cache=True, error_model="numpy")
def _trace(seed, point, emitter, side, n_packets, emission, iface, spec, inel):
    """The packets of batch 0 one by one: (n_packets, 7) ω, branch, μ², channel, specular, μ'², inelastic."""
    out = np.empty((n_packets, 7))
    state = _stream(seed, point, emitter, 0)
    for n in range(n_packets):
        omega, j, mu2, _, c, specular, mu2_out, inelastic = _packet(state, emission, iface, spec, inel, side)
        out[n, 0], out[n, 1], out[n, 2], out[n, 3], out[n, 4], out[n, 5] = omega, j, mu2, c, specular, mu2_out
        out[n, 6] = inelastic
    return out


# ---------------------------------------------------------------- driver
@dataclass(frozen=True)
class SidePlan:
    """Everything fixed for sending packets from one side at one temperature point.

    side : 1 or 2, the emitting medium. table : its `EmissionTable`. iface : the
    interface's tables. spec : the model's `Specularity`. inelastic : its inelastic channel
    (`events.inelastic_tables`; `events.ELASTIC` for none).
    """

    side: int
    table: EmissionTable
    iface: Interface
    spec: Specularity
    inelastic: InelasticChannel = ELASTIC

    @property
    def emitter(self) -> int:
        """Stream key of this emitter (`rng.emitter_key`)."""
        return emitter_key("side", self.side)

    @cached_property
    def emission(self) -> Emission:
        """The emission table as kernel input, aimed at this interface (built once per plan,
        not once per chunk of batches)."""
        return self.table.kernel_input(self.iface.band_edges)


def plan_side(m1, m2, model: Model, T, delta_T, side: int, part="full", dispersion="debye",
              iface: Interface | None = None) -> SidePlan:
    """Emission table and kernel tables for packets from medium `side` (1 or 2).

    part: which occupation difference the side emits ("full", "upper", "lower"; see
    `quadrature.occupation_weight`). iface: tables to reuse (`events.interface_tables`).
    """
    if side not in (1, 2):
        raise ValueError(f"side = {side!r} is invalid; valid: 1 (medium 1 emits) or 2 (medium 2 emits)")
    a, b = (m1, m2) if side == 1 else (m2, m1)
    if iface is None:
        iface = interface_tables(m1, m2, dispersion, need_specular=model.needs_specular_tables)
    table = emission_table(a, b, occupation_weight(T, delta_T, part), T + 0.5 * delta_T, dispersion)
    return SidePlan(side, table, iface, model.specularity, inelastic_tables(m1, m2, model, T, dispersion))


def run_batches(plan: SidePlan, seed, point, first_batch, n_batches, n_packets, layout: Layout,
                spectral_top=None) -> np.ndarray:
    """Scores of batches [first_batch, first_batch + n_batches) of a side plan, shape
    (n_batches, layout.size) (read them with `layout.split`).

    layout : `score_layout(spectral_bins, angle_bins)`; spectral bins split [0, spectral_top]
    (rad s⁻¹; default: the plan's highest emitted ω).
    """
    spectral_bins, angle_bins = layout.shapes["spectral"][1], layout.shapes["angular"][2]
    top = float(spectral_top or plan.table.top)
    scores = np.zeros((n_batches, layout.size))
    _transport(int(seed), int(point), plan.emitter, plan.side - 1, int(first_batch), int(n_packets),
               plan.emission, plan.iface, plan.spec, plan.inelastic, layout.offsets,
               Bins(spectral_bins, angle_bins, spectral_bins / top),
               scores)
    return scores


def trace(plan: SidePlan, seed: int, n_packets: int, point: int = 0) -> np.ndarray:
    """Per-packet record (ω, branch, μ², channel, specular, μ'², inelastic), shape (n_packets, 7),
    of batch 0 of a side plan: for checks against a reference."""
    return _trace(int(seed), int(point), plan.emitter, plan.side - 1, int(n_packets), plan.emission, plan.iface,
                  plan.spec, plan.inelastic)
