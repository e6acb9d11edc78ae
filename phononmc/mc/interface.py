"""Monte Carlo of phonon packets at a bare interface: the kernels and their driver.

A packet is emitted by one medium towards the interface (`sampling`), meets it once,
and is specularly (AMM) or diffusely (DMM) scattered according to DESIGN.md:

* specular with probability p (constant, Ziman p(ω) or Soffer p(ω, θ)); the outgoing
  channel (rL rSV rSH tL tSV tSH) is drawn from the AMM energy fractions at the
  packet's μ² = cos²θ, channels closed by the Debye cutoffs give their share to
  specular reflection; the outgoing direction follows Snell's law;
* diffuse otherwise: side by τ_DMM(ω) = M_other/(M_self + M_other), branch ∝ D_j v_j = k_j²/2π²
  on that side, direction cosine-weighted (μ² uniform, Lambert).

The AMM fractions are tabulated in μ² (the emission variable) on segments that end at
the critical angles and at grazing and normal incidence. The fractions have square-root
kinks at segment ends (√(μ² − μ²_c) beside a critical angle, √μ² at grazing), so each
half-segment is tabulated on a grid uniform in y = √(distance to its end / half-width),
in which they are smooth: linear interpolation is then O(h²) everywhere (a grid uniform
in μ² left a −1e-4 bias in α from the kinks). A narrow transmission cone (Au → diamond:
θ < 6° for transverse phonons) is resolved as finely as a wide one.

Tallies per batch (int64 counts): transmitted packets; outcome[specular?, channel];
spectral[emitted/transmitted, ω bin]; angular[incident branch, channel, sin θ bin];
outgoing[channel, sin θ_out bin]. G of a batch is G_emit · n_transmitted / n_packets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from phononmc.dispersion import branches
from phononmc.models import SPECULAR_KINDS
from phononmc.mc.sampling import _draw_frequency, _stream, _uniform, emission_table
from phononmc.quadrature import occupation_weight
from phononmc.transmission import amm

#: Segments in μ² between critical angles (at most 5 kinks: 2 media × L, T), and grid cells
#: per half-segment (in y, see the module docstring).
N_SEGMENTS = 6
N_PER_HALF = 256
SPECULAR_CONSTANT, SPECULAR_ZIMAN, SPECULAR_SOFFER = 0, 1, 2


@dataclass(frozen=True)
class InterfaceArrays:
    """What the kernels know of the two media, as plain arrays (side 0 = medium 1).

    velocity, cutoff: (2, 3) per side and branch L, SV, SH (m s⁻¹, rad s⁻¹; a branch a
    liquid lacks has cutoff 0 and so is never open). k_debye: (2,) (m⁻¹).
    sine: 1 for sine branches, 0 for Debye. specular: (2, 3, N_SEGMENTS, 2, N_PER_HALF + 1, 6)
    cumulative AMM energy fractions (rL, rL + rSV, …, 1) for incident side, branch, μ²
    segment, half (lower, upper), grid point y_i = i/N_PER_HALF (no cutoffs); the six
    values of a grid point are adjacent in memory. edges: (2, 3, N_SEGMENTS + 1) segment
    edges in μ², padded with 1.
    """

    velocity: np.ndarray
    cutoff: np.ndarray
    k_debye: np.ndarray
    sine: int
    specular: np.ndarray
    edges: np.ndarray

    @property
    def channel_cutoff(self) -> np.ndarray:
        """Cutoff (rad s⁻¹) of the branch each outgoing channel lands in, shape (2, 3, 6):
        [incident side, incident branch, channel rL rSV rSH tL tSV tSH]."""
        out = np.empty((2, 3, 6))
        for side in (0, 1):
            out[side, :, :3] = self.cutoff[side]
            out[side, :, 3:] = self.cutoff[1 - side]
        return out

    @property
    def snell_ratio2(self) -> np.ndarray:
        """(v_out / v_in)² for each incident (side, branch) and outgoing channel, shape (2, 3, 6):
        Snell's law sin θ' = sin θ v_out/v_in gives 1 − μ'² = (1 − μ²)(v_out/v_in)²."""
        v_out = np.empty((2, 3, 6))
        for side in (0, 1):
            v_out[side, :, :3] = self.velocity[side]
            v_out[side, :, 3:] = self.velocity[1 - side]
        v_in = self.velocity[:, :, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v_in > 0, (v_out / np.where(v_in > 0, v_in, 1.0)) ** 2, 0.0)

    @property
    def inverse_half_width(self) -> np.ndarray:
        """2 / (segment width in μ²), shape (2, 3, N_SEGMENTS); 0 for padding segments."""
        width = np.diff(self.edges, axis=-1)
        with np.errstate(divide="ignore"):
            return np.where(width > 0, 2.0 / np.where(width > 0, width, 1.0), 0.0)

    @property
    def slowness(self) -> np.ndarray:
        """1/v (s m⁻¹), shape (2, 3); 0 for a missing branch (multiplications beat divisions in the kernel)."""
        with np.errstate(divide="ignore"):
            return np.where(self.velocity > 0, 1.0 / np.where(self.velocity > 0, self.velocity, 1.0), 0.0)


