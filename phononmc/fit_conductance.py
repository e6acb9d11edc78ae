"""Fitting a model's free parameters to a measured G(T) or R_K(T).

The model is `landauer.conductance(m1, m2, T, Model(...), temperature=...)` with some of
its parameters free (`FREE`): the specular probability p (kind "mixed"), the rms
roughness η (kinds "ziman" and "soffer", m), and the inelastic channel's amplitude and
exponents (inelastic.A, inelastic.q, inelastic.m). The fit minimises

    χ²(θ) = Σ_i ((y_i − f(T_i; θ)) / σ_i)²

with y = G (W m⁻² K⁻¹) or R_K = 1/G (m² K W⁻¹), whichever the data give, by bounded
least squares (scipy.optimize.least_squares, trust-region reflective, central-difference
Jacobian J of the weighted residuals). Uncertainties (Bevington & Robinson, Data Reduction
and Error Analysis for the Physical Sciences, 3rd ed. (2003), Sec. 8.5):

* with errors σ_i in the data: C = (JᵀJ)⁻¹ as it is; check χ²/dof for a bad fit;
* without errors: every point gets the same *relative* error (σ_i = s |y_i|, G spans
  decades over T), and the unknown s² is estimated from the scatter, s² = χ²₁/dof with
  χ²₁ the sum for s = 1; C is scaled by it (`errors_given` False says so).

The covariance is a linearisation. Each parameter's χ² profile (the other free parameters
re-fitted at each value; Δχ² in units of s² without errors) checks it: the 1σ profile
interval is where Δχ² <= 1 (W. T. Eadie et al., Statistical Methods in Experimental
Physics (1971), Sec. 9.7; F. James, MINUIT "MINOS"). A parameter is reported as not
constrained by the data (`ParameterFit.unconstrained`, in words) when

* its Jacobian column is (numerically) zero or degenerate with others (JᵀJ singular),
* it ends on a bound of its allowed range,
* its σ exceeds a quarter of that range (the ±1σ interval spans over half of it), or
* its profile is flat: Δχ² < 1 at both ends of the range (the data cannot tell).

    data = read_conductance_csv("runs/fit_example_al_si.csv")
    fit = fit_conductance(data, material("Al"), material("Si"), "mixed", free=["p"])
    fit.parameters["p"].value, fit.parameters["p"].error, fit.chi2, fit.dof
    plot.save(fit_figure(fit), "fit.png")

CSV format and examples: docs/fitting.md.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import least_squares

from phononmc import landauer
from phononmc.fit import csv_lines, finite_cell
from phononmc.landauer import TEMPERATURES
from phononmc.models import KINDS, MODEL_KINDS, Model
from phononmc.plot import MARKER, _readable_log_ticks
from phononmc.transmission import incoherent, multilayer

# --------------------------------------------------------------------------- data

#: Column name -> {unit as written in the header (spaces collapsed): factor to SI}.
UNITS = {
    "T": {"K": 1.0},
    "G": {"W m^-2 K^-1": 1.0, "MW m^-2 K^-1": 1e6, "GW m^-2 K^-1": 1e9},
    "R_K": {"m^2 K W^-1": 1.0, "m^2 K MW^-1": 1e-6, "m^2 K GW^-1": 1e-9},
}
UNITS["G_err"], UNITS["R_K_err"] = UNITS["G"], UNITS["R_K"]
#: Display units of the fitted quantity: (label, factor from SI).
DISPLAY = {"G": ("G [MW m^-2 K^-1]", 1e-6), "R_K": ("R_K [m^2 K GW^-1]", 1e9)}
EXAMPLE_HEADER = "T [K], G [MW m^-2 K^-1], G_err [MW m^-2 K^-1]"


@dataclass(frozen=True, eq=False)
class Measurement:
    """A measured G(T) or R_K(T), SI units.

    quantity : "G" (W m⁻² K⁻¹) or "R_K" (m² K W⁻¹).
    T : temperatures (K), shape (n,); value : the quantity, shape (n,), > 0;
    error : its standard deviations, shape (n,), > 0, or None; source : where it came from.
    """

    quantity: str
    T: np.ndarray
    value: np.ndarray
    error: np.ndarray | None = None
    source: str = ""


def _header_cell(cell: str, where: str) -> tuple[str, float, str]:
    """(column, factor to SI, unit) of a header cell like 'G [MW m^-2 K^-1]'."""
    found = re.fullmatch(r"\s*([A-Za-z_]+)\s*(?:\[(.*)\])?\s*", cell)
    name = found.group(1) if found else cell.strip()
    if found is None or name not in UNITS:
        raise ValueError(f"{where}: unknown column {cell.strip()!r}; columns are T, and G or R_K, optionally "
                         f"G_err or R_K_err, each with its unit in brackets, e.g. {EXAMPLE_HEADER}")
    if found.group(2) is None:
        raise ValueError(f"{where}: column {name!r} has no unit; write it in brackets, one of "
                         f"{', '.join(f'{name} [{u}]' for u in UNITS[name])}")
    unit = " ".join(found.group(2).split())
    if unit not in UNITS[name]:
        raise ValueError(f"{where}: unit [{found.group(2)}] of column {name!r} is not known; "
                         f"valid: {', '.join(f'[{u}]' for u in UNITS[name])}")
    return name, UNITS[name][unit], unit


def read_conductance_csv(path) -> Measurement:
    """A `Measurement` from a CSV file.

    The first line that is neither blank nor a '#' comment is the header: a T column, a G
    or an R_K column, and optionally G_err / R_K_err, every one with its unit in brackets
    (`UNITS`), in any order. Every other line holds comma-separated numbers. ValueError
    (one line) names the file and line of: a missing or unknown column or unit, a value
    that is not a finite number, T <= 0, G or R_K <= 0, an error <= 0, a row with the wrong
    number of values, and fewer than 2 rows.
    """
    where, lines = csv_lines(path, "data")
    if not lines:
        raise ValueError(f"{where}: no header line; the first line that is not a comment names the columns "
                         f"with their units, e.g. {EXAMPLE_HEADER}")
    (header_line, header), *rows = lines
    at_header = f"{where}, line {header_line}"
    cells = header.split(",")
    columns = {}  # column -> (index, factor, unit)
    for i, cell in enumerate(cells):
        name, factor, unit = _header_cell(cell, at_header)
        if name in columns:
            raise ValueError(f"{at_header}: column {name!r} appears twice; keep one")
        columns[name] = (i, factor, unit)
    if "T" not in columns:
        raise ValueError(f"{at_header}: no T column; the header needs T [K] (header found: {header.strip()})")
    quantities = [q for q in ("G", "R_K") if q in columns]
    if len(quantities) != 1:
        found = "both G and R_K" if quantities else "neither G nor R_K"
        raise ValueError(f"{at_header}: {found}; give one of G [MW m^-2 K^-1] or R_K [m^2 K GW^-1] "
                         f"(header found: {header.strip()})")
    quantity = quantities[0]
    stray = [c for c in columns if c.endswith("_err") and c != f"{quantity}_err"]
    if stray:
        raise ValueError(f"{at_header}: column {stray[0]!r} does not match the {quantity} column; "
                         f"its error is {quantity}_err")
    if len(rows) < 2:
        raise ValueError(f"{where}: {len(rows)} data row(s); a fit needs at least 2")

    values = {c: np.empty(len(rows)) for c in columns}
    for r, (number, line) in enumerate(rows):
        row = [cell.strip() for cell in line.split(",")]
        if len(row) != len(cells):
            raise ValueError(f"{where}, line {number}: {len(row)} values for the {len(cells)} columns of the header")
        for c, (i, factor, unit) in columns.items():
            at = f"{where}, line {number}, column {i + 1} ({c} [{unit}])"
            value = finite_cell(at, row[i])
            if value <= 0.0:
                why = {"T": "a temperature is > 0 K"}.get(c, f"{c} is > 0" if "_err" not in c
                                                      else "an error is a standard deviation > 0")
                raise ValueError(f"{at}: {row[i]} is {'negative' if value < 0 else 'zero'}; {why}")
            values[c][r] = value * factor
    return Measurement(quantity, values["T"], values[quantity], values.get(f"{quantity}_err"), str(path))


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Free:
    """A parameter that can be fitted: the kinds it applies to, its default bounds and start,
    its SI unit, and the scale (SI per optimiser unit) that makes it of order 1."""

    kinds: tuple[str, ...]
    bounds: tuple[float, float]
    start: float
    unit: str
    scale: float = 1.0


_ALL = tuple(MODEL_KINDS)
#: The parameters that can be free, with their default bounds and starting values.
#: Roughness: up to 10 nm, where p ≈ 0 for every phonon above ~1 K in the database's solids.
#: inelastic.A: up to 0.1, since a stronger channel often breaks detailed balance (medium 2
#: cannot return that much heat; `landauer.inelastic_channel` then refuses the model).
FREE = {
    "p": Free(("mixed",), (0.0, 1.0), 0.5, ""),
    "roughness": Free(tuple(k for k, v in KINDS.items() if v.parameter == "roughness"), (1e-12, 1e-8), 0.5e-9, "m",
                      1e-9),
    "inelastic.A": Free(_ALL, (0.0, 0.1), 0.01, ""),
    "inelastic.q": Free(_ALL, (-3.0, 3.0), 0.0, ""),
    "inelastic.m": Free(_ALL, (-3.0, 3.0), 0.0, ""),
}
#: Parameters that can be fixed (`fixed`) but not fitted.
FIXED_ONLY = ("inelastic.T_ref", "inelastic.omega_ref")
#: Interlayer properties that can be free or fixed (Material fields, SI); default bounds are
#: INTERLAYER_RANGE times the interlayer's own value, which is also the start.
INTERLAYER = ("interlayer.density", "interlayer.v_long", "interlayer.v_trans", "interlayer.atom_density")
INTERLAYER_RANGE = (0.2, 5.0)
#: Kinds the incoherent stack (`transmission.incoherent`) supports.
INTERLAYER_KINDS = ("amm", "dmm")
#: Interlayer thickness (m) passed to the stack: a ballistic incoherent stack's G does not depend on it.
INTERLAYER_THICKNESS = 1e-9


def build_model(kind: str, values: dict) -> Model:
    """Model of `kind` with {"p", "roughness", "inelastic.<key>": value} (interlayer.* ignored)."""
    inelastic = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("inelastic.")}
    return Model(kind, p=values.get("p"), roughness=values.get("roughness"), inelastic=inelastic or None)


def build_interlayer(interlayer, values: dict):
    """The interlayer Material with the interlayer.<field> values of `values` (None without one)."""
    if interlayer is None:
        return None
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("interlayer.")}
    return dataclasses.replace(interlayer, **changes) if changes else interlayer


def conductance(m1, m2, T, model: Model, interlayer=None, temperature="equilibrium", dispersion="debye"):
    """G(T) (W m⁻² K⁻¹) the fit uses: `landauer.conductance`, or with an interlayer Material the
    ballistic incoherent stack m1 | interlayer | m2 (`incoherent.incoherent_conductance`, emitted
    temperatures, AMM or DMM at both interfaces)."""
    if interlayer is None:
        return landauer.conductance(m1, m2, T, model, dispersion=dispersion, temperature=temperature)
    return incoherent.incoherent_conductance(m1, m2, [multilayer.Layer(interlayer, INTERLAYER_THICKNESS)], T,
                                             model.kind)


# --------------------------------------------------------------------------- fit

#: Profile values about the best fit, in units of its σ (the rest spread over the range).
PROFILE_STEPS = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0])
#: A profile point this far below the fit's χ² (Δχ², well above the optimiser's tolerance)
#: shows a lower minimum; the fit restarts from it, at most MAX_RESTARTS times.
PROFILE_TOLERANCE = 1e-3
MAX_RESTARTS = 3
#: |correlation| above which a pair of parameters is reported as correlated.
CORRELATED = 0.9


@dataclass(frozen=True)
class ParameterFit:
    """One fitted parameter (SI units).

    value, error : best fit and its standard error from the covariance (inf when singular).
    bounds : the allowed range. profile : (grid, Δχ²) of its χ² profile, or None.
    interval : the 1σ profile interval (lo, hi), Δχ² <= 1, clipped to the bounds.
    unconstrained : reasons, in words, why the data do not constrain it (empty: constrained).
    """

    name: str
    value: float
    error: float
    bounds: tuple[float, float]
    profile: tuple[np.ndarray, np.ndarray] | None
    interval: tuple[float, float] | None
    unconstrained: tuple[str, ...]

    @property
    def constrained(self) -> bool:
        return not self.unconstrained


@dataclass(frozen=True, eq=False)
class ConductanceFit:
    """The result of `fit_conductance`.

    parameters : {name: ParameterFit} in the order given. covariance : (k, k), SI.
    chi2 : χ² with the data's errors, or with the scatter estimate s when none were given
        (then chi2 = dof by construction). dof : n − k. scatter : s (relative), or None.
    model : the best-fit Model; interlayer : the best-fit interlayer Material or None;
    predict(T) gives the fitted G or R_K (SI) at T (K).
    """

    data: Measurement
    m1: object
    m2: object
    kind: str
    fixed: dict
    parameters: dict
    covariance: np.ndarray
    chi2: float
    dof: int
    scatter: float | None
    model: Model
    temperature: str
    dispersion: str
    interlayer: object = None
    notes: tuple[str, ...] = field(default=())

    @property
    def errors_given(self) -> bool:
        return self.scatter is None

    @property
    def sigma(self) -> np.ndarray:
        """The σ_i used: the data's errors or s |y_i|."""
        return self.data.error if self.errors_given else self.scatter * self.data.value

    def predict(self, T) -> np.ndarray:
        return _quantity(self.data.quantity, conductance(self.m1, self.m2, np.asarray(T, dtype=float), self.model,
                                                         self.interlayer, self.temperature, self.dispersion))


