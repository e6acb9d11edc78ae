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

Analytic side: `transmission_spectrum` gives α_j(ω) = ∫_0^1 [p τ_AMM,j(μ) + (1 − p) τ_DMM] 2μ dμ,
which `landauer` integrates over frequency. Monte Carlo side: `Model.specularity` gives
the (code, p, η) triple the interface event evaluates per packet (`mc.events`), and
`Model.needs_specular_tables` says whether the AMM tables must be built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from phononmc.dispersion import branches
from phononmc.transmission import amm, dmm, specularity
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
    """

    kind: str
    p: float | None = None
    roughness: float | None = None

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

    @property
    def label(self) -> str:
        """Short name used in tables and results groups: "amm", "mixed(p=0.5)", "soffer(eta=0.5 nm)"."""
        if self.kind == "mixed":
            return f"mixed(p={self.p:g})"
        if self.kind in ROUGHNESS_KINDS:
            return f"{self.kind}(eta={self.roughness * 1e9:g} nm)"
        return self.kind

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
            m1, m2, omega,
            angular_weight=lambda b, w, mu2: specularity.soffer(np.nan_to_num(b.wavevector(w)), mu2, model.roughness))
        return specular + (1.0 - p_spec) * diffuse
    if kind.specular == SPECULAR_ZIMAN:
        p_spec = specularity.ziman(np.stack([np.nan_to_num(b.wavevector(omega)) for b in branches(m1)]),
                                   model.roughness)
    return p_spec * amm.transmission_spectrum(m1, m2, omega) + (1.0 - p_spec) * diffuse
