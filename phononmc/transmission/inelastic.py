"""A phenomenological inelastic transmission channel, in parallel to the elastic models.

A phonon of branch j of medium 1 at angular frequency ω and direction cosine μ crosses the
interface elastically with τ_el,j(ω, μ) (`models.elastic_tau`: AMM, DMM or a mix) and, in
addition, inelastically with

    τ_inel(ω, T) = A (T/T_ref)^q (ω/ω_ref)^m,
    a_1j(ω, μ) = min(τ_inel(ω, T), 1 − τ_el,j(ω, μ)),       τ_tot = τ_el + a ≤ 1.

The cap is applied per (ω, μ): with the DMM τ_el is angle independent, with the AMM it is
not, and capping the hemispherical average instead would let single directions exceed 1.
Above the receiving side's cutoffs τ_el = 0 and a = min(τ_inel, 1): a phonon that has no
elastic partner can still cross inelastically (the point of the channel).

An inelastically transmitted phonon is re-emitted in medium 2 at a new frequency ω′, branch
and direction drawn from F_2(ω′) a_2(ω′, μ′), F_2 ∝ ħω′ D_2 v_2 ∂n/∂T with Lambert directions
(medium 2's equilibrium emission). Microscopic detailed balance of the separable kernel
K_12(ω→ω′) = a_1(ω) g_2(ω′), K_21 = a_2(ω′) g_1(ω), F_1 a_1 g_2 = F_2 a_2 g_1, holds iff
g_2 ∝ F_2 a_2, g_1 ∝ F_1 a_1 and ∫F_1 a_1 = ∫F_2 a_2 ≡ G_inel. The channel from medium 2 is
therefore

    a_2j(ω, μ) = min(c, 1 − τ_el,21,j(ω, μ)),

with one constant c(T) ≥ 0 solved from ∫F_2 a_2 = G_inel (`landauer.inelastic_channel`).
Where its cap does not bind, medium 2 re-emits exactly its equilibrium distribution.
∫F_2 a_2 cannot exceed G_emit,2 − G_el (c = 1: everything medium 2 does not transmit
elastically); a larger G_inel is an error naming A.

This module holds the parameters (`Inelastic`), τ_inel and the cap; the μ-resolved elastic
τ and the hemispherical acceptance are in `models`, the thermal integrals (G_inel, c) in
`landauer`, so that `models.Model` can hold an `Inelastic` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from phononmc.validation import invalid, real

#: Default reference frequency ω_ref (rad s⁻¹): ħω_ref/k_B ≈ 76 K, within the thermal band of
#: the temperatures the code is used at, so A is τ_inel of a typical phonon rather than of an
#: extreme one. Irrelevant when m = 0.
OMEGA_REF = 1e13
#: Default reference temperature T_ref (K). Irrelevant when q = 0.
T_REF = 300.0


@dataclass(frozen=True)
class Inelastic:
    """τ_inel(ω, T) = A (T/T_ref)^q (ω/ω_ref)^m, validated on construction (errors name the field).

    A : amplitude, finite, >= 0 (dimensionless; 0 turns the channel off).
    q, m : temperature and frequency exponents, finite (any sign: the cap keeps τ_tot <= 1).
    T_ref : reference temperature (K), > 0.
    omega_ref : reference angular frequency (rad s⁻¹), > 0; default `OMEGA_REF`.
    """

    A: float
    q: float = 0.0
    m: float = 0.0
    T_ref: float = T_REF
    omega_ref: float = OMEGA_REF

    def __post_init__(self):
        checks = {
            "A": (lambda v: v >= 0.0, "the inelastic amplitude A must be a finite number >= 0"),
            "q": (lambda v: True, "the temperature exponent q must be a finite number"),
            "m": (lambda v: True, "the frequency exponent m must be a finite number"),
            "T_ref": (lambda v: v > 0.0, "the reference temperature T_ref must be a finite number > 0 (K)"),
            "omega_ref": (lambda v: v > 0.0,
                          "the reference angular frequency omega_ref must be a finite number > 0 (rad/s, e.g. 1e13)"),
        }
        for name, (ok, why) in checks.items():
            value = real(name, getattr(self, name), why)
            if not ok(value):
                raise invalid(name, getattr(self, name), why)
            object.__setattr__(self, name, value)

    @property
    def label(self) -> str:
        """"inelastic(A=0.2, q=1, m=1)"; T_ref and omega_ref appear when they differ from the
        defaults and matter (q ≠ 0, m ≠ 0)."""
        parts = [f"A={self.A:g}", f"q={self.q:g}", f"m={self.m:g}"]
        if self.q != 0.0 and self.T_ref != T_REF:
            parts.append(f"T_ref={self.T_ref:g}")
        if self.m != 0.0 and self.omega_ref != OMEGA_REF:
            parts.append(f"omega_ref={self.omega_ref:g}")
        return f"inelastic({', '.join(parts)})"

    def amplitude(self, T):
        """A (T/T_ref)^q: the side-1 amplitude at temperature(s) T (K); shape of T."""
        return self.A * (np.asarray(T, dtype=float) / self.T_ref) ** self.q


#: The keys of an inelastic table in a run file or a dict, in order.
INELASTIC_KEYS = tuple(f.name for f in fields(Inelastic))


def tau_inel(ch: Inelastic, omega, T):
    """τ_inel(ω, T) = A (T/T_ref)^q (ω/ω_ref)^m (uncapped), broadcasting ω (rad s⁻¹) and T (K).

    With m < 0 it is +inf at ω = 0 (the cap makes a finite there).
    """
    if not isinstance(ch, Inelastic):
        raise ValueError(f"ch = {ch!r} is not an Inelastic; use Inelastic(A=..., q=..., m=...)")
    T = np.asarray(T, dtype=float)
    if T.size == 0 or np.any(~np.isfinite(T)) or np.any(T <= 0.0):
        raise ValueError(f"T = {np.ravel(T)[:5]!r} K is invalid; temperatures must be finite and > 0 K")
    return power_law(ch.amplitude(T), ch.m, ch.omega_ref, _check_omega(omega))


def power_law(amplitude, exponent: float, omega_ref: float, omega):
    """amplitude (ω/ω_ref)^exponent, broadcasting; 0^0 = 1, 0^(negative) = +inf."""
    with np.errstate(divide="ignore"):
        return np.asarray(amplitude, dtype=float) * (np.asarray(omega, dtype=float) / omega_ref) ** exponent


def capped(tau, tau_el):
    """a = min(τ, 1 − τ_el) per (ω, μ), broadcasting: the inelastic share a transmission τ_el
    leaves. 1 − τ_el is clipped at 0 (τ_el may exceed 1 by round-off)."""
    return np.minimum(tau, np.maximum(1.0 - np.asarray(tau_el, dtype=float), 0.0))


def _check_omega(omega) -> np.ndarray:
    omega = np.asarray(omega, dtype=float)
    if np.any(~np.isfinite(omega)) or np.any(omega < 0.0):
        raise ValueError(f"omega = {np.ravel(omega)[:5]!r} rad/s is invalid; angular frequencies must be finite "
                         "and >= 0")
    return omega


@dataclass(frozen=True)
class Channel:
    """The inelastic channel at one temperature: what the Monte Carlo draws with.

    From side s (1: medium 1 emits, 2: medium 2 emits) a phonon crosses inelastically with
    a_s = min(amplitude[s−1] (ω/omega_ref)^exponent[s−1], 1 − τ_el,s(ω, μ)) and is re-emitted
    in the other medium ∝ F a of that medium.

    T : temperature (K).
    amplitude : (A (T/T_ref)^q, c): side 1's amplitude and side 2's constant c.
    exponent : (m, 0.0).
    omega_ref : ω_ref (rad s⁻¹).
    G_inel : ∫F_1 a_1 = ∫F_2 a_2 (W m⁻² K⁻¹), the heat the channel carries per kelvin.
    """

    T: float
    amplitude: tuple[float, float]
    exponent: tuple[float, float]
    omega_ref: float
    G_inel: float

    def acceptance(self, side: int, omega, tau_el):
        """a_side(ω, μ) for the elastic transmission tau_el of that side (broadcasting)."""
        if side not in (1, 2):
            raise ValueError(f"side = {side!r} is invalid; valid: 1 (phonons from m1) or 2 (from m2)")
        return capped(power_law(self.amplitude[side - 1], self.exponent[side - 1], self.omega_ref,
                                _check_omega(omega)), tau_el)

