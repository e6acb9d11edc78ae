"""Thickness-series fit: exact lines, covariance against independent formulas, error bars that
hold over many synthetic series (pulls), the CSV reader's refusals, and the figure."""

import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from phononmc import fit, plot
from tests.test_docs import _blocks, run_and_check_shown

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "runs" / "thickness_series_example.csv"
DOC = ROOT / "docs" / "thickness-series.md"

#: The synthetic example series (runs/thickness_series_example.csv): R_0 (m² K W⁻¹), κ (W m⁻¹ K⁻¹),
#: thicknesses (m), relative noise, seed.
R0, KAPPA = 15e-9, 1.3
L_EXAMPLE = np.array([20.0, 50.0, 100.0, 150.0, 200.0, 300.0]) * 1e-9
NOISE, SEED = 0.03, 20251127


def example_series():
    """(L (m), R (m² K W⁻¹), σ (m² K W⁻¹)): R = R_0 + L/κ plus Gaussian noise σ = 3 % of it."""
    true = R0 + L_EXAMPLE / KAPPA
    err = NOISE * true
    return L_EXAMPLE, true + err * np.random.default_rng(SEED).standard_normal(L_EXAMPLE.size), err


def _normal_equations(L, R, err):
    """(intercept, slope, covariance) from the closed-form 2x2 normal equations (Bevington Eq. 6.12, 6.21)."""
    w = 1.0 / err**2
    S, Sx, Sxx, Sy, Sxy = w.sum(), w @ L, w @ L**2, w @ R, w @ (L * R)
    delta = S * Sxx - Sx**2
    return (Sxx * Sy - Sx * Sxy) / delta, (S * Sxy - Sx * Sy) / delta, np.array([[Sxx, -Sx], [-Sx, S]]) / delta


# --------------------------------------------------------------------------- the fit


def test_exact_line_is_recovered_and_covariance_matches_independent_calculations():
    L = np.array([10.0, 40.0, 80.0, 160.0, 250.0]) * 1e-9
    err = np.array([0.5, 0.8, 1.0, 2.0, 4.0]) * 1e-9
    R = 7e-9 + L / 0.9
    f = fit.thickness_series(L, R, err)
    assert f.intercept == pytest.approx(7e-9, rel=1e-12)
    assert f.slope == pytest.approx(1 / 0.9, rel=1e-12)
    assert f.kappa == pytest.approx(0.9, rel=1e-12)
    assert f.chi2 == pytest.approx(0.0, abs=1e-20) and f.dof == 3
    # numpy.polyfit takes w = 1/σ and orders (slope, intercept)
    _, cov = np.polyfit(L, R, 1, w=1.0 / err, cov="unscaled")
    np.testing.assert_allclose(f.covariance, cov[::-1, ::-1], rtol=1e-9)
    a, b, cov_ne = _normal_equations(L, R, err)
    np.testing.assert_allclose(f.covariance, cov_ne, rtol=1e-9)
    assert f.intercept_err == pytest.approx(np.sqrt(cov_ne[0, 0]), rel=1e-9)
    assert f.slope_err == pytest.approx(np.sqrt(cov_ne[1, 1]), rel=1e-9)
    np.testing.assert_allclose(f.predict([0.0, 1e-7]), [7e-9, 7e-9 + 1e-7 / 0.9], rtol=1e-12)


def test_noisy_series_matches_normal_equations_and_errors_are_not_rescaled():
    L, R, err = example_series()
    f = fit.thickness_series(L, R, err)
    a, b, cov = _normal_equations(L, R, err)
    assert (f.intercept, f.slope) == pytest.approx((a, b), rel=1e-9)
    assert f.chi2 == pytest.approx(np.sum(((R - a - b * L) / err) ** 2), rel=1e-9)
    # doubling every error leaves the line, doubles its errors and quarters chi2: no rescaling by chi2
    g = fit.thickness_series(L, R, 2 * err)
    assert (g.intercept, g.slope) == pytest.approx((f.intercept, f.slope), rel=1e-9)
    assert (g.intercept_err, g.slope_err) == pytest.approx((2 * f.intercept_err, 2 * f.slope_err), rel=1e-9)
    assert g.chi2 == pytest.approx(f.chi2 / 4, rel=1e-9)
    # the band of the line: the intercept's error at L = 0, u·C·u with u = (1, L) elsewhere
    assert f.predict_err(0.0) == pytest.approx(f.intercept_err, rel=1e-12)
    u = np.array([1.0, 400e-9])
    assert f.predict_err(400e-9) == pytest.approx(np.sqrt(u @ cov @ u), rel=1e-9)
    assert f.kappa_err == pytest.approx(f.slope_err / f.slope**2, rel=1e-12)


