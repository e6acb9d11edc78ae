"""Incoherent (particle) transmission of a stack of flat layers between two half-spaces.

The particle picture of the Monte Carlo kernels (`mc/events.py`): m1 (z < 0), the layers
in order, m2. A phonon packet meets each flat interface as a single-interface event and
flies ballistically (no bulk scattering) to the next one; a packet entering m1 or m2
leaves for good. Phases are not followed: the energies of the paths add. Each layer is a
Debye medium with its own branch cutoffs (unlike the continuum layers of the coherent
`multilayer`). This module lives apart from `multilayer` because it is a different
model, a Markov chain over interface events, that shares only the stack description.

**AMM.** At a specular event the packet takes the channel rL rSV rSH tL tSV tSH with the
AMM energy fractions of the interface it meets (`amm.coefficients_slowness`), a channel
whose outgoing branch is closed at ω handing its share to specular reflection in the
incident branch (`amm.open_channels`, `amm.apply_cutoffs`). Parallel interfaces conserve
the lateral slowness s, so at fixed (ω, s) the packet lives on a finite set of states:
in each layer, each branch that propagates at s (s < 1/v), going up (+z) or down, of the
polarization of the incident wave (P–SV: L, SV; SH alone). The states in m1 (down-going)
and m2 (up-going) absorb, and the energy fractions of the stack are the absorption
probabilities of this Markov chain started in the incident state (Kemeny & Snell, *Finite
Markov Chains*, 1960, Thm 3.3.7). The chain is a line of layers, so it is solved by the
incoherent adding method (`_adding`): the reflection and transmission matrices (between
branches) of the part of the stack above each interface, built from m2 down with one small
inverse per interface for the multiple reflections inside each layer — O(layers) work per
(ω, s) instead of a dense solve over all states. Layer thicknesses do not enter (ballistic
flights, no phase): a layer of zero thickness is still two interfaces a packet bounces
between, not the absence of a layer. A guided wave trapped in a layer by total reflection
on both faces is a closed class of the chain; by reciprocity of the interface fractions
nothing from outside enters it, and the adding step leaves it out.

**DMM.** A diffuse event sends the packet to side and branch ∝ D_j v_j = k_j²/2π² over
the branches open at ω on both sides: transmission τ_AB(ω) = M_B/(M_A + M_B) from
`dmm.transmission`, independent of branch and angle. Each layer is then one state per
direction and the same adding gives the stack's τ(ω). It has a closed form, resistances
in series: 1/(M_1 τ_stack) = 1/M_1 + Σ_layers 1/M_j + 1/M_2 (the tests check it).

Both α are piecewise constant in ω: ω enters only through which branches are open
(AMM), or through ratios of k² = ω²/v² (Debye DMM). The AMM chain is therefore solved
once per frequency band between consecutive cutoffs of all the media.

**Coherent vs incoherent.** Averaged over the layer thickness, the coherent fractions of
`multilayer.transmission_slowness` recover these exactly for a single layer and a scalar
wave (SH, or P–SV at normal incidence): the Airy average of |t|² is t₁t₂/(1 − r₁r₂), the
incoherent sum over paths. In general the thickness average keeps the interference of
distinct paths that acquire the same phase for every thickness — in one P–SV layer those
with the same numbers of L and T crossings in a different order (ω h (n_L q_L + n_T q_T)),
in a stack of several layers (even scalar) those with the same number of crossings of
every layer — so it does not reduce to the incoherent result. Si|Ge|Si (database media,
h ≫ λ, below all cutoffs): fractions off by up to 8·10⁻³ at oblique L incidence, hemispherical α off by
+0.1 % (L), −2.3 % (SV: beyond the Si L critical angle the L waves in Ge leave only by mode
conversion), 0 (SH); two scalar layers: ~10⁻⁵. See tests/transmission/test_incoherent.py
and docs/theory.md, "Multilayers (incoherent)".
"""

from __future__ import annotations

import numpy as np

from phononmc.dispersion import branches
from phononmc.landauer import _cutoffs, _thermal_integral
from phononmc.materials import Material
from phononmc.transmission import amm, dmm
from phononmc.transmission.multilayer import _check_stack

MODELS = ("amm", "dmm")
#: Energy fractions at or below this are round-off of the AMM solve (exact zeros in exact
#: arithmetic: evanescent or decoupled waves); they do not feed a branch (`_adding`).
FED_ABOVE = 1e-13


def _check_omega(omega) -> np.ndarray:
    omega = np.asarray(omega, dtype=float)
    if np.any(~np.isfinite(omega)) or np.any(omega < 0.0):
        bad = float(omega[~np.isfinite(omega) | (omega < 0.0)].ravel()[0])
        raise ValueError(f"omega = {bad!r} rad/s is invalid; angular frequencies must be finite and >= 0")
    return omega


