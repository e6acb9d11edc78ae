"""Building blocks every Monte Carlo kernel shares: the interface event and its tables.

The interface event (`_interface_event`) is a pure function of a packet's state — side,
branch, ω, direction — of the interface's own tables (`Interface`), of the specularity
model (`models.Specularity`) and of the unit normal of the surface element it meets.
It never reads the emitter's tables, so a packet may meet interfaces any number of times
(slabs, multilayers) and meet surfaces of any orientation (rough interfaces pass their
local normals). Side 0 is medium 1, side 1 medium 2; the normal n points from medium 1
into medium 2, so a packet on side 0 arrives with d·n > 0.

* **Specular** with probability p (`models`): the outgoing channel (rL rSV rSH tL tSV tSH)
  is drawn from the AMM energy fractions at μ² = (d·n)²; a channel closed by the Debye
  cutoffs (ω above the cutoff of the branch it lands in) hands its share to specular
  reflection in the incident branch, which keeps detailed balance channel by channel.
  The outgoing direction stays in the plane of incidence, with Snell's law
  sin θ' = sin θ v_out/v_in: d' = (v_out/v_in)(d − (d·n) n) ± cos θ' n.
* **Diffuse** otherwise: side and branch with probability ∝ D_j v_j = k_j(ω)²/2π² over
  the branches of both media open at ω (side by τ_DMM, branch by share), and a Lambert
  (cosine-weighted) direction about ±n in the outgoing medium.

Tables. The AMM fractions are tabulated in μ² per incident (side, branch) on segments
that end at the critical angles; each half-segment on a grid uniform in
y = √(distance to its end / half-width), where the square-root kinks of the fractions
(√(μ² − μ²_c) beside a critical angle, √μ² at grazing) are smooth, so linear
interpolation is O(h²) everywhere. The DMM channel probabilities are tabulated per
frequency band between consecutive cutoffs of both media: with Debye branches the k²
ratios are constant inside a band, so the thresholds are exact; sine branches are
evaluated per packet.

Polarization. The branch of a transverse packet (SV or SH) is defined relative to the
plane of incidence of the event it meets, and the outgoing SV/SH relative to the same
plane. Where every normal is parallel (bare interface, slab, multilayer) the next plane
of incidence — spanned by d' and n — is that same plane, so the label carries over
exactly. Where normals differ (rough surfaces) a kernel keeps the polarization vector
(`_polarization`) and at the next event resolves it into the new plane's SV and SH
(`_resolve_transverse`): SH with probability (e·ĥ)², ĥ ∝ d × n — the energies of the
two components add (geometric acoustics: their relative phase is not followed).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from phononmc.dispersion import branches
from phononmc.landauer import inelastic_channel
from phononmc.mc.emission import Emission, _draw_frequency, emission_table
from phononmc.mc.rng import U64, _stream, _uniform
from phononmc.models import SPECULAR_CONSTANT, SPECULAR_ZIMAN
from phononmc.quadrature import occupation_weight
from phononmc.transmission import amm
from phononmc.transmission.inelastic import power_law

#: Segments in μ² between critical angles (at most 5 kinks: 2 media × L, T), and grid cells
#: per half-segment (in y, see the module docstring).
N_SEGMENTS = 6
N_PER_HALF = 256
#: Frequency bands: between 0 and up to 6 distinct cutoffs, and above the highest.
N_BANDS = 7


class Interface(NamedTuple):
    """Kernel input: what the interface event knows of the two media (side 0 = medium 1).

    All arrays flat (C order) float64; index (side, branch) as sj = side · 3 + branch.

    slowness, cutoff : (2 · 3,) 1/v (s m⁻¹) and ω_c (rad s⁻¹); 0 for a branch a liquid lacks.
    k_debye : (2,) Debye wavevector (m⁻¹). sine : 1 for sine branches, 0 for Debye.
    amm : (2, 3, N_SEGMENTS, 2, N_PER_HALF + 1, 6) cumulative AMM energy fractions
        (rL, rL + rSV, …, 1) per incident (side, branch), μ² segment, half, grid point;
        empty when no model needs them. amm_edges : (2, 3, N_SEGMENTS + 1) segment edges
        in μ², padded with 1. amm_scale : (2, 3, N_SEGMENTS) 2 / segment width (0: padding).
    channel_cutoff : (2, 3, 6) cutoff of the branch each outgoing channel lands in.
    snell : (2, 3, 6) v_out / v_in per channel.
    band_edges : (N_BANDS − 1,) sorted distinct cutoffs of both media, padded with +inf.
    dmm : (N_BANDS, 2, 5) cumulative DMM probabilities of channels rL … tSV for a packet
        on each side, per frequency band (Debye; zeros for sine branches).
    """

    slowness: np.ndarray
    cutoff: np.ndarray
    k_debye: np.ndarray
    sine: int
    amm: np.ndarray
    amm_edges: np.ndarray
    amm_scale: np.ndarray
    channel_cutoff: np.ndarray
    snell: np.ndarray
    band_edges: np.ndarray
    dmm: np.ndarray


def _per_channel(per_branch: np.ndarray) -> np.ndarray:
    """(2, 3) per (side, branch) -> (2, 3, 6): the value of the branch each outgoing channel
    (rL rSV rSH of the incident side, tL tSV tSH of the other) lands in."""
    out = np.empty((2, 3, 6))
    for side in (0, 1):
        out[side, :, :3] = per_branch[side]
        out[side, :, 3:] = per_branch[1 - side]
    return out


def _amm_tables(m1, m2, velocity):
    """AMM cumulative fractions, segment edges and inverse half-widths (see `Interface`)."""
    table = np.zeros((2, 3, N_SEGMENTS, 2, N_PER_HALF + 1, 6))
    edges = np.ones((2, 3, N_SEGMENTS + 1))
    y2 = np.linspace(0.0, 1.0, N_PER_HALF + 1) ** 2
    for side, (a, b) in enumerate(((m1, m2), (m2, m1))):
        for j, br in enumerate(branches(a)):
            kinks = (1.0 - (br.velocity * x) ** 2 for x in amm.critical_slownesses(a, b, br.velocity))
            e = [0.0, *sorted(kinks), 1.0]  # μ² = cos²θ_c at each critical angle
            edges[side, j, :len(e)] = e
            for seg, (lo, hi) in enumerate(zip(e[:-1], e[1:])):
                half = 0.5 * (hi - lo)
                for h, mu2 in enumerate((lo + half * y2, hi - half * y2)):
                    s = np.sqrt(1.0 - mu2) / br.velocity
                    fractions = amm.coefficients_slowness(a, b, s, br.name).as_array().T
                    table[side, j, seg, h] = np.cumsum(fractions, axis=1)
    width = np.diff(edges, axis=-1)
    with np.errstate(divide="ignore"):
        scale = np.where(width > 0, 2.0 / np.where(width > 0, width, 1.0), 0.0)
    return table, edges, scale


def _dmm_tables(m1, m2, cutoff):
    """Band edges and per-band cumulative DMM channel probabilities (Debye, see `Interface`)."""
    distinct = np.unique(cutoff[cutoff > 0])
    band_edges = np.full(N_BANDS - 1, np.inf)
    band_edges[:len(distinct)] = distinct
    lo = np.concatenate([[0.0], distinct])
    hi = np.concatenate([distinct, [np.inf]])
    cum = np.zeros((N_BANDS, 2, 5))
    for band in range(len(distinct)):  # above every cutoff there is no phonon to scatter
        mid = np.array([0.5 * (lo[band] + hi[band])])
        for side, media in enumerate(((m1, m2), (m2, m1))):
            w = np.zeros(6)
            for offset, m in zip((0, 3), media):
                for b, br in enumerate(branches(m)):
                    w[offset + b] = br.dos_velocity(mid)[0]
            cum[band, side] = (np.cumsum(w) / w.sum())[:5]
    return band_edges, cum


def interface_tables(m1, m2, dispersion="debye", need_specular=True) -> Interface:
    """Build the kernel tables of the m1 | m2 interface; the AMM tables only if `need_specular`."""
    velocity, cutoff = np.zeros((2, 3)), np.zeros((2, 3))
    for side, m in enumerate((m1, m2)):
        for j, br in enumerate(branches(m, dispersion)):
            velocity[side, j], cutoff[side, j] = br.velocity, br.omega_cutoff
    with np.errstate(divide="ignore", invalid="ignore"):
        slowness = np.where(velocity > 0, 1.0 / np.where(velocity > 0, velocity, 1.0), 0.0)
        snell = np.where(velocity[:, :, None] > 0, _per_channel(velocity) * slowness[:, :, None], 0.0)
    if need_specular:
        table, edges, scale = _amm_tables(m1, m2, velocity)
    else:
        table, edges, scale = np.zeros(0), np.zeros(0), np.zeros(0)
    if dispersion == "debye":
        band_edges, dmm = _dmm_tables(m1, m2, cutoff)
    else:
        band_edges, dmm = np.full(N_BANDS - 1, np.inf), np.zeros((N_BANDS, 2, 5))
    return Interface(slowness.ravel(), cutoff.ravel(), np.array([m1.k_debye, m2.k_debye]),
                     int(dispersion == "sine"), table.ravel(), edges.ravel(), scale.ravel(),
                     _per_channel(cutoff).ravel(), snell.ravel(), band_edges, dmm.ravel())


#: Kernel input: the `Interface` tables of several parallel interfaces (a layer stack), each
#: array field stacked along a first axis of length n_interfaces (`stack`; `_interface_at`
#: takes one out inside a kernel). Plain arrays, as numba's parallel loops take no nested tuples.
Interfaces = NamedTuple("Interfaces", list(Interface.__annotations__.items()))


def stack(interfaces) -> Interfaces:
    """Stack `Interface` tables of one dispersion, all with or all without the AMM tables."""
    if len({i.sine for i in interfaces}) > 1 or len({i.amm.size for i in interfaces}) > 1:
        raise ValueError("stacked interfaces must share the dispersion and all have (or lack) the AMM tables")
    fields = [np.stack([getattr(i, f) for i in interfaces]) if interfaces else np.zeros((0, 0))
              for f in Interface._fields]
    return Interfaces(*fields[:3], int(interfaces[0].sine) if interfaces else 0, *fields[4:])


# ---------------------------------------------------------------- njit building blocks
@nb.njit(cache=True, inline="always", error_model="numpy")
def _interface_at(ifs, k):
    """The `Interface` of interface k of a stack (`Interfaces`): views, no copies."""
    return Interface(ifs.slowness[k], ifs.cutoff[k], ifs.k_debye[k], ifs.sine, ifs.amm[k], ifs.amm_edges[k],
                     ifs.amm_scale[k], ifs.channel_cutoff[k], ifs.snell[k], ifs.band_edges[k], ifs.dmm[k])


@nb.njit(cache=True, inline="always", error_model="numpy")
def _wavevector(iface, sj, omega):
    """k(ω) (m⁻¹) of branch sj = side · 3 + branch below its cutoff (Debye k = ω/v, or sine)."""
    if iface.sine:
        return 2.0 * iface.k_debye[sj // 3] / math.pi * math.asin(min(omega / iface.cutoff[sj], 1.0))
    return omega * iface.slowness[sj]


@nb.njit(cache=True, inline="always", error_model="numpy")
def _specular_probability(spec, iface, sj, omega, mu2):
    """p of the incident packet: constant, Ziman exp(−4π η² k²) or Soffer exp(−4 η² k² μ²)."""
    if spec.kind == SPECULAR_CONSTANT:
        return spec.p
    q = _wavevector(iface, sj, omega)
    x = spec.eta * spec.eta * q * q
    if spec.kind == SPECULAR_ZIMAN:
        return math.exp(-4.0 * math.pi * x)
    return math.exp(-4.0 * x * mu2)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _amm_row(iface, sj, mu2):
    """Where μ² falls in the AMM table of incident sj = side · 3 + branch: (flat index of the
    grid row below it, interpolation weight f of the row above). Fraction k at μ² is
    (1 − f) amm[base + k] + f amm[base + 6 + k]. (Indices are cast to unsigned by callers.)"""
    eb = sj * (N_SEGMENTS + 1)
    seg = 0
    for e in range(1, N_SEGMENTS):
        seg += mu2 >= iface.amm_edges[eb + e]
    t = (mu2 - iface.amm_edges[eb + seg]) * iface.amm_scale[sj * N_SEGMENTS + seg]  # 0 … 2 across the segment
    h = int(t >= 1.0)  # lower or upper half; y = √(distance to that half's end / half-width)
    x = math.sqrt(t if h == 0 else max(2.0 - t, 0.0)) * N_PER_HALF
    i = min(int(x), N_PER_HALF - 1)
    return (((sj * N_SEGMENTS + seg) * 2 + h) * (N_PER_HALF + 1) + i) * 6, x - i


@nb.njit(cache=True, inline="always", error_model="numpy")
def _amm_channel(state, iface, sj, j, omega, mu2):
    """Outgoing AMM channel 0..5 at μ² for incident sj = side · 3 + j, from the interpolated
    cumulative fractions; one uniform. A channel closed at ω goes to specular reflection in
    the incident branch j. (Indices are cast to unsigned: no negative-index wraparound code.)"""
    base, f = _amm_row(iface, sj, mu2)
    r = _uniform(state)
    c = 0
    for k in range(5):
        c += r >= (1.0 - f) * iface.amm[U64(base + k)] + f * iface.amm[U64(base + 6 + k)]
    if not omega < iface.channel_cutoff[U64(sj * 6 + c)]:
        c = j
    return c


@nb.njit(cache=True, inline="always", error_model="numpy")
def _k2(iface, mb, omega):
    """DMM weight of branch mb = side · 3 + branch: k(ω)² (∝ D v) if it exists at ω, else 0."""
    if not omega < iface.cutoff[mb]:
        return 0.0
    k = _wavevector(iface, mb, omega)
    return k * k


@nb.njit(cache=True, inline="always", error_model="numpy")
def _band(iface, omega):
    """Frequency band of ω: the number of the interface's band edges (cutoffs) at or below it."""
    band = 0
    for e in range(N_BANDS - 1):
        band += omega >= iface.band_edges[e]
    return band