def test_without_errors_ordinary_least_squares_with_the_scatter_as_error():
    L, R, _ = example_series()
    f = fit.thickness_series(L, R)
    ref = stats.linregress(L, R)  # OLS, standard errors with n - 2 degrees of freedom
    assert (f.intercept, f.slope) == pytest.approx((ref.intercept, ref.slope), rel=1e-9)
    assert (f.intercept_err, f.slope_err) == pytest.approx((ref.intercept_stderr, ref.stderr), rel=1e-9)
    assert np.isnan(f.chi2) and not f.errors_given and f.dof == 4
    s = np.sqrt(np.sum((R - f.predict(L)) ** 2) / 4)
    np.testing.assert_allclose(f.resistance_err, s, rtol=1e-12)


#: Synthetic series for the pull test: 5 thicknesses away from L = 0 (the intercept is an extrapolation),
#: errors growing with L.
N_SERIES = 3000
L_PULL = np.array([30.0, 60.0, 100.0, 150.0, 220.0]) * 1e-9
ERR_PULL = np.array([1.0, 1.5, 2.0, 3.0, 4.0]) * 1e-9


def test_pulls_of_intercept_and_slope_are_standard_normal():
    """Over N_SERIES series with known errors, (fit − true)/error has mean 0 ± 1/√N and std
    1 ± 1/√(2N); checked within 4 standard errors. This tests the error bars, not only the values."""
    rng = np.random.default_rng(7)
    true = 12e-9 + L_PULL / 1.5
    pulls, chi2 = [], []
    for _ in range(N_SERIES):
        f = fit.thickness_series(L_PULL, true + ERR_PULL * rng.standard_normal(L_PULL.size), ERR_PULL)
        pulls.append(((f.intercept - 12e-9) / f.intercept_err, (f.slope - 1 / 1.5) / f.slope_err))
        chi2.append(f.chi2)
    pulls = np.array(pulls)
    n = N_SERIES
    assert np.all(np.abs(pulls.mean(axis=0)) < 4 / np.sqrt(n)), pulls.mean(axis=0)
    assert np.all(np.abs(pulls.std(axis=0, ddof=1) - 1) < 4 / np.sqrt(2 * (n - 1))), pulls.std(axis=0, ddof=1)
    # chi2 of dof = 3 has mean 3 and variance 6
    assert abs(np.mean(chi2) - 3) < 4 * np.sqrt(6 / n), np.mean(chi2)


def test_scatter_estimate_without_errors_is_unbiased():
    """Without errors, intercept_err² averages to the true variance of the intercept (σ² times
    the unscaled covariance): the scatter is divided by n − 2. s²/σ² has variance 2/(n − 2)."""
    rng = np.random.default_rng(11)
    sigma = 2e-9
    true = 12e-9 + L_PULL / 1.5
    variance = fit.thickness_series(L_PULL, true, np.full(L_PULL.size, sigma)).intercept_err ** 2
    ratio = [fit.thickness_series(L_PULL, true + sigma * rng.standard_normal(L_PULL.size)).intercept_err ** 2
             / variance for _ in range(N_SERIES)]
    assert abs(np.mean(ratio) - 1) < 4 * np.sqrt(2 / 3 / N_SERIES), np.mean(ratio)