def _adding(media, matrices):
    """Energy fractions of flux going up in m1 (row vectors, (…, nb) per branch of the group)
    after any number of bounces: (ℛ, 𝒯), each (…, nb, nb), reflected back into m1 and transmitted
    into m2. The incoherent adding method (van de Hulst, *Multiple Light Scattering*, 1980, ch. 4;
    Grant & Hunt, Proc. R. Soc. A 313, 183 (1969)), here for energy fractions between branches.

    media : m1, the layers, m2. matrices(a, b) → (R, T), each (…, nb, nb): a packet in a meeting
    b, reflected into a or transmitted into b. Up-going in medium k, interface k (media k | k + 1)
    gives (R⁺_k, T⁺_k) = matrices(k, k + 1); down-going in k + 1, (R⁻_k, T⁻_k) = matrices(k + 1, k)
    (no packet comes down from m2). Row convention, flux f → f M. From the last interface back,

        X = T⁺_k (I − ℛ_{k+1} R⁻_k)⁻¹,   ℛ_k = R⁺_k + X ℛ_{k+1} T⁻_k,   𝒯_k = X 𝒯_{k+1}.

    The matrices of an interface are asked for when the recursion reaches it, so the memory is
    that of a few interfaces whatever the number of layers.

    A branch of layer k + 1 that nothing enters from below (T⁺ column ≤ `FED_ABOVE`, directly or
    by conversion inside the layer) is left out of the inverse: a guided wave totally reflected
    at both faces makes I − ℛR⁻ singular, and by reciprocity nothing reaches it.
    """
    R, T = matrices(media[-2], media[-1])
    eye = np.eye(R.shape[-1])
    for k in range(len(media) - 3, -1, -1):
        (rp, tp), (rm, tm) = matrices(media[k], media[k + 1]), matrices(media[k + 1], media[k])
        fed = tp.max(axis=-2) > FED_ABOVE  # (…, nb): branches of layer k + 1 entered from below
        m = R @ rm
        fed |= (np.where(fed[..., :, None], m, 0.0) > FED_ABOVE).any(axis=-2)
        keep = fed[..., :, None] & fed[..., None, :]
        m = np.where(keep, m, 0.0)
        x = np.where(fed[..., None, :], tp, 0.0) @ _inverse(eye - m)
        R = rp + x @ np.where(fed[..., :, None], R, 0.0) @ tm
        T = x @ np.where(fed[..., :, None], T, 0.0)
    return R, T


def _inverse(a):
    """Inverses of a stack (…, nb, nb) of 1×1 or 2×2 matrices (the branch groups) by the adjugate:
    5× faster than `np.linalg.inv` on the millions of tiny matrices of a graded layer."""
    if a.shape[-1] == 1:
        return 1.0 / a
    adjugate = np.stack([np.stack([a[..., 1, 1], -a[..., 0, 1]], axis=-1),
                         np.stack([-a[..., 1, 0], a[..., 0, 0]], axis=-1)], axis=-2)
    return adjugate / (a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0])[..., None, None]