@nb.njit(cache=True, inline="always", error_model="numpy")
def _dmm_channel(state, iface, side, omega, band):
    """Outgoing DMM channel 0..5 (reflected L SV SH, transmitted L SV SH); one uniform."""
    u = _uniform(state)
    c = 0
    if iface.sine:  # k² ratios change with ω: evaluate them for this packet
        own, other = side * 3, (1 - side) * 3
        w0, w1, w2 = _k2(iface, own, omega), _k2(iface, own + 1, omega), _k2(iface, own + 2, omega)
        w3, w4 = _k2(iface, other, omega), _k2(iface, other + 1, omega)
        total = w0 + w1 + w2 + w3 + w4 + _k2(iface, other + 2, omega)
        r = u * total
        acc = w0
        c += r >= acc
        acc += w1
        c += r >= acc
        acc += w2
        c += r >= acc
        acc += w3
        c += r >= acc
        acc += w4
        c += r >= acc
        return c
    base = (band * 2 + side) * 5
    for k in range(5):
        c += u >= iface.dmm[base + k]
    return c


@nb.njit(cache=True, inline="always", error_model="numpy")
def _interface_event(state, iface, spec, side, j, omega, band, d0, d1, d2, n0, n1, n2, azimuth):
    """One interface event (see the module docstring).

    state : xoshiro256** state; iface : `Interface`; spec : `models.Specularity`.
    side : 0 (medium 1) or 1 (medium 2); j : branch 0 L, 1 SV, 2 SH relative to this
    event's plane of incidence; omega : rad s⁻¹; band : `_band(iface, omega)`, which a
    kernel may have tabulated (e.g. per emission cell: `emission.Emission`);
    (d0, d1, d2) : unit direction, with d·n > 0 on side 0 and < 0 on side 1;
    (n0, n1, n2) : unit normal, medium 1 → medium 2. azimuth : draw the azimuth of a diffuse
    direction (one uniform); False gives it azimuth 0 about n, for kernels whose geometry is
    symmetric about n and never read it (bare interface, slab: only cos θ' matters).

    Returns (side', branch', d'0, d'1, d'2, μ'², specular): the outgoing side and branch,
    unit direction and cos²θ' about the normal, and whether the event was specular.
    """
    cos_in = d0 * n0 + d1 * n1 + d2 * n2
    mu2 = cos_in * cos_in
    sj = side * 3 + j
    p = _specular_probability(spec, iface, sj, omega, mu2)
    if p >= 1.0 or (p > 0.0 and _uniform(state) < p):
        c = _amm_channel(state, iface, sj, j, omega, mu2)
        through = c >= 3  # side 0/1: side ^ through is the outgoing side, c − 3 · through its branch
        side_out = side ^ through
        ratio = iface.snell[U64(sj * 6 + c)]
        mu2_out = max(1.0 - (1.0 - mu2) * ratio * ratio, 0.0)
        normal = math.sqrt(mu2_out) if side_out == 1 else -math.sqrt(mu2_out)
        e0 = ratio * (d0 - cos_in * n0) + normal * n0
        e1 = ratio * (d1 - cos_in * n1) + normal * n1
        e2 = ratio * (d2 - cos_in * n2) + normal * n2
        return side_out, c - 3 * through, e0, e1, e2, mu2_out, True
    c = _dmm_channel(state, iface, side, omega, band)
    through = c >= 3
    side_out = side ^ through
    mu2_out = _uniform(state)  # Lambert: μ'² uniform, azimuth uniform
    phi = 2.0 * math.pi * _uniform(state) if azimuth else 0.0
    normal = math.sqrt(mu2_out) if side_out == 1 else -math.sqrt(mu2_out)
    lateral = math.sqrt(1.0 - mu2_out)
    # orthonormal basis (b, t) ⊥ n: Duff et al., J. Comput. Graph. Tech. 6, 1 (2017)
    sign = math.copysign(1.0, n2)
    a = -1.0 / (sign + n2)
    b = n0 * n1 * a
    c0, c1 = lateral * math.cos(phi), lateral * math.sin(phi)
    e0 = c0 * (1.0 + sign * n0 * n0 * a) + c1 * b + normal * n0
    e1 = c0 * sign * b + c1 * (sign + n1 * n1 * a) + normal * n1
    e2 = -c0 * sign * n0 - c1 * n1 + normal * n2
    return side_out, c - 3 * through, e0, e1, e2, mu2_out, False