def _quantity(quantity: str, G):
    return G if quantity == "G" else 1.0 / np.asarray(G)


def _free_parameters(kind, interlayer) -> dict:
    """{name: Free} of the parameters that can be fitted: `FREE`, or with an interlayer its
    properties (bounds `INTERLAYER_RANGE` × its value)."""
    if interlayer is None:
        return FREE
    # a solid needs a positive bulk modulus, v_T < (√3/2) v_L (`Material`): keep the other velocity's margin
    stable = math.sqrt(3.0) / 2.0
    limits = {"interlayer.v_trans": (0.0, 0.999 * stable * interlayer.v_long),
              "interlayer.v_long": (1.001 * interlayer.v_trans / stable, math.inf)}
    out = {}
    for name in INTERLAYER:
        value = getattr(interlayer, name.split(".", 1)[1])
        low, high = limits.get(name, (0.0, math.inf))
        out[name] = Free(INTERLAYER_KINDS, (max(INTERLAYER_RANGE[0] * value, low), min(INTERLAYER_RANGE[1] * value, high)),
                         value, "", value if value > 0.0 else 1.0)
    return out


def _check_parameters(kind, free, fixed, bounds, start, interlayer) -> tuple[list[str], dict, dict]:
    """Validated free names, {name: (lo, hi, start)} and {name: Free}; errors name the parameter."""
    if kind not in KINDS:
        raise ValueError(f"model kind {kind!r} is not known; valid: {', '.join(MODEL_KINDS)}")
    if interlayer is not None and kind not in INTERLAYER_KINDS:
        raise ValueError(f"an interlayer needs model amm or dmm (the incoherent stack), not {kind!r}")
    params = _free_parameters(kind, interlayer)
    free = list(free)
    if not free:
        raise ValueError(f"no free parameter; choose some of {', '.join(params)} (--free)")
    for name in free:
        if name not in params:
            extra = "" if interlayer is not None else " (interlayer.* needs an interlayer)"
            raise ValueError(f"free parameter {name!r} is not known; valid: {', '.join(params)}{extra}")
        if kind not in params[name].kinds:
            raise ValueError(f"free parameter {name!r} does not apply to model {kind!r}; "
                             f"it applies to {', '.join(FREE[name].kinds)}")
        if free.count(name) > 1:
            raise ValueError(f"free parameter {name!r} is given twice")
        if name in fixed:
            raise ValueError(f"parameter {name!r} is both free and fixed (= {fixed[name]!r}); choose one")
    settable = (*params, *FIXED_ONLY) if interlayer is None else params
    for name in fixed:
        if name not in settable:
            raise ValueError(f"fixed parameter {name!r} is not known; valid: {', '.join(settable)}")
    for table, what in ((bounds, "bounds"), (start, "start")):
        for name in table:
            if name not in free:
                raise ValueError(f"{what} given for {name!r}, which is not free (free: {', '.join(free)})")
    ranges = {}
    for name in free:
        lo, hi = (float(b) for b in bounds.get(name, params[name].bounds))
        if not (lo < hi) or math.isnan(lo) or math.isnan(hi):
            raise ValueError(f"bounds of {name!r} = ({lo!r}, {hi!r}) are invalid; they need lo < hi")
        x0 = float(start.get(name, min(max(params[name].start, lo), hi)))
        if not (lo <= x0 <= hi):
            raise ValueError(f"start of {name!r} = {x0!r} is outside its bounds [{lo:g}, {hi:g}]")
        ranges[name] = (lo, hi, x0)
    return free, ranges, params


