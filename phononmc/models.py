"""Interface scattering models, in one place: what each kind means analytically and in the Monte Carlo.

An interface event is specular (AMM: mode conversion, Snell's law) with probability p and
diffuse (DMM: side and branch ∝ D_j v_j, Lambert direction) otherwise. A model kind is the
rule that gives p; everything else follows from it:

========  =====================  ===================================================
kind      parameter              specular probability p
========  =====================  ===================================================
amm       —                      1
dmm       —                      0
mixed     p ∈ [0, 1]             p
ziman     rms roughness η (m)    exp(−16π³η²/λ²) = exp(−4π η² k²)      (Ziman 1960)
soffer    rms roughness η (m)    exp(−16π²η²cos²θ/λ²) = exp(−4η²k²μ²)  (Soffer 1967)
========  =====================  ===================================================

k = 2π/λ is the wavevector of the incident phonon in its own branch, μ = cos θ.

Analytic side: `elastic_tau` gives τ_el,j(ω, μ) = p τ_AMM,j(ω, μ) + (1 − p) τ_DMM(ω) per
incident branch and direction, and `transmission_spectrum` its hemispherical average
α_j(ω) = ∫_0^1 τ_el,j 2μ dμ, which `landauer` integrates over frequency. Monte Carlo side:
`Model.specularity` gives the (code, p, η) triple the interface event evaluates per packet
(`mc.events`), and `Model.needs_specular_tables` says whether the AMM tables must be built.

Any kind may add the phenomenological inelastic channel (`Model.inelastic`, see
`transmission.inelastic`): a_j(ω, μ) = min(τ_inel, 1 − τ_el,j(ω, μ)) in parallel to τ_el;
`acceptance_spectrum` gives its hemispherical average ā_j(ω).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from phononmc.dispersion import branches
from phononmc.transmission import amm, dmm, specularity
from phononmc.transmission.inelastic import INELASTIC_KEYS, OMEGA_REF, Inelastic, capped, power_law
from phononmc.validation import invalid, real

#: How the Monte Carlo interface event computes p (`mc.events._specular_probability`).
SPECULAR_CONSTANT, SPECULAR_ZIMAN, SPECULAR_SOFFER = 0, 1, 2
#: Largest accepted rms roughness (m): beyond it p = 0 for every thermal phonon.
MAX_ROUGHNESS = 1e-6


@dataclass(frozen=True)
class Kind:
    """One model kind of the registry.

    parameter : the `Model` field it needs ("p", "roughness") or None.
    specular : kernel code of its specular probability (SPECULAR_*).
    constant_p : p when it is a fixed number of the kind (amm 1, dmm 0), else None.
    """

    name: str
    parameter: str | None
    specular: int
    constant_p: float | None


#: The registry: every model kind, in the order help texts list them.
KINDS = {k.name: k for k in (
    Kind("amm", None, SPECULAR_CONSTANT, 1.0),
    Kind("dmm", None, SPECULAR_CONSTANT, 0.0),
    Kind("mixed", "p", SPECULAR_CONSTANT, None),
    Kind("ziman", "roughness", SPECULAR_ZIMAN, None),
    Kind("soffer", "roughness", SPECULAR_SOFFER, None),
)}
MODEL_KINDS = tuple(KINDS)
#: Kinds with a specular (AMM) part: they need Debye branches and the AMM tables.
SPECULAR_KINDS = tuple(name for name, k in KINDS.items() if k.constant_p != 0.0)
#: Kinds whose specularity follows from an rms roughness eta (m).
ROUGHNESS_KINDS = tuple(name for name, k in KINDS.items() if k.parameter == "roughness")


class Specularity(NamedTuple):
    """Kernel input: how the Monte Carlo interface event draws specular vs diffuse.

    kind : SPECULAR_CONSTANT | SPECULAR_ZIMAN | SPECULAR_SOFFER; p : the constant p (unused
    otherwise); eta : rms roughness η (m) for Ziman and Soffer.
    """

    kind: int
    p: float
    eta: float


@dataclass(frozen=True)
class Model:
    """An interface scattering model, validated on construction (errors name the field).

    kind : one of `MODEL_KINDS` (see the module docstring).
    p : float or None
        Specular probability in [0, 1]; for "mixed" only (required there).
    roughness : float or None
        rms roughness η (m), 0 < η <= 1 µm; for "ziman" and "soffer" only (required there).
    inelastic : Inelastic, a dict of its fields (A required), or None
        The phenomenological inelastic channel added in parallel (`transmission.inelastic`);
        None: purely elastic.
    """

    kind: str
    p: float | None = None
    roughness: float | None = None
    inelastic: Inelastic | None = None

    def __post_init__(self):
        kind = self.kind.strip().lower() if isinstance(self.kind, str) else self.kind
        if kind not in KINDS:
            raise invalid("kind", self.kind, f"valid model kinds are {', '.join(MODEL_KINDS)}")
        object.__setattr__(self, "kind", kind)

        if kind == "mixed":
            if self.p is None:
                raise ValueError(
                    'p is missing: kind = "mixed" needs the specular probability p, a number in [0, 1] '
                    "(the fraction of interface events that scatter specularly, as in the AMM)"
                )
            p = real("p", self.p, "the specular probability p must be a number in [0, 1]")
            if not 0.0 <= p <= 1.0:
                raise invalid("p", self.p, "the specular probability p must be a number in [0, 1]")
            object.__setattr__(self, "p", p)
        elif self.p is not None:
            raise invalid("p", self.p, f'p applies only to kind = "mixed", not to kind = "{kind}"')

        if kind in ROUGHNESS_KINDS:
            if self.roughness is None:
                raise ValueError(
                    f'roughness is missing: kind = "{kind}" needs the rms roughness eta in metres, '
                    "e.g. roughness = 0.5e-9 for 0.5 nm"
                )
            why = (
                f"the rms roughness is in metres and must be > 0 and <= {MAX_ROUGHNESS:g} "
                "(e.g. 0.5e-9 for 0.5 nm; above 1 um every thermal phonon scatters diffusely: use kind = \"dmm\")"
            )
            eta = real("roughness", self.roughness, why)
            if not 0.0 < eta <= MAX_ROUGHNESS:
                raise invalid("roughness", self.roughness, why)
            object.__setattr__(self, "roughness", eta)
        elif self.roughness is not None:
            raise invalid(
                "roughness", self.roughness,
                f'roughness applies only to kinds {" and ".join(ROUGHNESS_KINDS)}, not to kind = "{kind}"',
            )
        if self.inelastic is not None:
            object.__setattr__(self, "inelastic", _inelastic(self.inelastic))

    @property
    def label(self) -> str:
        """Short name used in tables and results groups: "amm", "mixed(p=0.5)", "soffer(eta=0.5 nm)",
        "dmm+inelastic(A=0.2, q=1, m=1)"."""
        if self.kind == "mixed":
            elastic = f"mixed(p={self.p:g})"
        elif self.kind in ROUGHNESS_KINDS:
            elastic = f"{self.kind}(eta={self.roughness * 1e9:g} nm)"
        else:
            elastic = self.kind
        return elastic if self.inelastic is None else f"{elastic}+{self.inelastic.label}"

    @property
    def needs_debye(self) -> bool:
        """True when the model has a specular (AMM) part, which needs Debye branches."""
        return self.kind in SPECULAR_KINDS

    @property
    def needs_specular_tables(self) -> bool:
        """True when the Monte Carlo needs the AMM tables (the model has a specular part)."""
        return self.needs_debye

    @property
    def specularity(self) -> Specularity:
        """What the Monte Carlo interface event needs to draw specular vs diffuse."""
        kind = KINDS[self.kind]
        p = kind.constant_p if kind.constant_p is not None else (self.p if self.p is not None else 0.0)
        return Specularity(kind.specular, float(p), float(self.roughness or 0.0))

    def __str__(self) -> str:
        return self.label


_INELASTIC_EXAMPLE = "{ A = 0.2, q = 1.0, m = 1.0, T_ref = 300.0, omega_ref = 1e13 } (only A is required)"


def _inelastic(value) -> Inelastic:
    """An Inelastic from itself or a dict of its fields; errors name inelastic.<key>."""
    if isinstance(value, Inelastic):
        return value
    if not isinstance(value, dict):
        raise invalid("inelastic", value, f"the inelastic channel is a table {_INELASTIC_EXAMPLE}")
    unknown = [k for k in value if k not in INELASTIC_KEYS]
    if unknown:
        raise ValueError(f"inelastic has unknown key {unknown[0]!r}; valid keys: {', '.join(INELASTIC_KEYS)}")
    if "A" not in value:
        raise ValueError(f"inelastic.A is missing: the channel needs its amplitude A >= 0, e.g. {_INELASTIC_EXAMPLE}")
    try:
        return Inelastic(**value)
    except ValueError as exc:
        raise ValueError(f"inelastic.{exc}") from None


_MODEL_HELP = "valid: amm, dmm, mixed(p=0.5), ziman(eta=0.5e-9), soffer(eta=0.5e-9) (eta = rms roughness in m)"


def parse_model(model, p=None, roughness=None) -> Model:
    """Model from a name ("amm", "dmm", "mixed" with p, "ziman"/"soffer" with the rms
    roughness), a string like "mixed(p=0.3)" or "soffer(eta=5e-10)", or a `Model`."""
    if isinstance(model, Model):
        return model
    if not isinstance(model, str):
        raise ValueError(f"model = {model!r} is not a model name; {_MODEL_HELP}")
    name = model.strip().lower()
    found = re.fullmatch(r"(mixed|ziman|soffer)\(\s*(p|eta)\s*=\s*([^)]+)\)", name)
    if found:
        name = found.group(1)
        try:
            value = float(found.group(3))
        except ValueError:
            raise ValueError(f"model = {model!r}: {found.group(2)} = {found.group(3)!r} is not a number") from None
        p, roughness = (value, roughness) if found.group(2) == "p" else (p, value)
    if name not in KINDS:
        raise ValueError(f"model = {model!r} is not known; {_MODEL_HELP}")
    return Model(name, p=p, roughness=roughness)


def transmission_spectrum(m1, m2, omega, model: Model, dispersion: str = "debye") -> np.ndarray:
    """α_{1→2,j}(ω) per branch j of m1, shape (n_branches(m1), *omega.shape).

    α = ∫ [p τ_AMM + (1 − p) τ_DMM] 2μ dμ with p constant (amm, dmm, mixed), p(ω) (Ziman)
    or p(ω, μ) (Soffer), k_j(ω) of the incident branch. Inputs are not validated here
    (`landauer` does that).
    """
    omega = np.asarray(omega, dtype=float)
    n_b = len(branches(m1, dispersion))
    kind = KINDS[model.kind]
    p_spec = model.specularity.p
    if kind.specular == SPECULAR_CONSTANT and p_spec == 1.0:
        return amm.transmission_spectrum(m1, m2, omega)
    diffuse = np.broadcast_to(dmm.transmission(m1, m2, omega, dispersion), (n_b, *omega.shape))
    if kind.specular == SPECULAR_CONSTANT and p_spec == 0.0:
        return np.array(diffuse)
    if kind.specular == SPECULAR_SOFFER:
        k = np.stack([np.nan_to_num(b.wavevector(omega)) for b in branches(m1)])
        p_spec = specularity.soffer_hemispherical(k, model.roughness)
        specular = amm.transmission_spectrum(
            m1, m2, omega, angular_weight=lambda b, w, mu2: specular_probability(model, b, w, mu2))
        return specular + (1.0 - p_spec) * diffuse
    if kind.specular == SPECULAR_ZIMAN:
        p_spec = np.stack([specular_probability(model, b, omega) for b in branches(m1)])
    return p_spec * amm.transmission_spectrum(m1, m2, omega) + (1.0 - p_spec) * diffuse


def specular_probability(model: Model, branch, omega, mu2=None):
    """p of `model` for a phonon of `branch` (Debye) at ω (rad s⁻¹) and μ² = cos²θ, broadcasting:
    a constant (amm, dmm, mixed), Ziman's p(k) or Soffer's p(k, μ) (μ2 needed only there)."""
    spec = model.specularity
    if spec.kind == SPECULAR_CONSTANT:
        return spec.p
    k = np.nan_to_num(branch.wavevector(omega))
    if spec.kind == SPECULAR_ZIMAN:
        return specularity.ziman(k, spec.eta)
    return specularity.soffer(k, mu2, spec.eta)


def _incident_branch(m, incident: str, dispersion: str):
    found = [b for b in branches(m, dispersion) if b.name == incident]
    if not found:
        valid = ", ".join(b.name for b in branches(m, dispersion))
        raise ValueError(f"incident = {incident!r} is not a branch of {m.name}; valid: {valid}")
    return found[0]


def elastic_tau(m1, m2, model, omega, s, incident: str, dispersion: str = "debye") -> np.ndarray:
    """τ_el(ω, s) = p τ_AMM(ω, s) + (1 − p) τ_DMM(ω) of branch `incident` of m1 towards m2.

    omega : angular frequencies (rad s⁻¹), any shape; s : tangential slownesses sin θ / v
    (s m⁻¹), any shape, 0 <= s <= 1/v of the incident branch (μ² = 1 − s²v²). Returns shape
    (*omega.shape, *s.shape). τ_AMM is the sum of the transmitted energy fractions with the
    channels the Debye cutoffs close shut (`amm.open_channels`; their share is reflected),
    τ_DMM is `dmm.transmission`; p is the model's specularity (`specular_probability`).
    Its hemispherical average ∫ τ_el 2μ dμ is `transmission_spectrum`, computed there without
    the (ω, s) grid where p does not depend on μ.
    """
    model = parse_model(model)
    if model.needs_debye and dispersion != "debye":
        raise ValueError(f"model {model} needs dispersion = 'debye' (the AMM is defined here only with Debye branches)")
    branch = _incident_branch(m1, incident, dispersion)
    omega = np.asarray(omega, dtype=float)
    s = np.asarray(s, dtype=float)
    if np.any(~np.isfinite(s)) or np.any(s < 0.0) or np.any(s * branch.velocity > 1.0):
        raise ValueError(f"s = {np.ravel(s)[:5]!r} s/m is invalid; tangential slownesses of {incident} phonons "
                         f"of {m1.name} lie in [0, 1/v] = [0, {1.0 / branch.velocity:.6g}]")
    grid = omega.reshape(omega.shape + (1,) * s.ndim)
    diffuse = dmm.transmission(m1, m2, grid, dispersion)
    if not model.needs_debye:
        return np.broadcast_to(diffuse, omega.shape + s.shape).copy()
    coeff = amm.coefficients_slowness(m1, m2, s.ravel(), incident).as_array()[3:]  # (3, n_s)
    is_open = amm.open_channels(m1, m2, incident, omega.ravel())[3:].astype(float)  # (3, n_omega)
    specular = (is_open.T @ coeff).reshape(omega.shape + s.shape)
    p = specular_probability(model, branch, grid, 1.0 - (s * branch.velocity) ** 2)
    return p * specular + (1.0 - p) * diffuse


def acceptance_spectrum(m1, m2, model, omega, amplitude, exponent: float = 0.0, omega_ref: float = OMEGA_REF,
                        dispersion: str = "debye", n: int = 64) -> np.ndarray:
    """ā_j(ω) = ∫_0^1 min(τ, 1 − τ_el,j(ω, μ)) 2μ dμ per branch j of m1, shape (n_branches, *omega.shape),
    τ = amplitude (ω/omega_ref)^exponent: the hemispherical inelastic acceptance.

    amplitude broadcasts against omega (e.g. one value per temperature row). Side 1 of the
    channel: amplitude A (T/T_ref)^q, exponent m; side 2: amplitude c, exponent 0. The cap
    applies per (ω, μ) on `n` Gauss nodes per piece of `amm.slowness_nodes` (split at the
    critical slownesses). Inputs other than the model are not validated here (`landauer` does).
    """
    model = parse_model(model)
    omega = np.asarray(omega, dtype=float)
    tau = power_law(np.asarray(amplitude, dtype=float)[..., None], exponent, omega_ref, omega[..., None])
    out = []
    for b in branches(m1, dispersion):
        s, w = amm.slowness_nodes(m1, m2, b.name, n)
        out.append(capped(tau, elastic_tau(m1, m2, model, omega, s, b.name, dispersion)) @ w)
    return np.stack(out)
