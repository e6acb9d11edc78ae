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
    """xoshiro256** (Blackman & Vigna) seeded like `sampling._stream(seed, k1, k2, k3)`."""

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
    """(ω, branch) from an EmissionTable, as the DESIGN describes: alias cell, linear density inside."""
    e = table.entries
    x = rng.uniform() * e.shape[0]
    k = int(x)
    if x - k >= e[k, 0]:
        k = int(e[k, 1])
    a, b = e[k, 4], e[k, 5]
    u = rng.uniform()
    frac = u if abs(b - a) <= 1e-9 * (a + b) else (math.sqrt(a * a + (b * b - a * a) * u) - a) / (b - a)
    return e[k, 2] + frac * e[k, 3], int(table.branch[k])


def scatter(rng, m_in, m_out, j, omega, mu2, p, dispersion="debye"):
    """Channel (0..5), specular?, and the cumulative thresholds used, for one interface event."""
    bs_in, bs_out = branches(m_in, dispersion), branches(m_out, dispersion)
    if p >= 1.0 or (p > 0.0 and rng.uniform() < p):
        # channel by the continuum AMM fractions; a closed channel's share is specular reflection
        name = bs_in[j].name
        s = math.sqrt(1.0 - mu2) / bs_in[j].velocity
        w = amm.coefficients_slowness(m_in, m_out, np.array([s]), name).as_array()[:, 0]
        cum = np.cumsum(w)
        r = rng.uniform()
        channel = int(np.searchsorted(cum[:-1], r, side="right"))
        if not amm.open_channels(m_in, m_out, name, omega)[channel]:
            channel = j
        return channel, True, r, cum
    else:
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
    rng.uniform()  # the Lambert direction
    return channel, False, r, cum
