"""Phonon branches of an isotropic medium: Debye (linear) and sine (Born–von Kármán).

Branch j of medium i has long-wave sound velocity v_ij and holds n_i modes per unit
volume: its wavevector runs up to the Debye wavevector k_D = (6π² n)^(1/3).

* Debye:  ω = v k,                       cutoff ω_c = v k_D.
* Sine:   ω = ω_c sin(π k / 2k_D),       ω_c = 2 v k_D / π (slope v at k → 0).

Per branch and unit volume, D(ω) = k² / (2π² v_g) (s m⁻³), and therefore
D(ω) v_g(ω) = k(ω)² / (2π²) — finite everywhere, also at a sine band edge where
v_g → 0. The Landauer integrals use this product directly.

Solids have branches L, SV, SH (SV and SH share v_T: the transverse degeneracy 2 is
carried as two branches); a liquid has L only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phononmc.constants import HBAR
from phononmc.materials import Material
from phononmc.quadrature import bose_derivative, thermal_frequency_nodes

DISPERSIONS = ("debye", "sine")


@dataclass(frozen=True)
class Branch:
    """One acoustic branch.

    Attributes
    ----------
    name : "L", "SV" or "SH".
    velocity : long-wave sound velocity v (m s⁻¹).
    k_debye : Debye wavevector k_D (m⁻¹).
    dispersion : "debye" or "sine".
    """

    name: str
    velocity: float
    k_debye: float
    dispersion: str = "debye"

    @property
    def omega_cutoff(self) -> float:
        """Highest angular frequency of the branch ω_c (rad s⁻¹)."""
        if self.dispersion == "debye":
            return self.velocity * self.k_debye
        return 2.0 * self.velocity * self.k_debye / math.pi

    def wavevector(self, omega):
        """k(ω) (m⁻¹); NaN above the cutoff. omega: array (rad s⁻¹)."""
        w = np.asarray(omega, dtype=float)
        wc = self.omega_cutoff
        with np.errstate(invalid="ignore"):
            if self.dispersion == "debye":
                k = w / self.velocity
            else:
                k = 2.0 * self.k_debye / math.pi * np.arcsin(np.clip(w / wc, 0.0, 1.0))
        return np.where((w >= 0.0) & (w <= wc), k, np.nan)

    def group_velocity(self, omega):
        """v_g(ω) = dω/dk (m s⁻¹); 0 above the cutoff."""
        w = np.asarray(omega, dtype=float)
        wc = self.omega_cutoff
        if self.dispersion == "debye":
            vg = np.full_like(w, self.velocity)
        else:
            vg = self.velocity * np.sqrt(np.clip(1.0 - (w / wc) ** 2, 0.0, 1.0))
        return np.where((w >= 0.0) & (w <= wc), vg, 0.0)

    def dos_velocity(self, omega):
        """D(ω) v_g(ω) = k² / 2π² (m⁻²): the flux-carrying density; 0 above the cutoff."""
        w = np.asarray(omega, dtype=float)
        k = self.wavevector(w)
        return np.where(np.isnan(k) | (w > self.omega_cutoff), 0.0, np.nan_to_num(k) ** 2 / (2.0 * math.pi**2))

    def dos(self, omega):
        """Density of states per unit volume D(ω) = k² / (2π² v_g) (s m⁻³); 0 above the cutoff."""
        w = np.asarray(omega, dtype=float)
        vg = self.group_velocity(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = self.dos_velocity(w) / vg
        return np.where(vg > 0.0, d, 0.0)

    def heat_capacity(self, T):
        """Volumetric heat capacity of the branch C(T) = ∫ ħω D ∂n/∂T dω (J m⁻³ K⁻¹).

        T: scalar or array (K); returns the same shape. At T → ∞, C → n k_B.
        """
        T = np.asarray(T, dtype=float)
        w, wt = thermal_frequency_nodes(T.ravel(), [self.omega_cutoff])
        c = (HBAR * w * self.dos(w) * bose_derivative(w, T.reshape(-1, 1)) * wt).sum(axis=1)
        return c.reshape(T.shape)


def branches(material: Material, dispersion: str = "debye") -> tuple[Branch, ...]:
    """The acoustic branches of `material`: (L, SV, SH) for a solid, (L,) for a liquid."""
    if dispersion not in DISPERSIONS:
        raise ValueError(f"dispersion = {dispersion!r} is not known; valid: {', '.join(DISPERSIONS)}")
    kd = material.k_debye
    out = [Branch("L", material.v_long, kd, dispersion)]
    if not material.is_liquid:
        out += [Branch("SV", material.v_trans, kd, dispersion), Branch("SH", material.v_trans, kd, dispersion)]
    return tuple(out)
