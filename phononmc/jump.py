"""The measured temperature jump: far-field fits of a temperature profile, extrapolated to
the interface, as an experiment defines the Kapitza resistance.

Given cell temperatures θ_k at cell centres z_k (the interface at z = 0, medium 1 at
z < 0), a straight line θ = a + b z is fitted on each side over its far-field cells (a
region next to the walls and the interface excluded), by least squares weighted with the
cells' variances. Both intercepts a₁, a₂ are linear in the profile, a = c·θ, so the jump
ΔT_K = a₁ − a₂ and its variance cᵀ Σ c follow exactly from the full covariance Σ of the
profile and the flux q (cells of one Monte Carlo run are correlated: the same packets
cross them). Then

    G = q / ΔT_K,   R_K = 1/G,   (σ_G/G)² = σ_q²/q² + σ_J²/ΔT_K² − 2 cov(q, ΔT_K)/(q ΔT_K)

(first-order propagation; the relative errors here are small).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LineFit:
    """θ = intercept + slope · z fitted on the cells `mask`.

    weights : (2, n) rows giving (intercept, slope) = weights @ θ; cov : (2, 2) from the full
    profile covariance; chi2 with the diagonal errors, over dof = cells − 2; lo, hi: the fitted
    range of z (m).
    """

    intercept: float
    slope: float
    cov: np.ndarray
    weights: np.ndarray
    chi2: float
    dof: int
    lo: float
    hi: float


def fit_line(z, theta, cov, mask) -> LineFit:
    """Weighted least-squares line through θ[mask] at z[mask] (weights 1/diag(cov)); the
    coefficient covariance is propagated with the full `cov` (n, n) of θ."""
    z, theta, mask = np.asarray(z, float), np.asarray(theta, float), np.asarray(mask, bool)
    n_fit = int(mask.sum())
    if n_fit < 3:
        raise ValueError(f"the far-field fit needs at least 3 cells, got {n_fit}: use more cells or "
                         "exclude less next to the walls and the interface")
    var = np.diag(cov)[mask]
    if np.any(~(var > 0)):
        raise ValueError("the far-field cells need positive variances (run at least 2 batches)")
    a = np.column_stack([np.ones(n_fit), z[mask]])
    aw = a / var[:, None]
    weights = np.zeros((2, z.size))
    weights[:, mask] = np.linalg.solve(a.T @ aw, aw.T)
    coef = weights @ theta
    residual = theta[mask] - a @ coef
    return LineFit(float(coef[0]), float(coef[1]), weights @ cov @ weights.T, weights,
                   float((residual**2 / var).sum()), n_fit - 2, float(z[mask].min()), float(z[mask].max()))


@dataclass(frozen=True)
class Jump:
    """The measured jump (per kelvin of the wall difference ΔT, like θ) and conductance.

    fits : (side 1, side 2) `LineFit`s, whose intercepts are θ₁(0), θ₂(0); jump = θ₁(0) − θ₂(0)
    with error; q (W m⁻² per K of ΔT) with error; G = q/jump and R = 1/G with errors
    (W m⁻² K⁻¹, m² K W⁻¹).
    """

    fits: tuple
    jump: float
    jump_err: float
    q: float
    q_err: float
    G: float
    G_err: float

    @property
    def R(self) -> float:
        return 1.0 / self.G

    @property
    def R_err(self) -> float:
        return self.G_err / self.G**2


def measured_jump(z, q, theta, cov, masks) -> Jump:
    """Fit both far fields and extrapolate to z = 0.

    z, theta : (n,) cell centres (m) and temperatures per K of ΔT; q : flux per K of ΔT;
    cov : (n + 1, n + 1) covariance of (q, θ₁ … θ_n); masks : (side 1, side 2) boolean (n,)
    far-field cells of each side.
    """
    cov = np.asarray(cov, float)
    fits = tuple(fit_line(z, theta, cov[1:, 1:], m) for m in masks)
    c = np.concatenate([[0.0], fits[0].weights[0] - fits[1].weights[0]])  # jump = c · (q, θ)
    jump = float(fits[0].intercept - fits[1].intercept)
    var_jump = float(c @ cov @ c)
    cov_qj = float(cov[0] @ c)
    var_q = float(cov[0, 0])
    G = q / jump
    rel2 = var_q / q**2 + var_jump / jump**2 - 2.0 * cov_qj / (q * jump)
    return Jump(fits, jump, math.sqrt(var_jump), float(q),
                math.sqrt(var_q), float(G), abs(G) * math.sqrt(max(rel2, 0.0)))