class InelasticChannel(NamedTuple):
    """Kernel input: the phenomenological inelastic channel of an interface (`transmission.inelastic`).

    on : False for a purely elastic model (the kernels then skip it). amplitude, exponent : (2,)
    per side (0: medium 1, 1: medium 2), τ0_s(ω) = amplitude_s (ω/omega_ref)^exponent_s — for
    medium 1 A (T/T_ref)^q and m, for medium 2 the detailed-balance constant c and 0. The
    acceptance of a packet on side s is a_s = min(τ0_s(ω), 1 − τ_el,s(ω, μ)).
    reemit : the `Emission.rows` of both sides' re-emission tables ∝ F_s(ω) τ0_s(ω), side s at
    reemit[reemit_start[s]:reemit_start[s + 1]] (empty where amplitude_s = 0).
    """

    on: bool
    amplitude: np.ndarray
    exponent: np.ndarray
    omega_ref: float
    reemit: np.ndarray
    reemit_start: np.ndarray


#: The kernel input of a purely elastic model.
ELASTIC = InelasticChannel(False, np.zeros(2), np.zeros(2), 1.0, np.zeros(0), np.zeros(3, dtype=np.int64))


def inelastic_tables(m1, m2, model, T: float, dispersion: str = "debye") -> InelasticChannel:
    """Kernel input of the model's inelastic channel at T (K) (`landauer.inelastic_channel`):
    `ELASTIC` for a purely elastic model or a channel that carries nothing; else both sides'
    amplitudes and exponents and their re-emission tables ∝ F_s τ0_s (linear response at T)."""
    if model.inelastic is None:
        return ELASTIC
    ch = inelastic_channel(m1, m2, T, model, dispersion)
    if not ch.G_inel > 0.0:
        return ELASTIC
    rows = []
    for (a, b), amplitude, exponent in zip(((m1, m2), (m2, m1)), ch.amplitude, ch.exponent):
        factor = (lambda amp, e: lambda j, w: 0.25 * power_law(amp, e, ch.omega_ref, w))(amplitude, exponent)
        table = emission_table(a, b, occupation_weight(T), T, dispersion, factor=factor) if amplitude > 0 else None
        rows.append(table.kernel_input(np.array([np.inf])).rows if table is not None else np.zeros(0))
    start = np.array([0, rows[0].size, rows[0].size + rows[1].size], dtype=np.int64)
    return InelasticChannel(True, np.array(ch.amplitude, dtype=float), np.array(ch.exponent, dtype=float),
                            float(ch.omega_ref), np.concatenate(rows), start)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _amm_transmitted(iface, sj, omega, mu2):
    """τ_AMM of incident sj = side · 3 + branch at μ²: the interpolated fractions of the open
    transmitted channels, exactly the transmission probability `_amm_channel` samples."""
    base, f = _amm_row(iface, sj, mu2)
    below = (1.0 - f) * iface.amm[U64(base + 2)] + f * iface.amm[U64(base + 8)]
    total = 0.0
    for c in range(3, 6):
        upper = (1.0 - f) * iface.amm[U64(base + c)] + f * iface.amm[U64(base + 6 + c)] if c < 5 else 1.0
        if omega < iface.channel_cutoff[U64(sj * 6 + c)]:
            total += upper - below
        below = upper
    return total