def interface_arrays(m1, m2, dispersion="debye", need_specular=True) -> InterfaceArrays:
    """Build the kernel arrays for the m1 | m2 interface."""
    velocity = np.zeros((2, 3))
    cutoff = np.zeros((2, 3))
    specular = np.zeros((2, 3, N_SEGMENTS, 2, N_PER_HALF + 1, 6))
    edges = np.ones((2, 3, N_SEGMENTS + 1))
    y2 = np.linspace(0.0, 1.0, N_PER_HALF + 1) ** 2
    for side, (a, b) in enumerate(((m1, m2), (m2, m1))):
        for j, br in enumerate(branches(a, dispersion)):
            velocity[side, j] = br.velocity
            cutoff[side, j] = br.omega_cutoff
            if need_specular:
                kinks = (1.0 - (br.velocity * x) ** 2 for x in amm.critical_slownesses(a, b, br.velocity))
                e = [0.0, *sorted(kinks), 1.0]  # μ² = cos²θ_c at each critical angle
                edges[side, j, :len(e)] = e
                for seg, (lo, hi) in enumerate(zip(e[:-1], e[1:])):
                    half = 0.5 * (hi - lo)
                    for h, mu2 in enumerate((lo + half * y2, hi - half * y2)):
                        s = np.sqrt(1.0 - mu2) / br.velocity
                        fractions = amm.coefficients_slowness(a, b, s, br.name).as_array().T
                        specular[side, j, seg, h] = np.cumsum(fractions, axis=1)
    k_debye = np.array([m1.k_debye, m2.k_debye])
    return InterfaceArrays(velocity, cutoff, k_debye, int(dispersion == "sine"), specular, edges)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _wavevector(omega, slowness, k_d, cut, sine):
    """k(ω) (m⁻¹) of a Debye (k = ω/v) or sine branch below its cutoff; slowness = 1/v."""
    if sine:
        return 2.0 * k_d / math.pi * math.asin(min(omega / cut, 1.0))
    return omega * slowness


#: Columns of a kernel row (`SidePlan.rows`): emission entry (6), DMM thresholds (5), padding.
ROW = 16


@nb.njit(cache=True, inline="always", error_model="numpy")
def _diffuse_weight(omega, mb, slowness, cutoff, k_debye_m, sine):
    """D v ∝ k(ω)² of branch mb (= medium · 3 + branch) if it exists at ω, else 0 (DMM weight)."""
    if cutoff[mb] <= 0.0:
        return 0.0
    k = _wavevector(omega, slowness[mb], k_debye_m, cutoff[mb], sine)
    return (omega < cutoff[mb]) * k * k


