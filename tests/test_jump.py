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
    """Correlated cells: the jump's variance is cᵀΣc, checked against the scatter of many
    correlated draws (10⁴; the variance is known to ~2 %)."""
    rng = np.random.default_rng(5)
    z = np.concatenate([np.linspace(-1, -0.1, 8), np.linspace(0.1, 1, 8)])
    truth = np.where(z < 0, 0.2 - 0.5 * z, -0.2 - 0.5 * z)
    a = rng.normal(0, 0.05, (17, 17))
    cov = a @ a.T + 1e-4 * np.eye(17)  # (q, θ) covariance with strong correlations
    masks = (z < 0, z > 0)
    draws = rng.multivariate_normal(np.concatenate([[1.0], truth]), cov, size=10000)
    jumps = np.array([measured_jump(z, d[0], d[1:], cov, masks).jump for d in draws])
    j = measured_jump(z, 1.0, truth, cov, masks)
    assert j.jump == pytest.approx(0.4, rel=1e-12)
    assert j.jump_err == pytest.approx(jumps.std(ddof=1), rel=0.05)
    small = cov / 100  # the first-order G error needs small relative errors (here ~5 %)
    draws = rng.multivariate_normal(np.concatenate([[1.0], truth]), small, size=4000)
    gs = np.array([measured_jump(z, d[0], d[1:], small, masks).G for d in draws])
    assert measured_jump(z, 1.0, truth, small, masks).G_err == pytest.approx(gs.std(ddof=1), rel=0.08)


def test_too_few_cells_is_an_error():
    z = np.linspace(-1, 1, 6)
    with pytest.raises(ValueError, match="at least 3 cells"):
        fit_line(z, z, np.eye(6), z < -0.5)