def _bands(media, omega):
    """(first, inverse): one frequency of each band between consecutive cutoffs of the media
    met in omega (1-D), and the band of every omega; ω enters the AMM fractions only there."""
    band = np.searchsorted(np.unique(_cutoffs(*media)), omega, side="right")
    _, first, inverse = np.unique(band, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _fractions(a: Material, b: Material, s, incident: str, omega) -> np.ndarray:
    """AMM energy fractions, cutoffs applied, for a phonon of branch `incident` in a meeting b.

    Shape (6, n_ω, n_s), channels in the order of `amm.CHANNELS`: r into a, t into b.
    """
    c = amm.coefficients_slowness(a, b, s, incident).as_array()
    c = np.broadcast_to(c[:, None, :], (6, len(omega), len(s)))
    return amm.apply_cutoffs(c, amm.open_channels(a, b, incident, omega)[:, :, None], incident)


def _amm_stack(media, omega, s, incident):
    """The AMM stack at every (ω, s) by `_adding`: fractions (6, n_ω, n_s) into m1 (r…) and m2 (t…)."""
    group = ("SH",) if incident == "SH" else ("L", "SV")

    def matrices(a, b):  # (R, T), each (n_ω, n_s, nb, nb): branch g of a meeting b → branch g' of a / of b
        first, inverse = _bands((a, b), omega)  # solved once per band of this interface
        f = np.stack([np.moveaxis(_fractions(a, b, s, g, omega[first]), 0, -1) for g in group], axis=-2)
        f = np.nan_to_num(f)[inverse]  # rows of branches that do not propagate at s: never entered
        return tuple(f[..., [amm.CHANNELS.index(prefix + g) for g in group]] for prefix in ("r", "t"))

    R, T = _adding(media, matrices)
    out = np.zeros((6, len(omega), len(s)))
    row = group.index(incident)
    for g, name in enumerate(group):
        out[amm.CHANNELS.index("r" + name)] = R[..., row, g]
        out[amm.CHANNELS.index("t" + name)] = T[..., row, g]
    return out


def incoherent_transmission_slowness(m1: Material, m2: Material, layers, omega, s, incident: str = "L") -> np.ndarray:
    """Incoherent AMM energy fractions (rL rSV rSH tL tSV tSH) of the stack, shape (6, n_ω, n_s).

    m1, m2 : outer media (m1 emits, at z < 0); layers : `multilayer.Layer` or
    (Material, thickness) pairs, solids (the thicknesses are not used: zero-thickness
    layers still count as two interfaces). omega : angular frequencies (rad s⁻¹), 1-D;
    s : lateral slownesses (s m⁻¹), 1-D, 0 ≤ s ≤ 1/v of the incident branch in m1.
    Debye cutoffs of every medium apply at every interface; above the incident branch's
    cutoff in m1 all fractions are 0, elsewhere they sum to 1.
    """
    amm._check_incident(m1, incident)
    layers = _check_stack(m1, m2, layers)
    omega = np.atleast_1d(_check_omega(omega))
    s = np.atleast_1d(np.asarray(s, dtype=float))
    v_in = m1.v_long if incident == "L" else m1.v_trans
    if np.any(~np.isfinite(s)) or np.any(s < 0.0) or np.any(s * v_in > 1.0):
        bad = float(s[~np.isfinite(s) | (s < 0.0) | (s * v_in > 1.0)][0])
        raise ValueError(f"s = {bad!r} s/m is invalid for {incident} in {m1.name}; valid: 0 <= s <= {1.0 / v_in:g}")
    media = [m1, *(l.material for l in layers), m2]
    first, inverse = _bands(media, omega)  # the stack depends on ω only through which branches are open
    return _amm_stack(media, omega[first], s, incident)[:, inverse]


def incoherent_transmission_dmm(m1: Material, m2: Material, layers, omega) -> np.ndarray:
    """Incoherent DMM transmission τ(ω) of the stack for any phonon of m1; shape of omega (rad s⁻¹).

    Every event is diffuse with τ_AB = `dmm.transmission(A, B, ω)` (Debye branches);
    thicknesses are not used. 0 where m1 or m2 has no phonon at ω, or a layer has none.
    """
    layers = _check_stack(m1, m2, layers)
    omega = _check_omega(omega)
    media = [m1, *(l.material for l in layers), m2]
    w = omega.ravel()

    def matrices(a, b):  # (R, T), each (n_ω, 1, 1): one state per medium and direction
        tau = dmm.transmission(a, b, w)[:, None, None]
        return 1.0 - tau, tau

    return _adding(media, matrices)[1][:, 0, 0].reshape(omega.shape)


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model = {model!r} is not an incoherent stack model; valid: {', '.join(MODELS)}")


def incoherent_alpha(m1: Material, m2: Material, layers, omega, model: str = "amm", n: int = 32) -> np.ndarray:
    """α_{1→2,j}(ω) = ∫_0^1 τ_j(ω, μ) 2μ dμ through the stack per branch j of m1, shape (3, *omega.shape).

    model "amm": τ_j from `incoherent_transmission_slowness`, angles by `amm.slowness_nodes`
    split at the critical slownesses of m1, m2 and every layer (n nodes per piece).
    model "dmm": τ(ω) of `incoherent_transmission_dmm` for every branch (as `landauer`).
    omega : angular frequencies (rad s⁻¹), any shape.
    """
    _check_model(model)
    omega = _check_omega(omega)
    if model == "dmm":
        return np.stack([incoherent_transmission_dmm(m1, m2, layers, omega)] * len(branches(m1)))
    others = [l.material for l in _check_stack(m1, m2, layers)]
    out = []
    for b in branches(m1):
        s, w = amm.slowness_nodes(m1, m2, b.name, n, others)
        fractions = incoherent_transmission_slowness(m1, m2, layers, omega.ravel(), s, b.name)
        out.append((fractions[3:].sum(axis=0) @ w).reshape(omega.shape))
    return np.stack(out)


def incoherent_conductance(m1: Material, m2: Material, layers, T, model: str = "amm", n_angle: int = 32):
    """Landauer G(T) (W m⁻² K⁻¹) through the stack in the particle picture, phonons emitted by m1.

    G = Σ_j ∫ (1/4) ħω D_1j v_1j α_1j(ω) ∂n/∂T dω with the α of `incoherent_alpha` (Debye
    branches of m1), frequencies split at the cutoffs of every medium (α jumps there).
    T : temperature(s) (K), result of its shape. n_angle : slowness nodes per piece.
    Detailed balance: equal to the G of the reversed stack emitted by m2.
    """
    _check_model(model)
    media = [m1, *(l.material for l in _check_stack(m1, m2, layers)), m2]

    def spectrum(omega):
        dv = np.stack([b.dos_velocity(omega) for b in branches(m1)])
        return (dv * incoherent_alpha(m1, m2, layers, omega, model, n_angle)).sum(axis=0)

    return _thermal_integral(spectrum, T, _cutoffs(*media))