@nb.njit(cache=True, inline="always", error_model="numpy")
def _pick(weights, u):
    """Index drawn with probability ∝ weights (length 6), from one uniform u; branch-free."""
    total = 0.0
    for c in range(6):
        total += weights[c]
    r = u * total
    acc = 0.0
    index = 0
    for c in range(5):
        acc += weights[c]
        index += r >= acc
    return index


@nb.njit(cache=True, inline="always", error_model="numpy")
def _scatter(state, side, j, omega, mu2, rows, k, spec_kind, p_const, eta, slowness, cutoff, k_debye, sine,
             specular, edges, scale, channel_cutoff, snell_ratio2, weights):
    """One interface event for a packet (side, branch j, ω, μ²) drawn on `side`.

    Flattened arrays (see `_transport`). rows, k: the kernel rows and the packet's emission
    row; with Debye branches columns 6–10 of row k hold the cumulative DMM channel
    probabilities of its cell. weights: scratch, length 6.
    Returns (channel, is_specular, μ²_out): channel 0..2 reflected into L/SV/SH of `side`,
    3..5 transmitted into L/SV/SH of the other side.
    """
    other = 1 - side
    sj = side * 3 + j
    if spec_kind == SPECULAR_CONSTANT:
        p = p_const
    else:
        q = _wavevector(omega, slowness[sj], k_debye[side], cutoff[sj], sine)
        if spec_kind == SPECULAR_ZIMAN:
            p = math.exp(-4.0 * math.pi * eta * eta * q * q)
        else:
            p = math.exp(-4.0 * eta * eta * q * q * mu2)

    if p >= 1.0 or (p > 0.0 and _uniform(state) < p):
        # AMM channel from the cumulative fractions interpolated at μ²; a channel closed by
        # the cutoffs hands its share to specular reflection in the incident branch (DESIGN.md)
        eb = sj * (N_SEGMENTS + 1)
        seg = 0
        for e in range(1, N_SEGMENTS):
            seg += mu2 >= edges[eb + e]
        t = (mu2 - edges[eb + seg]) * scale[sj * N_SEGMENTS + seg]  # 0 … 2 across the segment
        h = int(t >= 1.0)  # lower or upper half; y = √(distance to that half's end / half-width)
        x = math.sqrt(t if h == 0 else max(2.0 - t, 0.0)) * N_PER_HALF
        i = min(int(x), N_PER_HALF - 1)
        f = x - i
        base = (((sj * N_SEGMENTS + seg) * 2 + h) * (N_PER_HALF + 1) + i) * 6
        r = _uniform(state)
        c = 0
        for t in range(5):
            c += r >= (1.0 - f) * specular[base + t] + f * specular[base + 6 + t]
        if not omega < channel_cutoff[sj * 6 + c]:
            c = j
        return c, True, 1.0 - (1.0 - mu2) * snell_ratio2[sj * 6 + c]  # Snell's law

    # DMM: P(side, branch) ∝ D v = k²/2π² over both media, i.e. side by τ_DMM, branch by share.
    u = _uniform(state)
    if sine:  # k² ratios change within a cell: evaluate them at ω
        for b in range(3):
            weights[b] = _diffuse_weight(omega, side * 3 + b, slowness, cutoff, k_debye[side], sine)
            weights[3 + b] = _diffuse_weight(omega, other * 3 + b, slowness, cutoff, k_debye[other], sine)
        c = _pick(weights, u)
    else:  # Debye: k_b²/k_b'² = v_b'²/v_b², constant in the cell: tabulated thresholds
        c = 0
        for t in range(5):
            c += u >= rows[k * ROW + 6 + t]
    return c, False, _uniform(state)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _packet(state, side, rows, branch, spec_kind, p_const, eta,
            slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2, weights):
    """One packet: emission draw (ω, branch, μ²) on `side`, then its interface event.

    Returns (ω, branch, μ², channel, is_specular, μ²_out).
    """
    omega, k = _draw_frequency(state, rows, ROW)
    j = branch[k]
    mu2 = _uniform(state)
    c, is_spec, mu2_out = _scatter(state, side, j, omega, mu2, rows, k, spec_kind, p_const, eta,
                                   slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2, weights)
    return omega, j, mu2, c, is_spec, mu2_out


