"""Relative sensitivities S_x = ∂ln G/∂ln x of the Landauer G(T) to every input x.

    s = sensitivities(si, ge, T, model="amm")
    s.value["m1.v_long"]        # shape of T: G changes by S·1 % when v_L of medium 1 changes by 1 %
    s.error["m1.v_long"]        # estimate of the numerical error of that value
    s.skipped                   # {input: why it has no sensitivity}

Inputs: density, v_long, v_trans and atom_density of each medium (`INPUTS`), and the model's
parameters (`PARAMETERS`): the specular probability p (mixed), the rms roughness η (ziman, soffer),
and the inelastic channel's A, q, m. G is `landauer.conductance` with the caller's model, side,
dispersion and temperature definition ("emitted" or "equilibrium"). The channel's T_ref and
ω_ref are left out: τ_inel depends on them only through A T_ref^(−q) ω_ref^(−m), so
S_T_ref = −q S_A and S_ω_ref = −m S_A.

Method: x → x e^u, S = d ln G/du at u = 0 (for a negative q or m this is still x ∂ln G/∂x).
Central differences D(h) = [ln G(h) − ln G(−h)] / 2h at h = STEP, STEP/2, STEP/4, whose error
is a series in h², h⁴, …; two Richardson steps remove the h² and h⁴ terms. Where the step
would leave the input's valid range on one side (p = 1, v_T near √3/2 v_L, η at its 1 µm
bound, an inelastic channel medium 2 cannot carry), the one-sided second-order formula
D(h) = ±[−3 ln G(0) + 4 ln G(±h) − ln G(±2h)] / 2h is used instead (error series h², h³, …).
The error estimate (`error`) is the spread |R₁(h/2, h/4) − R₁(h, h/2)| of the two first-level
extrapolants plus the round-off ROUNDOFF / h_min of the smallest step. For a smooth G it is
(2^k − 1) ≈ 15 times the error of R₂ (a conservative bound); it also grows where the computed G
is not smooth on the scale of the steps, which a Richardson table alone would not show: the
inelastic channel's cap min(τ_inel, 1 − τ_el) puts a kink inside a quadrature piece, and there
the derivative of the computed G is only good to a few 1e-6 (measured with Si|Ge, A = 0.02,
m = −0.5 at 300 K). An input that is zero (p = 0,
A = 0, q = 0, m = 0: ln x undefined) or absent (v_T of a liquid: no shear waves) is
`skipped`, with the reason.

Exact identities, independent of how G is computed (derived in docs/sensitivity.md and
checked in tests/test_sensitivity.py):
  * DMM: S_ρ1 = S_ρ2 = 0 (τ = M_2/(M_1 + M_2) depends on velocities and cutoffs only).
  * Any model: S_ρ1 + S_ρ2 = 0 (the boundary conditions depend only on ρ_2/ρ_1).
  * Any model: Σ_velocities S_v − 3 Σ_n S_n + S_η = −2 (units: scaling v → λv with ω → λω,
    and n → λn with η → λ^(−1/3)η; see the docs), so Σ_v S_v → −2 and Σ_n S_n → 0 as T → 0,
    Σ_n S_n → 1 and Σ_v S_v → 1 in the classical limit.
  * mixed(p), emitted temperatures, elastic: S_p = p (G_AMM − G_DMM) / G.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np

from phononmc import landauer
from phononmc.models import parse_model

#: The material fields whose sensitivities are computed, for medium 1 and medium 2.
MATERIAL_FIELDS = ("density", "v_long", "v_trans", "atom_density")
#: Material inputs, named "m1.density", ..., "m2.atom_density".
INPUTS = tuple(f"{m}.{f}" for m in ("m1", "m2") for f in MATERIAL_FIELDS)
#: Model parameters, in table order; only those the model has are used.
PARAMETERS = ("p", "roughness", "inelastic.A", "inelastic.q", "inelastic.m")
#: Largest step in u = ln(x/x₀); the tableau also uses STEP/2 and STEP/4.
STEP = 0.01
#: Relative round-off of one ln G (the quadrature is a fixed sum of a few thousand terms,
#: each with relative error ~1e-16; 1e-14 is a generous bound), used in the error estimate.
ROUNDOFF = 1e-14
#: Units of each input's value (SI), for tables and files.
UNITS = {**{f"{m}.{f}": u for m in ("m1", "m2") for f, u in zip(MATERIAL_FIELDS, ("kg m^-3", "m s^-1", "m s^-1",
                                                                                   "m^-3"))},
         "p": "1", "roughness": "m", "inelastic.A": "1", "inelastic.q": "1", "inelastic.m": "1"}


@dataclass(frozen=True)
class Sensitivities:
    """S_x(T) = ∂ln G/∂ln x for one interface and model.

    T : temperatures (K), shape (n_T,). G : G(T) (W m⁻² K⁻¹) at the unperturbed inputs.
    inputs : the names with a sensitivity, in table order (`INPUTS`, then `PARAMETERS`).
    base : {input: its unperturbed value (SI)}. value, error : {input: array (n_T,)}, the
    Richardson-extrapolated S and the estimate of its numerical error (dimensionless).
    stencil : {input: "central" or "forward"/"backward" (one-sided at a bound of the input)}.
    skipped : {input: reason} for inputs that are zero or absent.
    step : STEP used (in ln x).
    """

    T: np.ndarray
    G: np.ndarray
    inputs: tuple
    base: dict
    value: dict
    error: dict
    stencil: dict
    skipped: dict
    step: float


def _parameters(model) -> dict:
    """{parameter name: value} of the parameters `model` has (see PARAMETERS)."""
    out = {}
    if model.p is not None:
        out["p"] = model.p
    if model.roughness is not None:
        out["roughness"] = model.roughness
    if model.inelastic is not None:
        for key in ("A", "q", "m"):
            out[f"inelastic.{key}"] = getattr(model.inelastic, key)
    return out


def _with(m1, m2, model, name: str, value: float):
    """(m1, m2, model) with input `name` set to `value`; ValueError if that value is invalid."""
    if name.startswith(("m1.", "m2.")):
        medium, field = name.split(".")
        if medium == "m1":
            return dataclasses.replace(m1, **{field: value}), m2, model
        return m1, dataclasses.replace(m2, **{field: value}), model
    if name.startswith("inelastic."):
        key = name.split(".")[1]
        return m1, m2, dataclasses.replace(model, inelastic=dataclasses.replace(model.inelastic, **{key: value}))
    return m1, m2, dataclasses.replace(model, **{name: value})


def _richardson(d: list, orders: tuple) -> tuple:
    """Extrapolate D(h), D(h/2), D(h/4) with error terms h^orders[0], h^orders[1]: returns
    (R₂, |R₁(h/2, h/4) − R₁(h, h/2)|), the R₁ the first-level extrapolants (see `sensitivities`)."""
    first = [(2.0**orders[0] * fine - coarse) / (2.0**orders[0] - 1.0) for coarse, fine in zip(d, d[1:])]
    f = 2.0**orders[1]
    return (f * first[1] - first[0]) / (f - 1.0), np.abs(first[1] - first[0])


def sensitivities(m1, m2, T, model="amm", p=None, side=1, dispersion="debye", temperature="emitted",
                  step: float = STEP) -> Sensitivities:
    """S_x(T) = ∂ln G/∂ln x of `landauer.conductance(m1, m2, T, model, p, side, dispersion,
    temperature)` for every input x (see the module docstring for the method and its error).

    T : temperature(s) (K), scalar or 1-D. step : largest step in ln x (0 < step <= 0.1).
    Where G is infinite (equilibrium temperatures at an interface that transmits everything)
    the sensitivities are NaN.
    """
    model = parse_model(model, p)
    step = float(step)
    if not (math.isfinite(step) and 0.0 < step <= 0.1):
        raise ValueError(f"step = {step!r} is invalid; the step in ln x must be in (0, 0.1]")
    T = np.atleast_1d(np.asarray(T, dtype=float))
    if T.ndim != 1:
        raise ValueError(f"T has shape {T.shape}; give a scalar or a 1-D array of temperatures (K)")

    def ln_g(a, b, mdl):  # ln G; inf where G is (equilibrium temperatures, no jump): S is NaN there
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(landauer.conductance(a, b, T, mdl, side=side, dispersion=dispersion,
                                               temperature=temperature))

    ln_g0 = ln_g(m1, m2, model)  # validates the media, model, T and options (landauer's errors)
    g0 = np.exp(ln_g0)
    base = {name: getattr(m1 if name[:2] == "m1" else m2, name[3:]) for name in INPUTS}
    base.update(_parameters(model))
    value, error, stencil, skipped = {}, {}, {}, {}
    for name, x0 in base.items():
        if name.endswith("v_trans") and x0 == 0.0:
            skipped[name] = "liquid: no transverse phonons"
            continue
        if x0 == 0.0:
            skipped[name] = "zero: ln x undefined"
            continue
        steps = [step, step / 2.0, step / 4.0]

        def at(u):
            return ln_g(*_with(m1, m2, model, name, x0 * math.exp(u)))

        try:
            with np.errstate(invalid="ignore"):  # inf - inf where G is infinite
                d = [(at(h) - at(-h)) / (2.0 * h) for h in steps]
            kind, orders = "central", (2, 4)
        except ValueError as exc:
            d = None
            for sign, kind in ((-1.0, "backward"), (1.0, "forward")):
                try:
                    with np.errstate(invalid="ignore"):
                        d = [sign * (-3.0 * ln_g0 + 4.0 * at(sign * h) - at(2.0 * sign * h)) / (2.0 * h)
                             for h in steps]
                    break
                except ValueError:
                    continue
            if d is None:
                skipped[name] = f"no valid step either way: {exc}"
                continue
            orders = (2, 3)
        s, err = _richardson(d, orders)
        finite = np.isfinite(g0) & (g0 > 0.0)
        value[name] = np.where(finite, s, np.nan)
        error[name] = np.where(finite, err + ROUNDOFF / steps[-1], np.nan)
        stencil[name] = kind
    return Sensitivities(T, g0, tuple(value), base, value, error, stencil, skipped, step)


def format_table(s: Sensitivities, label: str = "") -> str:
    """The sensitivities as text: one row per input, one column per temperature, then the
    largest error estimate and the skipped inputs."""
    head = f"# sensitivity d ln G / d ln x{f' ({label})' if label else ''}: G changes by S % when x changes by 1 %"
    lines = [head, f"{'input':<14} {'value':>11}" + "".join(f" {f'{t:.4g} K':>9}" for t in s.T)]
    for name in s.inputs:
        lines.append(f"{name:<14} {s.base[name]:>11.4g}" + "".join(f" {v:>9.4f}" for v in s.value[name]))
    if s.inputs:
        worst = max(float(np.nanmax(s.error[n], initial=0.0)) for n in s.inputs)
        one_sided = [n for n in s.inputs if s.stencil[n] != "central"]
        note = f"; one-sided at a bound: {', '.join(one_sided)}" if one_sided else ""
        lines.append(f"# central differences in ln x, steps {s.step:g}, {s.step / 2:g}, {s.step / 4:g}, Richardson "
                     f"extrapolation; largest error estimate {worst:.1e}{note}")
    for name, why in s.skipped.items():
        lines.append(f"# {name}: skipped ({why})")
    if not np.all(np.isfinite(s.G)):
        lines.append("# nan: G is infinite there (the interface transmits every phonon), so ln G has no derivative")
    return "\n".join(lines)


def record(s: Sensitivities) -> dict:
    """JSON-ready dict: T, G, and per input its value, S, error and stencil; the skipped inputs."""
    def plain(a):
        return [float(x) if math.isfinite(x) else None for x in np.ravel(a)]

    return {"step": s.step, "method": "central differences in ln x, Richardson extrapolation",
            "inputs": {n: {"value": s.base[n], "units": UNITS[n],
                           "S": plain(s.value[n]), "error": plain(s.error[n]), "stencil": s.stencil[n]}
                       for n in s.inputs},
            "skipped": dict(s.skipped)}


def h5_content(s: Sensitivities) -> tuple:
    """(attrs, datasets) that store `s` in a results group (`analytic_results.write`): datasets
    sensitivity and sensitivity_error, shape (n_inputs, n_T); attrs name the inputs (JSON) and
    hold their values, stencils, the skipped inputs and the step."""
    attrs = {"sensitivity_inputs": json.dumps(list(s.inputs)),
             "sensitivity_values": json.dumps({n: s.base[n] for n in s.inputs}),
             "sensitivity_stencils": json.dumps(s.stencil), "sensitivity_skipped": json.dumps(s.skipped),
             "sensitivity_step": s.step,
             "sensitivity_definition": "d ln G / d ln x, central differences in ln x with Richardson extrapolation"}
    shape = (len(s.inputs), len(s.T))
    datasets = {"sensitivity": (np.array([s.value[n] for n in s.inputs]).reshape(shape), "1"),
                "sensitivity_error": (np.array([s.error[n] for n in s.inputs]).reshape(shape), "1")}
    return attrs, datasets


def from_h5(attrs: dict, datasets: dict, T, G) -> Sensitivities | None:
    """The Sensitivities stored by `h5_content` in a group (attrs, {name: array}); None if absent."""
    if "sensitivity_inputs" not in attrs:
        return None
    inputs = tuple(json.loads(attrs["sensitivity_inputs"]))
    value = dict(zip(inputs, np.asarray(datasets["sensitivity"])))
    error = dict(zip(inputs, np.asarray(datasets["sensitivity_error"])))
    return Sensitivities(np.asarray(T), np.asarray(G), inputs, json.loads(attrs["sensitivity_values"]), value, error,
                         json.loads(attrs["sensitivity_stencils"]), json.loads(attrs["sensitivity_skipped"]),
                         float(attrs["sensitivity_step"]))
