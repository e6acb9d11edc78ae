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
and m2 (up-going) absorb. The energy fractions of the stack are the absorption
probabilities of this chain started in the incident state,

    x = e₀ᵀ (I − Q)⁻¹ R,

Q the transient → transient and R the transient → absorbing transition probabilities
(Kemeny & Snell, *Finite Markov Chains*, 1960, Thm 3.3.7). Layer thicknesses do not
enter (ballistic flights, no phase): a layer of zero thickness is still two interfaces
a packet bounces between, not the absence of a layer. A guided wave trapped in a layer by
total reflection on both faces forms a closed class of the chain; by reciprocity of the
interface fractions nothing from outside enters it, so the chain is solved on the states
reachable from the incident one.

**DMM.** A diffuse event sends the packet to side and branch ∝ D_j v_j = k_j²/2π² over
the branches open at ω on both sides: transmission τ_AB(ω) = M_B/(M_A + M_B) from
`dmm.transmission`, independent of branch and angle. Each layer is then one state per
direction and the same chain gives the stack's τ(ω). It has a closed form, resistances
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
#: Transition probabilities at or below this are round-off of the AMM solve (exact zeros
#: in exact arithmetic: evanescent or decoupled waves); they do not make a state reachable.
REACHABLE_ABOVE = 1e-13


def _check_omega(omega) -> np.ndarray:
    omega = np.asarray(omega, dtype=float)
    if np.any(~np.isfinite(omega)) or np.any(omega < 0.0):
        bad = float(omega[~np.isfinite(omega) | (omega < 0.0)].ravel()[0])
        raise ValueError(f"omega = {bad!r} rad/s is invalid; angular frequencies must be finite and >= 0")
    return omega


def _absorption(q, r):
    """Absorption probabilities of an absorbing Markov chain started in transient state 0.

    q : (..., n, n) transient → transient, r : (..., n, m) transient → absorbing
    transition probabilities. States not reachable from state 0 (through transitions
    above `REACHABLE_ABOVE`) are left out, so closed classes nothing enters do not make
    I − Q singular. Returns (..., m): e₀ᵀ (I − Q)⁻¹ R.
    """
    n = q.shape[-1]
    link = (q > REACHABLE_ABOVE).astype(float)
    reach = np.zeros(q.shape[:-1])
    reach[..., 0] = 1.0
    for _ in range(n - 1):
        reach = np.minimum(1.0, reach + (reach[..., None, :] @ link)[..., 0, :])
    keep = (reach[..., :, None] * reach[..., None, :]) > 0.0
    a = np.eye(n) - np.where(keep, q, 0.0)
    start = np.zeros(q.shape[:-1])
    start[..., 0] = 1.0
    visits = np.linalg.solve(np.swapaxes(a, -1, -2), start[..., None])[..., 0]  # expected visits per state
    return (visits[..., None, :] @ r)[..., 0, :]


def _fractions(a: Material, b: Material, s, incident: str, omega) -> np.ndarray:
    """AMM energy fractions, cutoffs applied, for a phonon of branch `incident` in a meeting b.

    Shape (6, n_ω, n_s), channels in the order of `amm.CHANNELS`: r into a, t into b.
    """
    c = amm.coefficients_slowness(a, b, s, incident).as_array()
    c = np.broadcast_to(c[:, None, :], (6, len(omega), len(s)))
    return amm.apply_cutoffs(c, amm.open_channels(a, b, incident, omega)[:, :, None], incident)


def _amm_chain(media, omega, s, incident):
    """The AMM chain at every (ω, s): fractions (6, n_ω, n_s) absorbed in m1 (r…) and m2 (t…)."""
    group = ("SH",) if incident == "SH" else ("L", "SV")
    nb, n_layers = len(group), len(media) - 2
    n = 1 + 2 * nb * n_layers

    def state(medium, down, g):  # transient index of (layer medium = 1…n_layers, direction, branch)
        return 1 + ((medium - 1) * 2 + down) * nb + g

    q = np.zeros((len(omega), len(s), n, n))
    r = np.zeros((len(omega), len(s), n, 6))
    for i in range(n_layers + 1):  # the interface between media i and i + 1
        for g, b in enumerate(group):
            # up-going in medium i meets it from below; down-going in medium i + 1 from above
            for src_medium, down, near, far in ((i, 0, i, i + 1), (i + 1, 1, i + 1, i)):
                if src_medium == n_layers + 1 or (src_medium == 0 and b != incident):
                    continue  # no packet arrives from inside m2, and m1 emits only `incident`
                src = 0 if src_medium == 0 else state(src_medium, down, g)
                f = np.moveaxis(_fractions(media[near], media[far], s, b, omega), 0, -1)
                for g_out, b_out in enumerate(group):
                    for prefix, medium, goes_down in (("r", near, 1 - down), ("t", far, down)):
                        share = f[..., amm.CHANNELS.index(prefix + b_out)]
                        if medium == 0:
                            r[..., src, amm.CHANNELS.index("r" + b_out)] = share
                        elif medium == n_layers + 1:
                            r[..., src, amm.CHANNELS.index("t" + b_out)] = share
                        else:
                            q[..., src, state(medium, goes_down, g_out)] = share
    return np.moveaxis(_absorption(q, r), -1, 0)


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
    # the chain depends on ω only through which branches are open: solve once per band
    band = np.searchsorted(np.unique(_cutoffs(*media)), omega, side="right")
    _, first, inverse = np.unique(band, return_index=True, return_inverse=True)
    return _amm_chain(media, omega[first], s, incident)[:, inverse.ravel()]


def incoherent_transmission_dmm(m1: Material, m2: Material, layers, omega) -> np.ndarray:
    """Incoherent DMM transmission τ(ω) of the stack for any phonon of m1; shape of omega (rad s⁻¹).

    Every event is diffuse with τ_AB = `dmm.transmission(A, B, ω)` (Debye branches);
    thicknesses are not used. 0 where m1 or m2 has no phonon at ω, or a layer has none.
    """
    layers = _check_stack(m1, m2, layers)
    omega = _check_omega(omega)
    media = [m1, *(l.material for l in layers), m2]
    n_layers, w = len(layers), omega.ravel()
    n = 1 + 2 * n_layers  # incident, then (up, down) in each layer
    q = np.zeros((len(w), n, n))
    r = np.zeros((len(w), n, 2))  # absorbed: back into m1, through into m2
    for i in range(n_layers + 1):  # the interface between media i and i + 1
        # up-going in medium i meets it from below; down-going in medium i + 1 from above
        for src_medium, down, near, far in ((i, 0, i, i + 1), (i + 1, 1, i + 1, i)):
            if src_medium == n_layers + 1:
                continue  # no packet arrives from inside m2
            src = 0 if src_medium == 0 else 2 * src_medium - 1 + down
            tau = dmm.transmission(media[near], media[far], w)
            for share, medium, goes_down in ((1.0 - tau, near, 1 - down), (tau, far, down)):
                if medium in (0, n_layers + 1):
                    r[:, src, int(medium > 0)] = share
                else:
                    q[:, src, 2 * medium - 1 + goes_down] = share
    return _absorption(q, r)[:, 1].reshape(omega.shape)


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