@nb.njit(cache=True, parallel=True, error_model="numpy")
def _transport(seed, point, side, first_batch, n_packets,
               rows, branch,
               spec_kind, p_const, eta, slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2,
               spectral_top, n_spec, n_ang, tallies):
    """Send n_packets per batch from `side` for batches first_batch … first_batch + B − 1.

    Inputs are flattened (C order) `SidePlan.rows` and `InterfaceArrays` fields: numba's
    multi-dimensional indexing costs more than the physics in this loop.
    tallies: (B, n) int64, zeroed; row b is batch b's counts, laid out as `tally_layout`:
    transmitted (1), outcome (2, 6), spectral (2, n_spec), angular (3, 6, n_ang), outgoing (6, n_ang).
    """
    o_out, o_spec = 1, 13
    o_ang = o_spec + 2 * n_spec
    o_dir = o_ang + 18 * n_ang
    inv_bin = n_spec / spectral_top
    for bi in nb.prange(tallies.shape[0]):
        state = _stream(seed, point, side, first_batch + bi)
        weights = np.empty(6)
        t = np.zeros(tallies.shape[1], np.int64)  # this batch's counts, 1-D: cheap to index
        for _ in range(n_packets):
            omega, j, mu2, c, is_spec, mu2_out = _packet(
                state, side, rows, branch, spec_kind, p_const, eta,
                slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2, weights)
            through = c >= 3
            t[0] += through
            t[o_out + (0 if is_spec else 6) + c] += 1
            sb = min(int(omega * inv_bin), n_spec - 1)
            t[o_spec + sb] += 1
            t[o_spec + n_spec + sb] += through
            t[o_ang + (j * 6 + c) * n_ang + min(int(math.sqrt(1.0 - mu2) * n_ang), n_ang - 1)] += 1
            t[o_dir + c * n_ang + min(int(math.sqrt(max(1.0 - mu2_out, 0.0)) * n_ang), n_ang - 1)] += 1
        tallies[bi, :] = t


def tally_layout(spectral_bins, angle_bins) -> dict:
    """Name → shape of the per-batch tallies, in the order `_transport` packs them."""
    return {"transmitted": (), "outcome": (2, 6), "spectral": (2, spectral_bins),
            "angular": (3, 6, angle_bins), "outgoing": (6, angle_bins)}


@nb.njit(cache=True, error_model="numpy")
def _trace(seed, n_packets, side, rows, branch,
           spec_kind, p_const, eta, slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2):
    """Packet-by-packet record of the steps `_transport` takes, on stream (seed, 0, side, 0).

    Returns (n_packets, 6): ω, branch, μ², channel, specular (1/0), μ²_out.
    """
    out = np.empty((n_packets, 6))
    state = _stream(seed, 0, side, 0)
    weights = np.empty(6)
    for n in range(n_packets):
        omega, j, mu2, c, is_spec, mu2_out = _packet(
            state, side, rows, branch, spec_kind, p_const, eta,
            slowness, cutoff, k_debye, sine, specular, edges, scale, channel_cutoff, snell_ratio2, weights)
        out[n, 0], out[n, 1], out[n, 2] = omega, j, mu2
        out[n, 3], out[n, 4], out[n, 5] = c, is_spec, mu2_out
    return out


# ---------------------------------------------------------------- driver
def specularity_parameters(model):
    """(kernel code, p, eta) for a landauer.Model."""
    if model.kind == "ziman":
        return SPECULAR_ZIMAN, 0.0, model.roughness
    if model.kind == "soffer":
        return SPECULAR_SOFFER, 0.0, model.roughness
    return SPECULAR_CONSTANT, {"amm": 1.0, "dmm": 0.0}.get(model.kind, model.p), 0.0


