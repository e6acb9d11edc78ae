"""Far-field fits and the measured jump (phononmc.jump) against independent calculations."""

import numpy as np
import pytest

from phononmc.jump import fit_line, measured_jump


def test_fit_line_is_weighted_least_squares():
    """Coefficients against numpy.polyfit with weights 1/σ; the coefficient covariance
    against polyfit's unscaled covariance when the profile covariance is diagonal."""
    rng = np.random.default_rng(3)
    z = np.linspace(-1.0, 1.0, 12)
    sigma = rng.uniform(0.5, 2.0, z.size)
    theta = 0.3 - 1.7 * z + rng.normal(0, sigma)
    mask = np.abs(z) < 0.9
    fit = fit_line(z, theta, np.diag(sigma**2), mask)
    coef, cov = np.polyfit(z[mask], theta[mask], 1, w=1 / sigma[mask], cov="unscaled")
    assert fit.slope == pytest.approx(coef[0], rel=1e-12) and fit.intercept == pytest.approx(coef[1], rel=1e-12)
    assert np.allclose(fit.cov[::-1, ::-1], cov, rtol=1e-10)
    assert fit.dof == mask.sum() - 2
    assert fit.chi2 == pytest.approx(np.sum(((theta - fit.intercept - fit.slope * z) / sigma)[mask] ** 2))


def test_jump_error_uses_the_full_covariance():
    """Correlated cells, as in a Monte Carlo profile: a common mode of all cells (which the
    jump cancels) and a mode shared by the flux and side 1 (which makes q and the jump
    covary). The jump's σ and G's σ against the scatter of correlated draws."""
    rng = np.random.default_rng(5)
    z = np.concatenate([np.linspace(-1, -0.1, 8), np.linspace(0.1, 1, 8)])
    truth = np.where(z < 0, 0.2 - 0.5 * z, -0.2 - 0.5 * z)
    loads = np.zeros((17, 2))
    loads[1:, 0] = 0.02                     # common mode of every cell
    loads[0, 1], loads[1:9, 1] = 0.02, 0.01  # the flux and side 1 together
    cov = loads @ loads.T + np.diag(np.full(17, 0.003**2))
    masks = (z < 0, z > 0)
    j = measured_jump(z, 1.0, truth, cov, masks)
    assert j.jump == pytest.approx(0.4, rel=1e-12)
    draws = rng.multivariate_normal(np.concatenate([[1.0], truth]), cov, size=8000)
    fits = [measured_jump(z, d[0], d[1:], cov, masks) for d in draws]
    jumps, gs = np.array([f.jump for f in fits]), np.array([f.G for f in fits])
    assert j.jump_err == pytest.approx(jumps.std(ddof=1), rel=0.03)
    assert j.G_err == pytest.approx(gs.std(ddof=1), rel=0.03)
    diagonal = measured_jump(z, 1.0, truth, np.diag(np.diag(cov)), masks)
    assert diagonal.jump_err > 1.5 * j.jump_err  # the correlations matter here: the check is sharp


def test_too_few_cells_is_an_error():
    z = np.linspace(-1, 1, 6)
    with pytest.raises(ValueError, match="at least 3 cells"):
        fit_line(z, z, np.eye(6), z < -0.5)
