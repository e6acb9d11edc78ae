"""Plain-Python reference of one Monte Carlo packet: RNG, emission draw, interface event.

Written from the formulas, not from the kernel: its own xoshiro256**/splitmix64, the exact
AMM coefficients (`amm.coefficients_slowness` and `amm.open_channels`, no table) and the
exact DMM weights k_j(ω)² from `dispersion`. It shares only the emission table (checked
separately against the analytic emitted flux).
"""

import math

import numpy as np

from phononmc.dispersion import branches
from phononmc.transmission import amm

M64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


class Xoshiro256:
    """xoshiro256** (Blackman & Vigna) seeded like `rng._stream(seed, point, emitter, batch)`."""

    def __init__(self, seed, k1, k2, k3):
        mix = 0xD1B54A32D192ED03
        x = seed
        for key in (k1, k2, k3):
            _, x = _splitmix(x ^ ((key * mix) & M64))
        self.s = []
        for _ in range(4):
            x, out = _splitmix(x)
            self.s.append(out)

    def uniform(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return (result >> 11) * 2.0**-53


def draw(rng, table):
    """(ω, branch) from an EmissionTable: alias cell, then the linear density inside it."""
    e = table.entries
    x = rng.uniform() * e.shape[0]
    k = int(x)
    if x - k >= e[k, 0]:
        k = int(e[k, 1])
    a, b = e[k, 4], e[k, 5]
    u = rng.uniform()
    frac = u if abs(b - a) <= 1e-9 * (a + b) else (math.sqrt(a * a + (b * b - a * a) * u) - a) / (b - a)
    return e[k, 2] + frac * e[k, 3], int(table.branch[k])


def _specular_probability(model, k, mu2):
    """p from the formulas as published (Ziman 1960, Soffer 1967), written with λ = 2π/k."""
    if model.kind in ("amm", "dmm", "mixed"):
        return {"amm": 1.0, "dmm": 0.0}.get(model.kind, model.p)
    lam = 2.0 * math.pi / k
    eta = model.roughness
    if model.kind == "ziman":
        return math.exp(-16.0 * math.pi**3 * eta**2 / lam**2)
    return math.exp(-16.0 * math.pi**2 * eta**2 * mu2 / lam**2)


def _lambert_basis(n):
    """Two unit vectors ⊥ n: Duff, Burgess, Christensen, Hery, Kensler, Liani & Villemin,
    'Building an orthonormal basis, revisited', J. Comput. Graph. Tech. 6(1), 1 (2017), Listing 3."""
    sign = math.copysign(1.0, n[2])
    a = -1.0 / (sign + n[2])
    b = n[0] * n[1] * a
    return (np.array([1.0 + sign * n[0] ** 2 * a, sign * b, -sign * n[0]]),
            np.array([b, sign + n[1] ** 2 * a, -n[1]]))


def event(rng, m1, m2, model, side, j, omega, d, n, dispersion="debye", azimuth=True):
    """One interface event from the formulas: exact AMM coefficients (`amm.coefficients_slowness`,
    `amm.open_channels`), exact DMM weights k_j(ω)², Snell's law with unit vectors, a Lambert
    direction about ±n (azimuth 0 unless `azimuth`). side 0/1, j branch, d and n unit 3-vectors
    (n: medium 1 → 2).

    Returns (side', j', d', μ'², specular, r, cum): r and cum are the uniform and cumulative
    thresholds of the channel draw, to recognise a table-interpolation hair from a threshold.
    """
    m_in, m_out = (m1, m2) if side == 0 else (m2, m1)
    bs_in, bs_out = branches(m_in, dispersion), branches(m_out, dispersion)
    cos_in = float(np.dot(d, n))
    mu2 = cos_in * cos_in
    k = float(bs_in[j].wavevector(np.array([omega]))[0])
    p = _specular_probability(model, k, mu2)
    if p >= 1.0 or (p > 0.0 and rng.uniform() < p):
        name = bs_in[j].name
        sin_in = math.sqrt(max(1.0 - mu2, 0.0))
        w = amm.coefficients_slowness(m_in, m_out, np.array([sin_in / bs_in[j].velocity]), name).as_array()[:, 0]
        cum = np.cumsum(w)
        r = rng.uniform()
        channel = int(np.searchsorted(cum[:-1], r, side="right"))
        if not amm.open_channels(m_in, m_out, name, omega)[channel]:
            channel = j
        side_out = side if channel < 3 else 1 - side
        v_out = (bs_in if channel < 3 else bs_out)[channel % 3].velocity
        sin_out = sin_in * v_out / bs_in[j].velocity
        cos_out = math.sqrt(max(1.0 - sin_out**2, 0.0))
        tangent = (np.asarray(d) - cos_in * np.asarray(n)) / sin_in if sin_in > 0 else np.zeros(3)
        d_out = sin_out * tangent + (cos_out if side_out == 1 else -cos_out) * np.asarray(n)
        return side_out, channel % 3, d_out, cos_out**2, True, r, cum

    def k2(b):
        return float(np.nan_to_num(b.wavevector(np.array([omega]))[0])) ** 2 if omega < b.omega_cutoff else 0.0

    w = np.zeros(6)
    for i, b in enumerate(bs_in):
        w[i] = k2(b)
    for i, b in enumerate(bs_out):
        w[3 + i] = k2(b)
    cum = np.cumsum(w)
    r = rng.uniform() * cum[-1]
    channel = int(np.searchsorted(cum[:-1], r, side="right"))
    side_out = side if channel < 3 else 1 - side
    mu2_out = rng.uniform()
    phi = 2.0 * math.pi * rng.uniform() if azimuth else 0.0
    b1, b2 = _lambert_basis(n)
    normal = math.sqrt(mu2_out) if side_out == 1 else -math.sqrt(mu2_out)
    d_out = math.sqrt(1.0 - mu2_out) * (math.cos(phi) * b1 + math.sin(phi) * b2) + normal * np.asarray(n)
    return side_out, channel % 3, d_out, mu2_out, False, r, cum