def test_subtract_reference_adds_errors_in_quadrature():
    L = np.array([50.0, 100.0, 200.0]) * 1e-9
    sample = fit.thickness_series(L, [30e-9, 52e-9, 101e-9], [1e-9, 1e-9, 2e-9])
    reference = fit.thickness_series(L, [11e-9, 33e-9, 78e-9], [2e-9, 2e-9, 3e-9])
    R_K, err = fit.subtract_reference(sample, reference)
    assert R_K == pytest.approx(sample.intercept - reference.intercept, rel=1e-12)
    assert err == pytest.approx(np.sqrt(sample.intercept_err**2 + reference.intercept_err**2), rel=1e-12)
    assert err > max(sample.intercept_err, reference.intercept_err)


@pytest.mark.parametrize("args, message", [
    (([1e-9, 2e-9, 3e-9], [1.0, 2.0, 3.0], [1.0, 0.0, 1.0]), r"resistance_err\[1\] = 0.0 is invalid: .* > 0"),
    (([1e-9, -2e-9, 3e-9], [1.0, 2.0, 3.0]), r"thickness\[1\] = -2e-09 is invalid: .* >= 0"),
    (([1e-9, np.nan, 3e-9], [1.0, 2.0, 3.0]), r"thickness\[1\] = nan is invalid"),
    (([1e-9, 2e-9, 3e-9], [1.0, np.inf, 3.0]), r"resistance\[1\] = inf is invalid"),
    (([1e-9, 2e-9], [1.0, 2.0]), "at least 3 points without resistance_err, got 2"),
    (([1e-9], [1.0], [1.0]), "at least 2 points with resistance_err, got 1"),
    (([1e-9, 1e-9, 1e-9], [1.0, 2.0, 3.0]), "two different thicknesses"),
    (([1e-9, 2e-9, 3e-9], [1.0, 2.0]), r"resistance has shape \(2,\) for thickness of shape \(3,\)"),
    (([1e-9, 2e-9, 3e-9], [1.0, 2.0, 3.0], [1.0, 1.0]), r"resistance_err has shape"),
    (([[1e-9, 2e-9, 3e-9]], [[1.0, 2.0, 3.0]]), "1-D array"),
])
def test_bad_input_is_refused_with_its_name(args, message):
    with pytest.raises(ValueError, match=message):
        fit.thickness_series(*args)


def test_result_is_read_only():
    f = fit.thickness_series(*example_series())
    with pytest.raises(ValueError):
        f.resistance[0] = 0.0
    with pytest.raises(AttributeError):
        f.intercept = 0.0


# --------------------------------------------------------------------------- the example file


def test_example_file_is_the_stated_synthetic_series_and_the_fit_recovers_it():
    L, R, err = fit.read_series_csv(EXAMPLE)
    gen_L, gen_R, gen_err = example_series()
    np.testing.assert_allclose(L, gen_L, rtol=1e-12)
    np.testing.assert_allclose(R, gen_R, rtol=0, atol=0.0005e-9)  # written to 0.001 m^2 K/GW
    np.testing.assert_allclose(err, gen_err, rtol=0, atol=0.0005e-9)
    header = EXAMPLE.read_text(encoding="utf-8").lower()
    for stated in ("synthetic", "r_0 = 15 m^2 k/gw", "kappa = 1.3 w/(m k)", "3 %", str(SEED)):
        assert stated in header, stated
    f = fit.thickness_series(L, R, err)
    # the recovered values lie within 2 of their standard errors (for this draw: +0.30 σ and +0.71 σ)
    assert abs(f.intercept - R0) < 2 * f.intercept_err
    assert abs(f.kappa - KAPPA) < 2 * f.kappa_err
    assert f.intercept_err < 0.1 * R0  # and the series pins R_0 down to better than 10 %


def test_documented_example_runs_and_shows_the_values_it_returns(tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "runs")
    monkeypatch.chdir(tmp_path)  # the example writes series.png where it runs
    (block,) = _blocks(DOC, "python")
    assert run_and_check_shown(block, DOC.name) == block.count("# →") == 3
    assert (tmp_path / "series.png").is_file()


# --------------------------------------------------------------------------- CSV


