"""Diffuse Mismatch Model (Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Eq. 23).

A diffusely scattered phonon forgets where it came from; detailed balance then fixes
the transmission from side 1 at angular frequency ω as

    τ_12(ω) = M_2(ω) / (M_1(ω) + M_2(ω)),   M_i(ω) = Σ_j D_ij(ω) v_ij(ω) = Σ_j k_ij(ω)² / 2π²,

summing over the branches j of medium i that exist at ω (below their cutoff). τ is
independent of branch and angle; τ_12 + τ_21 = 1 wherever both sides have phonons.
Identical media give τ = 1/2 (the model's known limit, not 1 as in the AMM).
"""

from __future__ import annotations

import numpy as np

from phononmc.dispersion import branches
from phononmc.materials import Material


def flux_density(m: Material, omega, dispersion: str = "debye") -> np.ndarray:
    """M(ω) = Σ_j D_j v_j (m⁻²) over the branches of m open at ω; shape of omega."""
    omega = np.asarray(omega, dtype=float)
    return sum(b.dos_velocity(omega) for b in branches(m, dispersion))


def transmission(m1: Material, m2: Material, omega, dispersion: str = "debye") -> np.ndarray:
    """τ_12(ω) of the DMM for any phonon of m1; shape of omega (rad s⁻¹).

    0 where m2 has no phonon at ω (above all its cutoffs) and where m1 has none either.
    """
    omega = np.asarray(omega, dtype=float)
    if np.any(~np.isfinite(omega)) or np.any(omega < 0.0):
        raise ValueError("omega must be finite and >= 0 rad/s")
    omega = np.where(omega == 0.0, 1e-30, omega)  # the ω → 0 limit: M ∝ ω² on both sides
    m_1 = flux_density(m1, omega, dispersion)
    m_2 = flux_density(m2, omega, dispersion)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((m_1 > 0.0) & (m_2 > 0.0), m_2 / (m_1 + m_2), 0.0)