@nb.njit(cache=True, inline="always", error_model="numpy")
def _dmm_transmitted(iface, side, omega, band):
    """τ_DMM of a packet on `side` at ω: the probability `_dmm_channel` lands in the other medium."""
    if iface.sine:
        own, other = side * 3, (1 - side) * 3
        mine = _k2(iface, own, omega) + _k2(iface, own + 1, omega) + _k2(iface, own + 2, omega)
        theirs = _k2(iface, other, omega) + _k2(iface, other + 1, omega) + _k2(iface, other + 2, omega)
        return theirs / (mine + theirs)
    return 1.0 - iface.dmm[(band * 2 + side) * 5 + 2]


@nb.njit(cache=True, inline="always", error_model="numpy")
def _elastic_transmission(iface, spec, side, j, omega, band, mu2):
    """τ_el = p τ_AMM(μ²) + (1 − p) τ_DMM of the packet: the probability that `_interface_event`
    sends it into the other medium."""
    sj = side * 3 + j
    p = _specular_probability(spec, iface, sj, omega, mu2)
    tau = 0.0
    if p > 0.0:
        tau = p * _amm_transmitted(iface, sj, omega, mu2)
    if p < 1.0:
        tau += (1.0 - p) * _dmm_transmitted(iface, side, omega, band)
    return tau