@dataclass(frozen=True)
class SidePlan:
    """Everything fixed for sending packets from one side at one temperature point."""

    side: int  # 0: from medium 1, 1: from medium 2
    table: object  # sampling.EmissionTable
    arrays: InterfaceArrays
    spec: tuple  # (kind code, p, eta)
    rows: np.ndarray  # (K, 16): table.entries in columns 0–5, DMM thresholds in 6–10 (`diffuse_rows`)


def diffuse_rows(table, m_in, m_out, dispersion="debye") -> np.ndarray:
    """Kernel rows (K, ROW = 16): the emission entries, then the cumulative DMM probabilities of
    channels 0..4 (reflected L, SV, SH, transmitted L, SV) at each cell's mid frequency,
    zero-padded to 128 bytes. Exact for Debye branches, where the k² ratios are constant
    between cutoffs (cell edges include every cutoff); unused (zeros) for sine branches."""
    rows = np.zeros((table.entries.shape[0], ROW))
    rows[:, :6] = table.entries
    if dispersion == "debye":
        mid = table.entries[:, 2] + 0.5 * table.entries[:, 3]
        w = np.zeros((len(mid), 6))
        for offset, m in ((0, m_in), (3, m_out)):
            for b, br in enumerate(branches(m, dispersion)):
                w[:, offset + b] = br.dos_velocity(mid)
        rows[:, 6:11] = (np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True))[:, :5]
    return rows


def plan_side(m1, m2, model, T, delta_T, side, part, dispersion="debye", arrays=None) -> SidePlan:
    """Emission table and kernel arrays for packets from `side` (0 or 1).

    part: which occupation difference the side emits ("full", "upper", "lower"; see
    `quadrature.occupation_weight`).
    """
    a, b = (m1, m2) if side == 0 else (m2, m1)
    if arrays is None:
        arrays = interface_arrays(m1, m2, dispersion, need_specular=model.kind in SPECULAR_KINDS)
    table = emission_table(a, b, occupation_weight(T, delta_T, part), T + 0.5 * delta_T, dispersion)
    return SidePlan(side, table, arrays, specularity_parameters(model), diffuse_rows(table, a, b, dispersion))


def _kernel_inputs(plan: SidePlan) -> tuple:
    """The flattened arrays and scalars the kernels take, in their argument order."""
    t, a = plan.table, plan.arrays
    return (plan.rows.ravel(), t.branch, plan.spec[0], float(plan.spec[1]), float(plan.spec[2]),
            a.slowness.ravel(), a.cutoff.ravel(), a.k_debye, a.sine,
            a.specular.ravel(), a.edges.ravel(), a.inverse_half_width.ravel(),
            a.channel_cutoff.ravel(), a.snell_ratio2.ravel())


def run_batches(plan: SidePlan, seed, point, first_batch, n_batches, n_packets, spectral_bins, angle_bins,
                spectral_top=None):
    """Run batches [first_batch, first_batch + n_batches) of a side plan; returns the per-batch tallies.

    Spectral bins split [0, spectral_top] (rad s⁻¹; default: the plan's highest emitted ω),
    angle bins split sin θ ∈ [0, 1].
    """
    layout = tally_layout(spectral_bins, angle_bins)
    sizes = [int(np.prod(shape)) for shape in layout.values()]
    tallies = np.zeros((n_batches, sum(sizes)), np.int64)
    _transport(int(seed), int(point), int(plan.side), int(first_batch), int(n_packets),
               *_kernel_inputs(plan), float(spectral_top or plan.table.top), int(spectral_bins), int(angle_bins),
               tallies)
    parts = np.split(tallies, np.cumsum(sizes)[:-1], axis=1)
    return {name: part.reshape(n_batches, *shape) for (name, shape), part in zip(layout.items(), parts)}


def trace(plan: SidePlan, seed: int, n_packets: int) -> np.ndarray:
    """Per-packet record (ω, branch, μ², channel, specular, μ²_out), shape (n_packets, 6),
    of packets from a side plan on stream (seed, 0, side, 0): for checks against a reference."""
    return _trace(int(seed), int(n_packets), int(plan.side), *_kernel_inputs(plan))
