"""Thickness series: the total thermal resistance of samples of several thicknesses L,
fitted by a straight line and extrapolated to L = 0 (the method of S.-M. Lee and
D. G. Cahill, J. Appl. Phys. 81, 2590 (1997), for dielectric films on silicon):

    R_total(L) = R_0 + L / κ_eff

R_0 (m² K W⁻¹) is every resistance in series that does not grow with L: the Kapitza
resistance R_K plus contacts, transducer and the like; `subtract_reference` removes those
measured by a reference series. The fit is linear least squares weighted by 1/σ²
(Bevington & Robinson, Data Reduction and Error Analysis for the Physical Sciences, 3rd
ed. (2003), Sec. 6.3–6.4), with the covariance of (R_0, 1/κ_eff) from the normal
equations. The line assumes one κ_eff for every thickness, i.e. no size effect in the film.

    L, R, R_err = read_series_csv("runs/thickness_series_example.csv")
    fit = thickness_series(L, R, R_err)
    fit.intercept, fit.intercept_err       # R_0 and its standard error (m² K W⁻¹)
    fit.kappa                              # κ_eff (W m⁻¹ K⁻¹)
    plot.save(series_figure(fit), "series.png")

The CSV format is in docs/thickness-series.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from phononmc.plot import MARKER, _colours
from phononmc.validation import invalid

#: m² K W⁻¹ per m² K GW⁻¹: resistances are shown in m² K GW⁻¹ (figures, CSV headers).
PER_GW = 1e-9
NM = 1e-9
THICKNESS = "a thickness is a finite length >= 0 (m)"
ERROR = "an error is a finite standard deviation > 0 (m^2 K W^-1)"


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """The line R_total(L) = intercept + slope·L through a thickness series.

    intercept, intercept_err : R_0 and its standard error (m² K W⁻¹).
    slope, slope_err : 1/κ_eff and its standard error (m K W⁻¹).
    covariance : (2, 2) covariance of (intercept, slope).
    chi2, dof : Σ ((R − line)/σ)² with the errors given, and n − 2; chi2 is NaN when no
        errors were given (they were estimated from the scatter, which makes chi2 = dof).
    thickness (m), resistance (m² K W⁻¹), resistance_err (m² K W⁻¹) : the data, shape (n,);
        resistance_err is the scatter estimate for every point when no errors were given.
    """

    intercept: float
    intercept_err: float
    slope: float
    slope_err: float
    covariance: np.ndarray
    chi2: float
    dof: int
    thickness: np.ndarray
    resistance: np.ndarray
    resistance_err: np.ndarray

    @property
    def kappa(self) -> float:
        """κ_eff = 1/slope (W m⁻¹ K⁻¹); negative for a falling series, inf for a flat one."""
        return 1.0 / self.slope if self.slope != 0.0 else math.inf

    @property
    def kappa_err(self) -> float:
        """Standard error of κ_eff to first order, slope_err / slope² (W m⁻¹ K⁻¹)."""
        return self.slope_err / self.slope**2 if self.slope != 0.0 else math.inf

    @property
    def errors_given(self) -> bool:
        """False when resistance_err was estimated from the scatter about the line."""
        return not math.isnan(self.chi2)

    def predict(self, L) -> np.ndarray:
        """R_total (m² K W⁻¹) of the fitted line at thicknesses L (m), shape of L."""
        return self.intercept + self.slope * np.asarray(L, dtype=float)

    def predict_err(self, L) -> np.ndarray:
        """Standard error (m² K W⁻¹) of the fitted line at L (m): √(u·C·u) with u = (1, L)."""
        L = np.asarray(L, dtype=float)
        (caa, cab), (_, cbb) = self.covariance
        return np.sqrt(caa + 2.0 * cab * L + cbb * L**2)


def _array(name: str, values, why: str) -> np.ndarray:
    """`values` as a 1-D float array of finite numbers, or ValueError naming `name`[i]."""
    try:
        a = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise invalid(name, values, f"{name} must be a 1-D array of numbers; {why}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise invalid(f"{name}[{bad[0]}]", float(a[bad[0]]), why)
    return a


def thickness_series(thickness, resistance, resistance_err=None) -> SeriesFit:
    """Fit R_total(L) = R_0 + L/κ_eff to a thickness series.

    thickness : L (m), shape (n,), >= 0, at least two different values.
    resistance : R_total (m² K W⁻¹), shape (n,).
    resistance_err : standard errors σ (m² K W⁻¹), shape (n,), > 0, or None.

    With errors (n >= 2): weighted least squares, weights 1/σ²; the parameter errors come
    from the covariance (normal equations) as they are, never rescaled by chi2, so check
    chi2/dof for a bad fit. Without errors (n >= 3): ordinary least squares, and one common
    σ estimated from the scatter, σ² = Σ (R − line)² / (n − 2), scales the covariance;
    chi2 is then NaN.
    """
    L = _array("thickness", thickness, THICKNESS)
    R = _array("resistance", resistance, "a resistance is a finite number (m^2 K W^-1)")
    for name, a in (("resistance", R), ("resistance_err", resistance_err)):
        if a is not None and np.shape(a) != L.shape:
            raise ValueError(f"{name} has shape {np.shape(a)} for thickness of shape {L.shape}")
    negative = np.flatnonzero(L < 0.0)
    if negative.size:
        raise invalid(f"thickness[{negative[0]}]", float(L[negative[0]]), THICKNESS)
    given = resistance_err is not None
    if given:
        err = _array("resistance_err", resistance_err, ERROR)
        bad = np.flatnonzero(err <= 0.0)
        if bad.size:
            raise invalid(f"resistance_err[{bad[0]}]", float(err[bad[0]]), ERROR)
    least = 2 if given else 3
    if L.size < least:
        raise ValueError(f"a thickness series needs at least {least} points "
                         f"{'with' if given else 'without'} resistance_err, got {L.size}")
    if np.ptp(L) == 0.0:
        raise ValueError(f"every thickness is {L[0]!r} m: the slope needs at least two different thicknesses")

    w = 1.0 / err**2 if given else np.ones_like(L)
    # the normal equations about the weighted mean thickness, where intercept and slope decouple
    total = w.sum()
    mean = (w @ L) / total
    dL = L - mean
    sxx = w @ dL**2
    slope = (w @ (dL * R)) / sxx
    intercept = (w @ R) / total - slope * mean
    covariance = np.array([[1.0 / total + mean**2 / sxx, -mean / sxx],
                           [-mean / sxx, 1.0 / sxx]])
    residual = R - (intercept + slope * L)
    dof = L.size - 2
    if given:
        chi2 = float(w @ residual**2)
    else:
        chi2 = math.nan
        scatter = math.sqrt((residual @ residual) / dof)
        covariance *= scatter**2
        err = np.full_like(L, scatter)
    for a in (covariance, L, R, err):
        a.flags.writeable = False
    return SeriesFit(intercept=float(intercept), intercept_err=math.sqrt(covariance[0, 0]),
                     slope=float(slope), slope_err=math.sqrt(covariance[1, 1]), covariance=covariance,
                     chi2=chi2, dof=dof, thickness=L, resistance=R, resistance_err=err)


def subtract_reference(fit: SeriesFit, reference: SeriesFit) -> tuple[float, float]:
    """R_K = fit.intercept − reference.intercept and its standard error (m² K W⁻¹), the
    two errors added in quadrature (the series are independent measurements)."""
    return fit.intercept - reference.intercept, math.hypot(fit.intercept_err, reference.intercept_err)


# --------------------------------------------------------------------------- CSV

#: Accepted CSV headers: {column: {header: factor to SI}}. thickness in m, µm or nm;
#: resistance and its error in m² K W⁻¹ or m² K GW⁻¹.
HEADERS = {
    "thickness": {"thickness": 1.0, "thickness_m": 1.0, "thickness_um": 1e-6, "thickness_nm": NM},
    "resistance": {"resistance": 1.0, "resistance_m2K_per_W": 1.0, "resistance_m2K_per_GW": PER_GW},
    "resistance_err": {"resistance_err": 1.0, "resistance_err_m2K_per_W": 1.0, "resistance_err_m2K_per_GW": PER_GW},
}


def finite_cell(at: str, cell: str) -> float:
    """The number in one CSV cell; a one-line ValueError naming `at` unless it is finite."""
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{at}: {cell!r} is not a finite number")
    return value


def csv_lines(path, what: str) -> tuple[str, list]:
    """("<what> <path>", [(line number, text)]) of the lines of a CSV file that are neither empty
    nor comments (#); a file that cannot be read is a one-line ValueError naming `what` and the path."""
    path = Path(path)
    where = f"{what} {path}"
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets may start with a byte-order mark
    except FileNotFoundError:
        raise ValueError(f"{where}: no such file (looked for {path.resolve()})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ValueError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    return where, [(number, line) for number, line in enumerate(text.splitlines(), 1)
                   if line.strip() and not line.lstrip().startswith("#")]


def read_series_csv(path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(thickness (m), resistance (m² K W⁻¹), resistance_err (m² K W⁻¹) or None) from a CSV file.

    The first line that is neither blank nor a '#' comment is the header: one thickness
    column, one resistance column and optionally one resistance_err column, named as in
    `HEADERS` (the suffix gives the unit), in any order. Every other line holds plain
    comma-separated numbers. ValueError names the file, line and column of a bad value,
    a negative thickness, an error <= 0, a missing or unknown column, and a file with fewer
    than 2 rows.
    """
    where, lines = csv_lines(path, "thickness series")
    example = "thickness_nm,resistance_m2K_per_GW,resistance_err_m2K_per_GW"
    if not lines:
        raise ValueError(f"{where}: no header line; the first line that is not a comment names the columns, "
                         f"e.g. {example}")
    (header_line, header), *rows = lines
    names = [name.strip() for name in header.split(",")]
    columns = {}  # column -> index in a row
    for i, name in enumerate(names):
        column = next((c for c, headers in HEADERS.items() if name in headers), None)
        if column is None:
            accepted = ", ".join(h for headers in HEADERS.values() for h in headers)
            raise ValueError(f"{where}, line {header_line}: unknown column {name!r}; accepted headers are {accepted}")
        if column in columns:
            raise ValueError(f"{where}, line {header_line}: columns {names[columns[column]]!r} and {name!r} "
                             f"both give the {column}; keep one")
        columns[column] = i
    for column in ("thickness", "resistance"):
        if column not in columns:
            raise ValueError(f"{where}, line {header_line}: no {column} column; name one "
                             f"{' or '.join(HEADERS[column])} (header found: {header.strip()})")
    if len(rows) < 2:
        raise ValueError(f"{where}: {len(rows)} data row(s); a thickness series needs at least 2 "
                         "(3 without resistance_err)")

    values = {column: np.empty(len(rows)) for column in columns}
    for r, (number, line) in enumerate(rows):
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != len(names):
            raise ValueError(f"{where}, line {number}: {len(cells)} values for the {len(names)} columns "
                             f"{','.join(names)}")
        for column, i in columns.items():
            at = f"{where}, line {number}, column {i + 1} ({names[i]})"
            value = finite_cell(at, cells[i])
            if column == "thickness" and value < 0.0:
                raise ValueError(f"{at}: {cells[i]} is negative; a thickness is >= 0")
            if column == "resistance_err" and value <= 0.0:
                raise ValueError(f"{at}: {cells[i]} is not > 0; an error is a standard deviation > 0")
            values[column][r] = value * HEADERS[column][names[i]]
    return values["thickness"], values["resistance"], values.get("resistance_err")


# --------------------------------------------------------------------------- figure


def _plus_minus(value: float, err: float) -> str:
    """'15.2 ± 1.1': the error to two significant digits and the value to the same decimal;
    '5 ± 4e-15' for an error below 10⁻⁶ of the value (a line without noise)."""
    if not (err > 1e-6 * abs(value) and math.isfinite(err)):
        return f"{value:.6g} ± {err:.1g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{decimals}f} ± {err:.{decimals}f}"


def _draw_series(ax, fit: SeriesFit, colour, L_max: float) -> list:
    """Data, fitted line with its 1σ band from L = 0 to L_max (m), and R_0 at L = 0, on `ax`
    (nm, m² K GW⁻¹); the handles of the three."""
    data = ax.errorbar(fit.thickness / NM, fit.resistance / PER_GW, yerr=fit.resistance_err / PER_GW, fmt="o",
                       ms=MARKER, capsize=2, color=colour, zorder=3)
    grid = np.linspace(0.0, L_max, 200)
    line = fit.predict(grid) / PER_GW
    band = fit.predict_err(grid) / PER_GW
    (fitted,) = ax.plot(grid / NM, line, "-", color=colour, lw=1.2, zorder=2)
    ax.fill_between(grid / NM, line - band, line + band, color=colour, alpha=0.15, lw=0, zorder=1)
    marker = ax.errorbar([0.0], [fit.intercept / PER_GW], yerr=[fit.intercept_err / PER_GW], fmt="s",
                         ms=1.6 * MARKER, capsize=4, color=colour, mfc="white", mew=1.5, zorder=4)
    return [data, fitted, marker]


def _labels(fit: SeriesFit, name: str, sub: str) -> list[str]:
    """Legend entries of `_draw_series`: the data, the line (κ_eff, chi2/dof), R_0 with subscript `sub`."""
    kappa = rf"fit: $\kappa_{{\rm eff}}$ = {_plus_minus(fit.kappa, fit.kappa_err)} W m$^{{-1}}$ K$^{{-1}}$"
    if fit.errors_given:
        kappa += rf", $\chi^2$/dof = {fit.chi2:.3g}/{fit.dof}"
    else:
        name += " (error bars: scatter about the line)"
    return [name, kappa,
            rf"$R_{{0{sub}}}$ = {_plus_minus(fit.intercept / PER_GW, fit.intercept_err / PER_GW)} m$^2$ K/GW"]


#: Where the inset near L = 0 sits, in axes fractions (x, y, width, height): bottom right,
#: below a rising line.
ZOOM = (0.57, 0.08, 0.4, 0.36)


def series_figure(fit: SeriesFit, title: str | None = None, reference: SeriesFit | None = None) -> Figure:
    """R_total (m² K GW⁻¹) against L (nm): the data with error bars, the fitted line with its
    1σ band extended to L = 0, and R_0 marked there with its error bar and value; a reference
    series, if given, in the next colour, with R_K = R_0 − R_0,ref in the legend. An inset
    magnifies L near 0, where the full range would hide the error bar of R_0."""
    series = [("data" if reference is None else "sample", fit, "")]
    if reference is not None:
        series.append(("reference", reference, r",\rm ref"))
    L_max = 1.05 * max(f.thickness.max() for _, f, _ in series)
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    zoom = ax.inset_axes(ZOOM)
    handles, labels = [], []
    for colour, (name, f, sub) in zip(_colours(len(series)), series):
        handles += _draw_series(ax, f, colour, L_max)
        labels += _labels(f, name, sub)
        _draw_series(zoom, f, colour, L_max)
    if reference is not None:
        R_K, R_K_err = subtract_reference(fit, reference)
        handles.append(Line2D([], [], ls="none"))
        labels.append(rf"$R_K = R_0 - R_{{0,\rm ref}}$ = {_plus_minus(R_K / PER_GW, R_K_err / PER_GW)} m$^2$ K/GW")
    for a in (ax, zoom):
        a.axvline(0.0, color="0.6", lw=0.8, zorder=0)
        a.grid(True, alpha=0.3)
    ax.set_xlim(-0.04 * L_max / NM, L_max / NM)
    # the inset spans R_0 ± 4σ of every series, and the thicknesses over which the steepest line climbs half of it
    lo = min(f.intercept - 4.0 * f.intercept_err for _, f, _ in series)
    hi = max(f.intercept + 4.0 * f.intercept_err for _, f, _ in series)
    steepest = max(abs(f.slope) for _, f, _ in series)
    reach = L_max
    if hi > lo:  # not a noise-free line fitted without errors
        zoom.set_ylim(lo / PER_GW, hi / PER_GW)
        reach = min(L_max, 0.5 * (hi - lo) / steepest) if steepest > 0.0 else L_max
    zoom.set_xlim(-0.1 * reach / NM, reach / NM)
    zoom.set_title("near L = 0", fontsize="small")
    zoom.tick_params(labelsize="small")
    ax.set_xlabel("thickness L (nm)")
    ax.set_ylabel(r"$R_{\rm total}$ (m$^2$ K GW$^{-1}$)")
    ax.legend(handles, labels, frameon=False, loc="upper left")
    if title:
        ax.set_title(title)
    return fig