@nb.njit(cache=True, inline="always", error_model="numpy")
def _tau0(inel, side, omega):
    """τ0_s(ω) = amplitude_s (ω/omega_ref)^exponent_s (see `InelasticChannel`)."""
    return inel.amplitude[side] * (omega / inel.omega_ref) ** inel.exponent[side]


@nb.njit(cache=True, error_model="numpy")
def _inelastic_event(state, iface, spec, inel, side, j, omega, band, mu2):
    """The inelastic channel, for a packet the elastic event has just reflected on `side`.

    Elastic reflection has probability 1 − τ_el; converting it with probability a/(1 − τ_el),
    a = min(τ0(ω), 1 − τ_el), makes the packet cross inelastically with probability a in all,
    beside the elastic τ_el (`transmission.inelastic`). A packet that crosses is re-emitted in
    the other medium with (ω′, branch, μ′²) ∝ F(ω′) a(ω′, μ′) there: drawn from the table
    ∝ F τ0 with a Lambert μ′², kept with probability a/τ0 (rejection).
    Returns (crossed, ω′, branch′, μ′²); (False, ω, j, μ²) when it stays reflected.
    """
    far = 1 - side
    if inel.amplitude[far] <= 0.0:  # no channel back: G_inel = 0 (detailed balance)
        return False, omega, j, mu2
    reflect = 1.0 - _elastic_transmission(iface, spec, side, j, omega, band, mu2)
    a = min(_tau0(inel, side, omega), reflect)
    if not (a > 0.0 and _uniform(state) * reflect < a):
        return False, omega, j, mu2
    rows = Emission(inel.reemit[inel.reemit_start[far]:inel.reemit_start[far + 1]])
    while True:
        w, jw, _ = _draw_frequency(state, rows)
        m2 = 1.0 - _uniform(state)
        t0 = _tau0(inel, far, w)
        keep = min(t0, 1.0 - _elastic_transmission(iface, spec, far, jw, w, _band(iface, w), m2))
        if _uniform(state) * t0 < keep:
            return True, w, jw, m2


