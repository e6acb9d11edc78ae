"""Bulk phonon scattering of one medium: relaxation times, spectral heat capacity, κ(T).

Debye branches only (`phononmc.dispersion`, "debye"): branch j has ω = v_j k up to
ω_c,j = v_j k_D. The scattering mechanisms add by Matthiessen's rule, per branch:

    1/τ_j(ω, T) = v_j / Λ                                       (gray: one mean free path Λ), or
    1/τ_j(ω, T) = A ω⁴ + B ω² T exp(−θ_U/T) + v_j / L_b

with A ω⁴ the Rayleigh scattering by point defects and isotopes (Klemens, Proc. Phys. Soc.
A 68, 1113 (1955)), B ω² T exp(−θ_U/T) the Umklapp rate in the form of Slack & Galginaitis
(Phys. Rev. 133, A253 (1964)) as used by Mingo (Phys. Rev. B 68, 113308 (2003)), and v_j/L_b
boundary (Casimir) scattering. The kinetic (single-mode relaxation-time) conductivity is

    κ = (1/3) Σ_j ∫ C_j(ω) v_j² τ_j(ω) dω,    C_j(ω) = ħω D_j(ω) ∂n/∂T,

and the mean free path averaged over the heat-capacity-weighted flux is
Λ̄ = 3κ / Σ_j ∫ C_j(ω) v_j dω (= Λ for a gray medium). Built-in coefficients live in the
``[name.scattering]`` subtables of `phononmc/materials/database.toml`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from phononmc.constants import HBAR
from phononmc.dispersion import branches
from phononmc.materials import Material, find, subtables
from phononmc.quadrature import bose_derivative, thermal_frequency_nodes


@dataclass(frozen=True)
class Scattering:
    """Relaxation-time model of one medium (Debye branches):
        1/τ_j(ω, T) = v_j/mfp                                    (gray: one mean free path), or
        1/τ_j(ω, T) = A ω⁴ + B ω² T exp(−θ_U/T) + v_j/L_b
    (impurity/isotope Rayleigh scattering, Umklapp, boundary/Casimir).

    Attributes
    ----------
    mfp : gray mean free path Λ (m); when given, nothing else may be set.
    impurity : A (s³).
    umklapp : B (s K⁻¹).
    umklapp_theta : θ_U (K), the Θ/b of exp(−Θ/bT); needs umklapp > 0.
    boundary : L_b (m), or None for no boundary scattering.
    source : citation for the numbers.
    """

    mfp: float | None = None
    impurity: float = 0.0
    umklapp: float = 0.0
    umklapp_theta: float = 0.0
    boundary: float | None = None
    source: str = ""

    def __post_init__(self):
        for name, unit, positive in (("mfp", "m", True), ("impurity", "s^3", False), ("umklapp", "s/K", False),
                                     ("umklapp_theta", "K", False), ("boundary", "m", True)):
            value = getattr(self, name)
            if value is None and positive:
                continue
            number = _number(name, value, unit)
            if not math.isfinite(number) or number < 0.0 or (positive and number == 0.0):
                raise ValueError(f"Scattering: {name} = {value!r} {unit} is invalid; it must be a finite number "
                                 f"{'> 0' if positive else '>= 0'}")
            object.__setattr__(self, name, number)
        if not isinstance(self.source, str):
            raise ValueError(f"Scattering: source = {self.source!r} must be a string")
        if self.is_gray:
            extra = [f"{f} = {getattr(self, f)!r}" for f in ("impurity", "umklapp", "umklapp_theta", "boundary")
                     if getattr(self, f) not in (0.0, None)]
            if extra:
                raise ValueError(f"Scattering: mfp = {self.mfp!r} m makes the medium gray, which excludes "
                                 f"{', '.join(extra)}; give either mfp alone or the mechanisms without mfp")
        elif self.impurity == 0.0 and self.umklapp == 0.0 and self.boundary is None:
            raise ValueError("Scattering: no mechanism is set; give mfp (gray), or impurity > 0, umklapp > 0 "
                             "or boundary")
        if self.umklapp_theta != 0.0 and self.umklapp == 0.0:
            raise ValueError(f"Scattering: umklapp_theta = {self.umklapp_theta!r} K is set but umklapp = 0; "
                             "theta_U only scales an Umklapp rate: set umklapp > 0 or leave umklapp_theta at 0")

    @property
    def is_gray(self) -> bool:
        """True when one mean free path sets every rate (1/τ_j = v_j/mfp)."""
        return self.mfp is not None

    def coefficients(self, m: Material, T: float) -> np.ndarray:
        """(n_branches, 3) [a_v, a2, a4] such that 1/τ_j(ω) = a_v v_j + a2 ω² + a4 ω⁴ at temperature T (K).

        a_v = 1/mfp (gray) or 1/L_b (0 without boundary), a2 = B T exp(−θ_U/T), a4 = A.
        Branches as `phononmc.dispersion.branches(m)`: L, SV, SH; liquid: L only.
        """
        T = _temperature(T)
        if self.is_gray:
            row = (1.0 / self.mfp, 0.0, 0.0)
        else:
            a_v = 0.0 if self.boundary is None else 1.0 / self.boundary
            row = (a_v, self.umklapp * T * math.exp(-self.umklapp_theta / T), self.impurity)
        return np.tile(np.array(row, dtype=float), (len(branches(m)), 1))

    def rate(self, m: Material, branch_index: int, omega, T: float) -> np.ndarray:
        """1/τ_j(ω) (s⁻¹) of branch `branch_index` of `m` at temperature T (K); omega (rad s⁻¹), any shape.

        The formula at any ω ≥ 0; the branch itself ends at its cutoff v_j k_D.
        """
        bs = branches(m)
        if isinstance(branch_index, bool) or not isinstance(branch_index, (int, np.integer)) \
                or not 0 <= branch_index < len(bs):
            raise ValueError(f"branch_index = {branch_index!r} is invalid; {m.name} has branches "
                             + ", ".join(f"{i} ({b.name})" for i, b in enumerate(bs)))
        return _rates(self.coefficients(m, T)[branch_index], bs[branch_index].velocity, np.asarray(omega, dtype=float))


def _number(name, value, unit, owner="Scattering: "):
    if isinstance(value, bool):
        raise ValueError(f"{owner}{name} = {value!r} {unit} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}{name} = {value!r} {unit} is not a number") from None


def _temperature(T) -> float:
    t = _number("T", T, "K", owner="")
    if not math.isfinite(t) or t <= 0.0:
        raise ValueError(f"T = {T!r} K is invalid; it must be a finite number > 0")
    return t


def _rates(coef, v, omega):
    """a_v v + a2 ω² + a4 ω⁴ for coefficient rows `coef` (..., 3) and velocities `v` broadcast against omega."""
    w2 = omega * omega
    return coef[..., 0] * v + (coef[..., 1] + coef[..., 2] * w2) * w2


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Scattering]:
    return {name: Scattering(**table) for name, table in subtables("scattering").items()}


def scattering(name: str) -> Scattering:
    """Built-in coefficients of a database material (case-insensitive), e.g. ``scattering("Si")``."""
    found = find(_builtin(), name)
    if found is None:
        raise KeyError(f"no scattering coefficients for {name!r}; materials with coefficients are: "
                       f"{', '.join(_builtin())}")
    return found


def scattering_materials() -> tuple[str, ...]:
    """Names of the database materials that have scattering coefficients, in database order."""
    return tuple(_builtin())


def heat_capacity_spectrum(m: Material, omega, T: float) -> np.ndarray:
    """(n_branches, len(omega)) C_j(ω) = ħω D_j(ω) ∂n/∂T (J m⁻³ K⁻¹ per rad s⁻¹) at temperature T (K),
    Debye branches; 0 above each cutoff. omega (rad s⁻¹): scalar or 1-D array."""
    T = _temperature(T)
    w = np.atleast_1d(np.asarray(omega, dtype=float))
    return np.array([HBAR * w * b.dos(w) * bose_derivative(w, T) for b in branches(m)])


def _spectral_sums(m: Material, s: Scattering, T: float):
    """(Σ_j ∫ C_j v_j² τ_j dω, Σ_j ∫ C_j v_j dω) by Gauss–Legendre on pieces split at every branch cutoff
    and at every crossover where two mechanisms of a branch are equal (ω² = a2/a4, ω⁴ = a_v v/a4,
    ω² = a_v v/a2). Above a crossover C_j τ_j falls as a power of ω, over as many decades as the
    crossover lies below the thermal range (ten at 3 K with impurity and Umklapp only), so the
    pieces from there up grow by factors of 4."""
    bs = branches(m)
    coef = s.coefficients(m, T)
    v = np.array([b.velocity for b in bs])
    top = max(b.omega_cutoff for b in bs)
    a_v, a2, a4 = coef.T
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = np.concatenate([np.sqrt(a2 / a4), (a_v * v / a4) ** 0.25, np.sqrt(a_v * v / a2)])
    crossings = crossings[np.isfinite(crossings) & (crossings > 0.0) & (crossings < top)]
    breaks = [b.omega_cutoff for b in bs]
    for w0 in crossings:
        breaks += list(w0 * 4.0 ** np.arange(math.ceil(math.log(top / w0, 4.0))))
    w, wt = thermal_frequency_nodes([T], breaks)
    w, wt = w[0], wt[0]
    c = heat_capacity_spectrum(m, w, T) * wt
    flux = (c * v[:, None]).sum()
    return (c * v[:, None] ** 2 / _rates(coef[:, None, :], v[:, None], w)).sum(), flux


def _unbounded(m: Material, s: Scattering, T: float) -> bool:
    """True when nothing limits the long waves: no gray mfp, no boundary, no Umklapp rate at T."""
    a_v, a2, _ = s.coefficients(m, T)[0]
    return a_v == 0.0 and a2 == 0.0


def conductivity(m: Material, s: Scattering, T: float) -> float:
    """κ = (1/3) Σ_j ∫ C_j(ω) v_j² τ_j(ω) dω (W m⁻¹ K⁻¹), Debye branches, at temperature T (K).

    math.inf when nothing limits the long waves (impurity scattering alone: C_j τ_j ∝ ω²/ω⁴
    is not integrable at ω → 0).
    """
    if _unbounded(m, s, T):
        return math.inf
    return float(_spectral_sums(m, s, T)[0] / 3.0)


def mean_free_path(m: Material, s: Scattering, T: float) -> float:
    """Λ̄ = 3κ / Σ_j ∫ C_j v_j dω (m) at temperature T (K): the mean free path v_j τ_j averaged with
    the weight C_j v_j; equal to mfp for a gray medium, math.inf where κ is."""
    if _unbounded(m, s, T):
        return math.inf
    num, flux = _spectral_sums(m, s, T)
    return float(num / flux)
