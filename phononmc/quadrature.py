"""Quadrature rules for the frequency and angle integrals of the Landauer formula.

All integrands here are piecewise smooth with square-root behaviour at their break
points (branch cutoffs, sine band edges, critical angles). Splitting at the break
points and using Gauss–Legendre under a cosine substitution on each piece gives
near machine-precision integrals with a few dozen nodes per piece.
"""

from __future__ import annotations

import math

import numpy as np

from phononmc.constants import HBAR, K_B

#: Upper limit of x = ħω/k_B T in thermal integrals: x⁴eˣ/(eˣ−1)² < 1e-14 of its peak beyond it.
X_MAX = 50.0


def gauss_cosine(a: float, b: float, n: int):
    """Nodes and weights for ∫_a^b f dx under the substitution x = a + (b−a)(1 − cos πt)/2.

    Gauss–Legendre in t ∈ [0, 1]; the substitution turns √(x−a) and √(b−x) endpoint
    behaviour into smooth functions of t. Returns (x, w), each shape (n,).
    """
    t, wt = np.polynomial.legendre.leggauss(n)
    t = 0.5 * (t + 1.0)
    x = a + (b - a) * 0.5 * (1.0 - np.cos(math.pi * t))
    w = 0.5 * wt * (b - a) * 0.5 * math.pi * np.sin(math.pi * t)
    return x, w


def split_gauss_cosine(breaks, n: int):
    """`gauss_cosine` on each piece between sorted, distinct `breaks`; returns (x, w) concatenated."""
    b = np.unique(np.asarray(breaks, dtype=float))
    xs, ws = zip(*(gauss_cosine(lo, hi, n) for lo, hi in zip(b[:-1], b[1:])))
    return np.concatenate(xs), np.concatenate(ws)


def thermal_frequency_nodes(T, breaks, n: int = 48):
    """Frequency nodes for ∫_0^{max(breaks)} f(ω) ∂n/∂T dω at each temperature.

    The range is cut at ω = X_MAX k_B T / ħ (no thermal phonons above it) and split at
    the `breaks` (rad s⁻¹) below that, with `n` nodes per piece.

    Parameters
    ----------
    T : array, shape (nT,) (K).
    breaks : break points (rad s⁻¹), e.g. all branch cutoffs; the largest ends the range.

    Returns
    -------
    omega, weight : arrays, shape (nT, n_pieces * n); weights are 0 on empty pieces.
    """
    T = np.atleast_1d(np.asarray(T, dtype=float))
    b = np.unique(np.concatenate([[0.0], np.asarray(breaks, dtype=float)]))
    top = np.minimum(b[-1], X_MAX * K_B * T / HBAR)  # (nT,)
    lo = np.minimum(b[None, :-1], top[:, None])  # (nT, pieces)
    hi = np.minimum(b[None, 1:], top[:, None])
    t, wt = gauss_cosine(0.0, 1.0, n)
    omega = lo[:, :, None] + (hi - lo)[:, :, None] * t[None, None, :]
    weight = (hi - lo)[:, :, None] * wt[None, None, :]
    return omega.reshape(len(T), -1), weight.reshape(len(T), -1)


def bose_derivative(omega, T):
    """∂n/∂T of the Bose–Einstein occupation (K⁻¹), broadcasting omega (rad s⁻¹) and T (K).

    Written as (x/T)/(4 sinh²(x/2)), x = ħω/k_B T: no overflow at large x, no
    cancellation at small x.
    """
    T = np.asarray(T, dtype=float)
    x = HBAR * np.asarray(omega, dtype=float) / (K_B * T)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = np.sinh(0.5 * np.minimum(x, 1400.0))
        out = (x / T) / (4.0 * s * s)
    return np.where(x >= 1400.0, 0.0, out)


def bose_occupation(omega, T):
    """Bose–Einstein occupation n = 1/(e^{ħω/k_B T} − 1), broadcasting omega and T."""
    x = HBAR * np.asarray(omega, dtype=float) / (K_B * np.asarray(T, dtype=float))
    with np.errstate(over="ignore", divide="ignore"):
        return 1.0 / np.expm1(np.minimum(x, 1400.0))


def occupation_weight(T, delta_T=0.0, part="full"):
    """w(ω) for the emission density, as a function of ω (rad s⁻¹), units K⁻¹.

    delta_T = 0: ∂n/∂T at T. Otherwise, with T₁,₂ = T ± ΔT/2:
    part "full":  [n(T₁) − n(T₂)]/ΔT        (one side emits the whole difference);
    part "upper": [n(T₁) − n(T)]/(ΔT/2)     (side 1 of a two-sided deviational run);
    part "lower": [n(T) − n(T₂)]/(ΔT/2)     (side 2 of a two-sided deviational run).
    """
    if delta_T == 0.0:
        return lambda w: bose_derivative(w, T)
    t1, t2 = T + 0.5 * delta_T, T - 0.5 * delta_T
    hi, lo, scale = {"full": (t1, t2, delta_T), "upper": (t1, T, 0.5 * delta_T),
                     "lower": (T, t2, 0.5 * delta_T)}[part]
    return lambda w: (bose_occupation(w, hi) - bose_occupation(w, lo)) / scale