@nb.njit(cache=True, inline="always", error_model="numpy")
def _sh_axis(d0, d1, d2, n0, n1, n2):
    """Unit ĥ ∝ d × n normal to the plane of incidence; at normal incidence (no plane) any
    unit vector ⊥ n, where SV and SH scatter alike."""
    h0, h1, h2 = d1 * n2 - d2 * n1, d2 * n0 - d0 * n2, d0 * n1 - d1 * n0
    norm = math.sqrt(h0 * h0 + h1 * h1 + h2 * h2)
    if norm < 1e-12:
        sign = math.copysign(1.0, n2)
        a = -1.0 / (sign + n2)
        return 1.0 + sign * n0 * n0 * a, sign * n0 * n1 * a, -sign * n0
    return h0 / norm, h1 / norm, h2 / norm


@nb.njit(cache=True, inline="always", error_model="numpy")
def _polarization(j, d0, d1, d2, n0, n1, n2):
    """Unit polarization of a transverse packet (j = 1 SV, 2 SH) leaving an event with normal
    n in direction d: SH along ĥ, SV along ĥ × d (in the plane of incidence, ⊥ d)."""
    h0, h1, h2 = _sh_axis(d0, d1, d2, n0, n1, n2)
    if j == 2:
        return h0, h1, h2
    return h1 * d2 - h2 * d1, h2 * d0 - h0 * d2, h0 * d1 - h1 * d0


