"""The `Material` record: the elastic and structural constants an interface model needs.

An isotropic continuum is fixed by its mass density ρ and two sound velocities
(v_L, v_T); the Debye wavevector k_D = (6π² n)^(1/3) follows from the atom density n.
A liquid (helium) has v_T = 0 and carries only longitudinal phonons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from phononmc.constants import HBAR, K_B


@dataclass(frozen=True)
class Material:
    """An isotropic solid or a liquid.

    Attributes
    ----------
    name : str
        Label used in tables and files.
    density : float
        Mass density ρ (kg m⁻³).
    v_long : float
        Longitudinal sound velocity v_L (m s⁻¹).
    v_trans : float
        Transverse sound velocity v_T (m s⁻¹); 0 for a liquid.
    atom_density : float
        Number of atoms per unit volume n (m⁻³); sets k_D = (6π² n)^(1/3).
    debye_temperature : float or None
        Measured (calorimetric) Debye temperature Θ_D (K), for reference only: the models
        use the cutoffs ω_c = v k_D, not Θ_D.
    source : str
        Citation for the numbers.
    """

    name: str
    density: float
    v_long: float
    v_trans: float
    atom_density: float
    debye_temperature: float | None = None
    source: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Material name must be a non-empty string, got {self.name!r}")
        for field in ("density", "v_long", "v_trans", "atom_density") + (
            ("debye_temperature",) if self.debye_temperature is not None else ()
        ):  # store plain floats: "2329" or numpy scalars in, float out
            object.__setattr__(self, field, _as_float(self.name, field, getattr(self, field)))
        for field, unit in (("density", "kg/m^3"), ("v_long", "m/s"), ("atom_density", "1/m^3")):
            _require_positive(self.name, field, getattr(self, field), unit)
        v_t = _as_float(self.name, "v_trans", self.v_trans)
        if not math.isfinite(v_t) or v_t < 0.0:
            raise ValueError(
                f"Material {self.name!r}: v_trans = {self.v_trans!r} m/s is invalid; "
                "it must be >= 0 (0 means a liquid with no shear waves)"
            )
        if v_t > self.v_long:
            raise ValueError(
                f"Material {self.name!r}: v_trans = {v_t:g} m/s exceeds v_long = {self.v_long:g} m/s; "
                "in an isotropic solid the shear velocity is always below the longitudinal one"
            )
        bulk = self.density * (self.v_long**2 - 4.0 / 3.0 * v_t**2)
        if bulk <= 0.0:
            raise ValueError(
                f"Material {self.name!r}: v_trans/v_long = {v_t / self.v_long:.4f} gives a bulk modulus "
                f"K = rho (v_L^2 - 4/3 v_T^2) = {bulk:.3g} Pa <= 0, which is mechanically unstable; "
                f"v_trans must be below sqrt(3)/2 v_long = {math.sqrt(0.75) * self.v_long:g} m/s"
            )
        if self.debye_temperature is not None:
            _require_positive(self.name, "debye_temperature", self.debye_temperature, "K")

    @property
    def is_liquid(self) -> bool:
        """True when the medium carries no shear waves (v_T = 0)."""
        return self.v_trans == 0.0

    @property
    def k_debye(self) -> float:
        """Debye wavevector k_D = (6π² n)^(1/3) (m⁻¹)."""
        return (6.0 * math.pi**2 * self.atom_density) ** (1.0 / 3.0)

    @property
    def impedance_long(self) -> float:
        """Longitudinal acoustic impedance Z_L = ρ v_L (kg m⁻² s⁻¹)."""
        return self.density * self.v_long

    @property
    def impedance_trans(self) -> float:
        """Transverse acoustic impedance Z_T = ρ v_T (kg m⁻² s⁻¹); 0 for a liquid."""
        return self.density * self.v_trans

    @property
    def shear_modulus(self) -> float:
        """Shear modulus μ = ρ v_T² (Pa)."""
        return self.density * self.v_trans**2

    @property
    def lame_lambda(self) -> float:
        """First Lamé constant λ = ρ (v_L² − 2 v_T²) (Pa)."""
        return self.density * (self.v_long**2 - 2.0 * self.v_trans**2)

    def debye_temperature_from_velocities(self) -> float:
        """Θ_D = ħ v̄ k_D / k_B with the Debye mean 3/v̄³ = 1/v_L³ + 2/v_T³ (K); liquids use v_L."""
        if self.is_liquid:
            v_mean = self.v_long
        else:
            v_mean = (3.0 / (1.0 / self.v_long**3 + 2.0 / self.v_trans**3)) ** (1.0 / 3.0)
        return HBAR * v_mean * self.k_debye / K_B


def _as_float(name, field, value):
    if isinstance(value, bool):
        raise ValueError(f"Material {name!r}: {field} = {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Material {name!r}: {field} = {value!r} is not a number") from None


def _require_positive(name, field, value, unit):
    v = _as_float(name, field, value)
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"Material {name!r}: {field} = {value!r} {unit} is invalid; it must be a finite number > 0")
