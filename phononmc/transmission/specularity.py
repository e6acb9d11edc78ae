"""Specularity p: the probability that an interface event is specular (AMM) rather than diffuse.

* constant p;
* Ziman (Electrons and Phonons, 1960, §11.5): p(ω) = exp(−16π³η²/λ²) = exp(−4π η² k²);
* Soffer (J. Appl. Phys. 38, 1710 (1967)), angle-dependent:
  p(ω, θ) = exp(−16π²η² cos²θ / λ²) = exp(−4 η² k² cos²θ);

with η the rms roughness (m) and λ = 2π/k the wavelength of the incident phonon
(k in its own medium and branch). Because λ and θ are those of the incident phonon,
Ziman and Soffer p break detailed balance: G from side 1 and from side 2 differ.
"""

from __future__ import annotations

import math

import numpy as np

SPECULARITY_KINDS = ("constant", "ziman", "soffer")


def ziman(k, eta):
    """Ziman specularity exp(−4π η² k²); k (m⁻¹), η (m); broadcasts."""
    return np.exp(-4.0 * math.pi * eta**2 * np.asarray(k, dtype=float) ** 2)


def soffer(k, mu2, eta):
    """Soffer specularity exp(−4 η² k² μ²), μ = cos θ; k (m⁻¹), η (m); broadcasts."""
    return np.exp(-4.0 * eta**2 * np.asarray(k, dtype=float) ** 2 * np.asarray(mu2, dtype=float))


def soffer_hemispherical(k, eta):
    """∫_0^1 p_Soffer 2μ dμ = (1 − e^{−a})/a with a = 4η²k² (→ 1 as a → 0)."""
    a = 4.0 * eta**2 * np.asarray(k, dtype=float) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a > 1e-8, -np.expm1(-a) / np.where(a > 1e-8, a, 1.0), 1.0 - 0.5 * a)