@nb.njit(cache=True, inline="always", error_model="numpy")
def _resolve_transverse(state, p0, p1, p2, d0, d1, d2, n0, n1, n2):
    """Branch (1 SV, 2 SH) of a transverse packet with polarization p at an event with normal
    n: SH with probability (p·ĥ)², the share of its energy in the SH component; one uniform."""
    h0, h1, h2 = _sh_axis(d0, d1, d2, n0, n1, n2)
    along = p0 * h0 + p1 * h1 + p2 * h2
    return 2 if _uniform(state) < along * along else 1


@nb.njit(cache=True, error_model="numpy")
def _events(state, iface, spec, side, branch, omega, d, n, out):
    """`_interface_event` for each row of the given packets, in order, on one stream."""
    for i in range(side.shape[0]):
        s, j, e0, e1, e2, mu2, specular = _interface_event(
            state, iface, spec, side[i], branch[i], omega[i], _band(iface, omega[i]),
            d[i, 0], d[i, 1], d[i, 2], n[i, 0], n[i, 1], n[i, 2], True)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = s, j, e0, e1, e2
        out[i, 5], out[i, 6] = mu2, specular


def scatter(iface: Interface, spec, stream, side, branch, omega, direction, normal) -> np.ndarray:
    """Apply the interface event to given packets, one after the other on one random stream.

    iface : `interface_tables(...)`; spec : `models.Specularity`; stream : (seed, point,
    emitter, batch) of the stream (`rng`). side, branch : (N,) int (0/1; 0 L, 1 SV, 2 SH);
    omega : (N,) rad s⁻¹; direction, normal : (N, 3) unit vectors (see `_interface_event`).
    Returns (N, 7): side', branch', d'x, d'y, d'z, μ'², specular (1/0). For tests and
    studies of the event itself; kernels call `_interface_event` directly.
    """
    side = np.ascontiguousarray(side, dtype=np.int64)
    n_packets = side.shape[0]
    branch = np.ascontiguousarray(branch, dtype=np.int64)
    omega = np.ascontiguousarray(omega, dtype=float)
    direction = np.ascontiguousarray(direction, dtype=float).reshape(n_packets, 3)
    normal = np.ascontiguousarray(normal, dtype=float).reshape(n_packets, 3)
    for name, v in (("direction", direction), ("normal", normal)):
        if not np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-12):
            raise ValueError(f"{name} must be unit vectors, shape (N, 3)")
    cos_in = np.einsum("ij,ij->i", direction, normal)
    if np.any(np.where(side == 0, cos_in <= 0, cos_in >= 0)):
        raise ValueError("each packet must move towards the interface: d·n > 0 on side 0, < 0 on side 1")
    out = np.empty((n_packets, 7))
    _events(_stream(*[int(x) for x in stream]), iface, spec, side, branch, omega, direction, normal, out)
    return out