def _covariance(J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, singular) with C = (JᵀJ)⁻¹ from the SVD of J; directions with a singular value below
    n·eps·max get infinite variance (NaN covariance), and `singular` flags the parameters in them."""
    _, s, vt = np.linalg.svd(J, full_matrices=False)
    tiny = s <= max(J.shape) * np.finfo(float).eps * (s.max() if s.size else 0.0)
    v = vt.T
    good = v[:, ~tiny]
    cov = (good / s[~tiny] ** 2) @ good.T
    singular = (np.abs(v[:, tiny]) > 1e-8).any(axis=1) | (np.abs(J).max(axis=0) == 0.0)
    cov[singular, :] = np.nan
    cov[:, singular] = np.nan
    cov[singular, singular] = np.inf
    return cov, singular


def fit_conductance(data: Measurement, m1, m2, kind: str, free, fixed=None, bounds=None, start=None,
                    temperature: str = "equilibrium", dispersion: str = "debye", profile: bool = True,
                    n_profile: int = 13, interlayer=None) -> ConductanceFit:
    """Fit the free parameters of a model of `kind` to `data` (a `Measurement`).

    free : names from `FREE`; fixed : {name: value} of the other parameters the model needs
    (e.g. {"inelastic.q": 1.0}); bounds : {name: (lo, hi)} (default `FREE[name].bounds`);
    start : {name: value} (default `FREE[name].start` clipped into the bounds).
    temperature : "equilibrium" (default: far-field temperatures, as a measurement defines G)
    or "emitted". interlayer : a Material between m1 and m2 (kinds amm, dmm; emitted temperatures),
    whose fields can then be free or fixed as interlayer.density, interlayer.v_long, ... (`INTERLAYER`).
    profile : compute each parameter's χ² profile on `n_profile` values spread
    over its range plus values at ±½…3σ around the best fit.
    """
    fixed, bounds, start = dict(fixed or {}), dict(bounds or {}), dict(start or {})
    if temperature not in TEMPERATURES:
        raise ValueError(f"temperature = {temperature!r} is invalid; valid: {', '.join(TEMPERATURES)}")
    if not isinstance(data, Measurement):
        raise ValueError(f"data = {data!r} is not a Measurement; use read_conductance_csv(path)")
    free, ranges, params = _check_parameters(kind, free, fixed, bounds, start, interlayer)
    if interlayer is not None and temperature != "emitted":
        raise ValueError("with an interlayer the stack's G is for emitted-phonon temperatures only; "
                         "use temperature = 'emitted' (--temperature emitted)")
    scale = np.array([params[n].scale for n in free])
    lo = np.array([ranges[n][0] for n in free]) / scale
    hi = np.array([ranges[n][1] for n in free]) / scale
    x0 = np.array([ranges[n][2] for n in free]) / scale
    n, k = data.T.size, len(free)
    dof = n - k
    if dof < (0 if data.error is not None else 1):
        need = k if data.error is not None else k + 1
        raise ValueError(f"{n} data points for {k} free parameter(s): a fit needs at least {need} "
                         f"{'with' if data.error is not None else 'without'} errors")
    sigma = data.error if data.error is not None else np.abs(data.value)

    def model_at(values: dict) -> Model:
        try:
            return build_model(kind, {**fixed, **values})
        except ValueError as exc:
            raise ValueError(f"model {kind!r} with {', '.join(f'{a} = {b:g}' for a, b in values.items())}: "
                             f"{exc}") from None

    def layer_at(values: dict):
        try:
            return build_interlayer(interlayer, {**fixed, **values})
        except ValueError as exc:
            raise ValueError(f"interlayer with {', '.join(f'{a} = {b:g}' for a, b in values.items())}: {exc}") from None

    def residuals(x, names=free, scales=scale, pinned=None):
        values = dict(zip(names, x * scales))
        values.update(pinned or {})
        model = model_at(values)
        try:
            G = conductance(m1, m2, data.T, model, layer_at(values), temperature, dispersion)
        except ValueError as exc:
            raise ValueError(f"the model {model} cannot be evaluated: {exc} (narrow the bounds)") from None
        return (_quantity(data.quantity, G) - data.value) / sigma

    def minimise(x_start, names, scales, low, high, pinned=None):
        if not names:
            r = residuals(np.empty(0), names, scales, pinned)
            return np.empty(0), float(r @ r), None
        res = least_squares(residuals, np.clip(x_start, low, high), bounds=(low, high), jac="3-point",
                            kwargs={"names": names, "scales": scales, "pinned": pinned},
                            xtol=1e-10, ftol=1e-12, gtol=1e-10)
        return res.x, float(res.fun @ res.fun), res

    notes = []
    if data.error is None:
        notes.append("no errors in the data: every point given the same relative error s, estimated from the "
                     "scatter about the fit; the covariance is scaled by chi2/dof")
    for attempt in range(MAX_RESTARTS + 1):
        x, chi2_raw, res = minimise(x0, free, scale, lo, hi)
        cov, singular = _covariance(res.jac / scale)
        s2 = 1.0 if data.error is not None else chi2_raw / dof
        cov = cov * s2
        values = x * scale
        errors = [float(math.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) else math.inf for i in range(k)]
        profiles, lower = {}, None
        for i, name in enumerate(free if profile else ()):
            # Δχ² on values spread over the range plus ½…3σ about the best fit, the others re-fitted
            others = [j for j in range(k) if j != i]
            grid = np.linspace(lo[i] * scale[i], hi[i] * scale[i], n_profile)
            if math.isfinite(errors[i]) and errors[i] > 0.0:
                grid = np.concatenate([grid, values[i] + errors[i] * PROFILE_STEPS])
            grid = np.unique(np.clip(np.append(grid, values[i]), lo[i] * scale[i], hi[i] * scale[i]))
            delta = np.empty_like(grid)
            for g, v in enumerate(grid):
                x_others, chi2_v, _ = minimise(x[others], [free[j] for j in others], scale[others], lo[others],
                                               hi[others], pinned={name: v})
                delta[g] = (chi2_v - chi2_raw) / s2
                if delta[g] < -PROFILE_TOLERANCE and (lower is None or delta[g] < lower[0]):
                    lower = (delta[g], name, v, np.insert(x_others, i, v / scale[i]))
            profiles[name] = (grid, delta)
        if lower is None:
            break
        # the profile found a lower chi2 than the fit: a local minimum; start again from the better point
        notes.append(f"the fit stopped in a local minimum: the chi2 profile of {lower[1]} found chi2 lower by "
                     f"{-lower[0]:.3g} at {lower[1]} = {lower[2]:.4g}; refitted from there")
        x0 = lower[3]
    else:
        notes.append(f"the profiles still found lower minima after {MAX_RESTARTS} restarts: the chi2 surface has "
                     "several minima; try other --start values")
    if data.error is None:
        notes.append(f"scatter estimate s = {math.sqrt(s2):.3g} (relative)")

    parameters = {}
    for i, name in enumerate(free):
        error = errors[i]
        b_lo, b_hi = ranges[name][0], ranges[name][1]
        reasons = []
        if singular[i]:
            reasons.append("the data do not depend on it independently of the other free parameters "
                           "(J^T J is singular)")
        if res.active_mask[i] != 0 or min(values[i] - b_lo, b_hi - values[i]) <= 1e-9 * (b_hi - b_lo):
            reasons.append(f"the fit ends on its bound {b_lo if values[i] - b_lo < b_hi - values[i] else b_hi:g}")
        if math.isfinite(error) and error > 0.25 * (b_hi - b_lo):
            reasons.append(f"its error {error:.3g} exceeds a quarter of its allowed range [{b_lo:g}, {b_hi:g}]")
        curve = profiles.get(name)
        interval = None
        if curve is not None:
            interval = _profile_interval(*curve, values[i])
            if curve[1][0] < 1.0 and curve[1][-1] < 1.0:
                reasons.append(f"its chi2 profile is flat: chi2 changes by less than 1 over its whole range "
                               f"[{b_lo:g}, {b_hi:g}]")
            half = 0.5 * (interval[1] - interval[0])
            inside = b_lo < interval[0] and interval[1] < b_hi  # an interval cut by a bound is not comparable
            if inside and math.isfinite(error) and not 0.5 <= half / error <= 2.0:
                notes.append(f"{name}: the covariance error {error:.3g} and the profile half-width {half:.3g} differ "
                             "by more than a factor 2 (the model is far from linear here): quote the profile interval")
        parameters[name] = ParameterFit(name, float(values[i]), error, (b_lo, b_hi), curve, interval, tuple(reasons))
    for i in range(k):
        for j in range(i + 1, k):
            rho = cov[i, j] / math.sqrt(cov[i, i] * cov[j, j]) if np.isfinite(cov[[i, j], [i, j]]).all() else math.nan
            if abs(rho) > CORRELATED:
                notes.append(f"{free[i]} and {free[j]} are correlated (rho = {rho:.3f}): the data constrain a "
                             "combination of them better than either")
    best = dict(zip(free, values))
    return ConductanceFit(data, m1, m2, kind, fixed, parameters, cov, chi2_raw / s2, dof,
                          None if data.error is not None else math.sqrt(s2), model_at(best), temperature, dispersion,
                          layer_at(best), tuple(notes))


def _profile_interval(grid, delta, best) -> tuple[float, float]:
    """Where Δχ² = 1 on either side of `best`, linearly interpolated on the profile; the end of
    the grid (a bound) when it stays below 1 there."""
    ends = []
    for side in (grid <= best, grid >= best):
        g, d = grid[side], delta[side]
        order = np.argsort(np.abs(g - best))
        g, d = g[order], d[order]
        above = np.flatnonzero(d >= 1.0)
        if above.size == 0 or above[0] == 0:
            ends.append(float(g[-1]) if above.size == 0 else float(g[0]))
            continue
        j = above[0]
        ends.append(float(g[j - 1] + (1.0 - d[j - 1]) * (g[j] - g[j - 1]) / (d[j] - d[j - 1])))
    return ends[0], ends[1]


# --------------------------------------------------------------------------- report and figure


def format_value(name: str, value: float, error: float) -> str:
    """'p = 0.312 ± 0.021' or 'roughness = 0.48 ± 0.05 nm' (roughness shown in nm)."""
    factor, unit = (1e9, " nm") if name == "roughness" else (1.0, "")
    v, e = value * factor, error * factor
    if not math.isfinite(e):
        return f"{name} = {v:.4g} ± inf{unit}"
    if e <= 0.0:
        return f"{name} = {v:.6g} ± 0{unit}"
    digits = max(0, 1 - math.floor(math.log10(e)))
    return f"{name} = {v:.{digits}f} ± {e:.{digits}f}{unit}"


def report(fit: ConductanceFit) -> list[str]:
    """The lines `phononmc fit` prints: the setting, χ²/dof, each parameter ± σ with its profile
    interval, and in words every parameter the data do not constrain."""
    d = fit.data
    errors = "with errors" if fit.errors_given else "without errors"
    fixed = ", ".join(f"{k} = {v:g}" for k, v in fit.fixed.items())
    layer = "" if fit.interlayer is None else f" | interlayer {fit.interlayer.name}"
    lines = [f"# {d.source}: {d.T.size} points of {d.quantity} {errors}, T = {d.T.min():g} to {d.T.max():g} K",
             f"# model {fit.kind} for {fit.m1.name}{layer} | {fit.m2.name}, {fit.temperature} temperatures, "
             f"{fit.dispersion} dispersion" + (f"; fixed: {fixed}" if fixed else "")]
    lines += [f"# {note}" for note in fit.notes]
    if fit.errors_given:
        lines.append(f"chi2/dof = {fit.chi2:.4g}/{fit.dof} = {fit.chi2 / fit.dof:.3g}" if fit.dof else
                     f"chi2 = {fit.chi2:.4g} (dof = 0: as many parameters as points)")
    for p in fit.parameters.values():
        line = format_value(p.name, p.value, p.error)
        if p.interval is not None:
            f = 1e9 if p.name == "roughness" else 1.0
            line += f"   (profile 1 sigma: [{p.interval[0] * f:.4g}, {p.interval[1] * f:.4g}])"
        lines.append(line)
    for p in fit.parameters.values():
        if p.unconstrained:
            lines.append(f"{p.name} is NOT constrained by these data: {'; '.join(p.unconstrained)}")
    lines.append(f"best-fit model: {fit.model}")
    return lines


def fit_figure(fit: ConductanceFit, title: str | None = None) -> Figure:
    """Data with error bars and the best-fit curve (log-log) above, and the normalised residuals
    (y − f)/σ against T below."""
    label, factor = DISPLAY[fit.data.quantity]
    d = fit.data
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.errorbar(d.T, d.value * factor, yerr=fit.sigma * factor, fmt="o", ms=MARKER, capsize=2, color="C0",
                 label="data" if fit.errors_given else "data (error bars: scatter about the fit)")
    grid = np.geomspace(d.T.min(), d.T.max(), 80)
    values = ", ".join(format_value(p.name, p.value, p.error) for p in fit.parameters.values())
    chi2 = f", $\\chi^2$/dof = {fit.chi2:.3g}/{fit.dof}" if fit.errors_given and fit.dof else ""
    top.plot(grid, fit.predict(grid) * factor, "-", color="C1", label=f"fit: {values}{chi2}")
    top.set_xscale("log")
    top.set_yscale("log")
    _readable_log_ticks(top)
    top.set_ylabel(label.replace("^-2", "$^{-2}$").replace("^-1", "$^{-1}$").replace("^2", "$^2$"))
    top.legend(fontsize="small")
    top.set_title(title or f"{fit.m1.name} | {fit.m2.name}, model {fit.kind}")
    residual = (d.value - fit.predict(d.T)) / fit.sigma
    bottom.axhline(0.0, color="0.5", lw=0.8)
    bottom.plot(d.T, residual, "o", ms=MARKER, color="C0")
    bottom.set_xlabel("T [K]")
    bottom.set_ylabel(r"(data $-$ fit)/$\sigma$")
    return fig