def _csv(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_units_comments_and_column_order(tmp_path):
    path = _csv(tmp_path, "# a comment\n\n"
                          "resistance_err_m2K_per_GW, thickness_um ,resistance_m2K_per_GW\n"
                          "  # a comment between rows\n"
                          "1.5,0.05,40\n"
                          "2,0.1,80.5\n"
                          "3,0.2,160\n")
    L, R, err = fit.read_series_csv(path)
    np.testing.assert_allclose(L, [50e-9, 100e-9, 200e-9], rtol=1e-12)
    np.testing.assert_allclose(R, [40e-9, 80.5e-9, 160e-9], rtol=1e-12)
    np.testing.assert_allclose(err, [1.5e-9, 2e-9, 3e-9], rtol=1e-12)


def test_csv_in_si_units_without_errors(tmp_path):
    L, R, err = fit.read_series_csv(_csv(tmp_path, "\ufeffthickness,resistance\n1e-8,2e-8\n2e-8,3.5e-8\n"))
    np.testing.assert_allclose(L, [1e-8, 2e-8])
    np.testing.assert_allclose(R, [2e-8, 3.5e-8])
    assert err is None


@pytest.mark.parametrize("text, message", [
    ("thickness_nm,resistance_m2K_per_GW\n10,20\n20,abc\n",
     r"series\.csv, line 3, column 2 \(resistance_m2K_per_GW\): 'abc' is not a finite number"),
    ("thickness_nm,resistance_m2K_per_GW\n10,20\n20,nan\n", r"line 3, column 2 .*'nan' is not a finite number"),
    ("# header below\nthickness_nm,resistance_m2K_per_GW\n10,20\n-20,30\n",
     r"line 4, column 1 \(thickness_nm\): -20 is negative"),
    ("thickness_nm,resistance_m2K_per_GW,resistance_err_m2K_per_GW\n10,20,1\n20,30,0\n",
     r"line 3, column 3 \(resistance_err_m2K_per_GW\): 0 is not > 0"),
    ("thickness_nm,resistance_m2K_per_GW,resistance_err_m2K_per_GW\n10,20,1\n20,30,-1\n", r"line 3, .*-1 is not > 0"),
    ("thickness_nm,resistance_err_m2K_per_GW\n10,1\n20,1\n", r"line 1: no resistance column; name one resistance or"),
    ("resistance\n1e-8\n2e-8\n", r"line 1: no thickness column"),
    ("thickness_nm,resistence_m2K_per_GW\n10,20\n20,30\n",
     r"line 1: unknown column 'resistence_m2K_per_GW'; accepted headers are thickness, thickness_m"),
    ("thickness_nm,thickness_m,resistance\n10,1e-8,2e-8\n20,2e-8,3e-8\n",
     r"columns 'thickness_nm' and 'thickness_m' both give the thickness"),
    ("thickness_nm,resistance_m2K_per_GW\n10,20\n", r"series\.csv: 1 data row\(s\); .* at least 2"),
    ("thickness_nm,resistance_m2K_per_GW\n10,20\n20\n", r"line 3: 1 values for the 2 columns"),
    ("# only comments\n\n", r"series\.csv: no header line"),
])
def test_bad_csv_is_refused_naming_file_line_and_column(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        fit.read_series_csv(_csv(tmp_path, text))


def test_missing_or_unreadable_csv(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.csv: no such file"):
        fit.read_series_csv(tmp_path / "nothere.csv")
    path = tmp_path / "binary.csv"
    path.write_bytes(b"thickness,resistance\n\xff\xfe\n")
    with pytest.raises(ValueError, match=r"binary\.csv: not UTF-8"):
        fit.read_series_csv(path)


# --------------------------------------------------------------------------- figure


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _numbers(text):
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*", text)]


def test_figure_has_data_line_and_labelled_intercept(tmp_path):
    f = fit.thickness_series(*example_series())
    fig = fit.series_figure(f, title="synthetic series")
    (ax,) = fig.axes
    data, marker = ax.containers  # two errorbar containers: the data, then R_0 at L = 0
    x, y = data.lines[0].get_data()
    np.testing.assert_allclose(x, f.thickness * 1e9)  # nm
    np.testing.assert_allclose(y, f.resistance * 1e9)  # m^2 K/GW
    seg = np.array(data.lines[2][0].get_segments())
    np.testing.assert_allclose(seg[:, 1, 1] - seg[:, 0, 1], 2 * f.resistance_err * 1e9)
    (mx,), (my,) = marker.lines[0].get_data()
    assert mx == 0.0 and my == pytest.approx(f.intercept * 1e9)
    (bar,) = marker.lines[2][0].get_segments()
    assert bar[1, 1] - bar[0, 1] == pytest.approx(2 * f.intercept_err * 1e9)
    # the line starts at L = 0 on the intercept and follows the fit beyond the thickest sample
    line = next(ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) > 2)
    lx, ly = line.get_data()
    assert lx[0] == 0.0 and lx[-1] > f.thickness.max() * 1e9
    np.testing.assert_allclose(ly, f.predict(lx * 1e-9) * 1e9, rtol=1e-12)
    labels = _legend(ax)
    (r0,) = [t for t in labels if t.startswith("$R_{0}$")]
    value, err = _numbers(r0.split("=")[1])[:2]
    assert value == pytest.approx(f.intercept * 1e9, abs=0.05) and err == pytest.approx(f.intercept_err * 1e9, abs=0.05)
    assert "±" in r0 and "m$^2$ K/GW" in r0
    assert any("chi^2" in t and f"/{f.dof}" in t for t in labels)
    assert "nm" in ax.get_xlabel() and "GW" in ax.get_ylabel() and ax.get_title() == "synthetic series"
    assert ax.get_xlim()[0] < 0.0  # the R_0 marker is not cut by the frame
    # the inset near L = 0 shows the R_0 error bar at a readable size: ±1σ is 1/4 of its height
    (zoom,) = ax.child_axes
    lo, hi = zoom.get_ylim()
    assert (hi - lo) == pytest.approx(8 * f.intercept_err * 1e9) and (lo + hi) / 2 == pytest.approx(f.intercept * 1e9)
    assert zoom.get_xlim()[0] < 0.0 < zoom.get_xlim()[1] < 0.1 * f.thickness.max() * 1e9
    (_, zoom_marker) = zoom.containers
    assert zoom_marker.lines[0].get_ydata()[0] == pytest.approx(f.intercept * 1e9)
    path = plot.save(fig, tmp_path / "series.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_with_reference_uses_another_colour_and_states_R_K():
    L, R, err = example_series()
    sample = fit.thickness_series(L, R, err)
    reference = fit.thickness_series(L, R - 9e-9, err)
    fig = fit.series_figure(sample, reference=reference)
    ax = fig.axes[0]
    assert len(ax.containers) == 4
    colours = {c.lines[0].get_color() for c in ax.containers}
    assert len(colours) == 2
    labels = _legend(ax)
    (rk,) = [t for t in labels if t.startswith("$R_K")]
    value, err_rk = _numbers(rk.split("=")[-1])[:2]
    expected = fit.subtract_reference(sample, reference)
    assert value == pytest.approx(expected[0] * 1e9, abs=0.05) and err_rk == pytest.approx(expected[1] * 1e9, abs=0.05)
    assert any(t.startswith(r"$R_{0,\rm ref}$") for t in labels)


def test_figure_without_errors_says_where_the_error_bars_come_from():
    L, R, _ = example_series()
    labels = _legend(fit.series_figure(fit.thickness_series(L, R)).axes[0])
    assert any("scatter" in t for t in labels) and not any("chi" in t for t in labels)


def test_figure_of_a_noise_free_line_without_errors():
    L = np.array([10.0, 20.0, 40.0]) * 1e-9
    f = fit.thickness_series(L, 5e-9 + L / 2.0)
    assert f.intercept_err < 1e-20  # rounding only
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = fit.series_figure(f)
        fig.draw_without_rendering()
    assert fig.axes[0].child_axes[0].get_xlim()[1] > 0.0


@pytest.mark.parametrize("value, err, shown", [(15.2345, 1.0456, "15.2 ± 1.0"), (1.30123, 0.0271, "1.301 ± 0.027"),
                                               (152.4, 25.1, "152 ± 25"), (3.0, 0.0, "3 ± 0"),
                                               (5.0000000000000027, 4.1e-15, "5 ± 4e-15")])
def test_plus_minus_rounds_to_two_significant_digits_of_the_error(value, err, shown):
    assert fit._plus_minus(value, err) == shown
