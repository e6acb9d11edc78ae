"""1D chain with N interlayer atoms: reduction to the two-chain junction, an independent
transfer-matrix solution (transmission and energy conservation), reciprocity, exactly
equivalent interlayers, the single-atom optimum, graded layers, and the conductance."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from phononmc.constants import HBAR, K_B
from phononmc.transmission import chain

from .test_chain import AMU, CASES, IDS, omega_max, theta

LEADS = [c[:4] for c in CASES]


def reference(omega, m1, k1, m2, k2, masses, springs, n_side=3):
    """(τ, |r|²) by propagating the equations of motion site by site (independent of chain.py).

    Sites: n_side atoms of chain 1, the interlayer, n_side atoms of chain 2. On the first
    two sites u_n = e^{iq1 n} + r e^{−iq1 n}; m_j ω² u_j + K_{j−1}(u_{j−1} − u_j) +
    K_j(u_{j+1} − u_j) = 0 gives u_{j+1}; a pure outgoing wave on the last two sites fixes
    r; τ is the ratio of the energy fluxes k sin q |amplitude|².
    """
    ms = [m1] * n_side + list(masses) + [m2] * n_side
    ks = [k1] * (n_side - 1) + list(springs) + [k2] * (n_side - 1)
    q1 = 2.0 * np.arcsin(omega * np.sqrt(m1 / (4.0 * k1)))
    q2 = 2.0 * np.arcsin(omega * np.sqrt(m2 / (4.0 * k2)))
    a = [1.0 + 0j, np.exp(1j * q1)]
    b = [1.0 + 0j, np.exp(-1j * q1)]
    for j in range(1, len(ms) - 1):
        for u in (a, b):
            force = ms[j] * omega**2 * u[j] + ks[j - 1] * (u[j - 1] - u[j])
            u.append(u[j] - force / ks[j])
    lam = np.exp(1j * q2)
    r = (lam * a[-2] - a[-1]) / (b[-1] - lam * b[-2])
    t_amp = a[-2] + r * b[-2]
    return k2 * np.sin(q2) * abs(t_amp) ** 2 / (k1 * np.sin(q1)), abs(r) ** 2


def random_interlayer(rng, n, m1, k1, m2, k2):
    """n masses and n + 1 springs within a factor 3 of the leads' range."""
    lo_m, hi_m = min(m1, m2) / 3, max(m1, m2) * 3
    lo_k, hi_k = min(k1, k2) / 3, max(k1, k2) * 3
    return np.exp(rng.uniform(math.log(lo_m), math.log(hi_m), n)), np.exp(
        rng.uniform(math.log(lo_k), math.log(hi_k), n + 1)
    )


def g_of(T, leads, masses, springs):
    """G (W/K per chain) through an interlayer at T (K), or its classical limit for T = None."""
    if T is not None:
        return float(chain.interlayer_conductance(T, *leads, masses, springs))
    tau_of = chain._bind_interlayer(np.asarray(masses, float), np.asarray(springs, float))
    return chain._classical(*leads, tau_of, 1.0)


# --------------------------------------------------------------------------- transmission


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_zero_atoms_is_the_two_chain_junction(case):
    m1, k1, m2, k2, k12 = case
    k12 = chain.default_interface_spring(k1, k2) if k12 is None else k12
    omega = omega_max(m1, k1, m2, k2) * np.concatenate([[0.0, 1e-9], np.linspace(1e-3, 1.2, 400)])
    got = chain.interlayer_transmission(omega, m1, k1, m2, k2, [], [k12])
    # the same closed form, evaluated in a different order: round-off only
    assert np.max(np.abs(got - chain.transmission(omega, *case))) < 1e-13


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("leads", LEADS[:4] + LEADS[6:], ids=IDS[:4] + IDS[6:])
def test_agrees_with_transfer_matrix_and_conserves_energy(leads, n):
    rng = np.random.default_rng(1000 * n + len(leads))
    masses, springs = random_interlayer(rng, n, *leads)
    omega = omega_max(*leads) * np.linspace(1e-3, 1 - 1e-3, 157)
    got = chain.interlayer_transmission(omega, *leads, masses, springs)
    for w, g in zip(omega, got):
        tau, refl = reference(w, *leads, masses, springs)
        assert abs(tau + refl - 1.0) < 1e-9  # the reference itself conserves energy
        assert abs(g + refl - 1.0) < 1e-9  # τ (code) + R (independent) = 1


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(0, 30),
    lm=st.floats(-1.5, 1.5),
    lk=st.floats(-1.5, 1.5),
    frac=st.floats(0.0, 1.2),
)
def test_bounded_and_reciprocal_property(seed, n, lm, lk, frac):
    m1, k1 = 28 * AMU, 30.0
    m2, k2 = m1 * 10.0**lm, k1 * 10.0**lk
    masses, springs = random_interlayer(np.random.default_rng(seed), n, m1, k1, m2, k2)
    w = frac * omega_max(m1, k1, m2, k2)
    fwd = chain.interlayer_transmission(w, m1, k1, m2, k2, masses, springs)
    back = chain.interlayer_transmission(w, m2, k2, m1, k1, masses[::-1], springs[::-1])
    assert 0.0 <= fwd <= 1.0
    assert abs(fwd - back) < 1e-11
    if frac >= 1.0:
        assert fwd == 0.0


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("n", [1, 3, 10])
def test_interlayer_of_lead_atoms_is_the_junction(case, n):
    """N atoms m1 joined by k1 are just more of chain 1: with the last spring k12 the
    structure is the junction with interface spring k12 (a lead atom's position is
    unobservable in τ). Likewise N atoms m2 after a first spring k12, on the chain-2 side."""
    m1, k1, m2, k2, k12 = case
    k12 = chain.default_interface_spring(k1, k2) if k12 is None else k12
    omega = omega_max(m1, k1, m2, k2) * np.linspace(0.0, 1.1, 301)
    junction = chain.transmission(omega, m1, k1, m2, k2, k12)
    side1 = chain.interlayer_transmission(omega, m1, k1, m2, k2, [m1] * n, [k1] * n + [k12])
    side2 = chain.interlayer_transmission(omega, m1, k1, m2, k2, [m2] * n, [k12] + [k2] * n)
    assert np.max(np.abs(side1 - junction)) < 1e-12
    assert np.max(np.abs(side2 - junction)) < 1e-12
    # and an interlayer of chain-1 atoms with every spring k1 is the junction with k12 = k1
    all_k1 = chain.interlayer_transmission(omega, m1, k1, m2, k2, [m1] * n, [k1] * (n + 1))
    assert np.max(np.abs(all_k1 - chain.transmission(omega, m1, k1, m2, k2, k1))) < 1e-12


def test_evanescent_interlayer_is_stable():
    """Heavy interlayer atoms (their band edge 20x below ω) make waves decay ~1e-5 in τ per
    site: τ falls geometrically with N to below 1e-259 (50 atoms), then to exactly 0."""
    m, k = 28 * AMU, 30.0
    w = 0.5 * chain.cutoff(m, k)
    taus = [float(chain.interlayer_transmission(w, m, k, m, k, [400 * m] * n, [k] * (n + 1)))
            for n in (1, 2, 3, 50, 400)]
    assert all(math.isfinite(t) and t >= 0.0 for t in taus)
    assert taus[0] > taus[1] > taus[2] > 0.0
    ratio1, ratio2 = taus[1] / taus[0], taus[2] / taus[1]
    assert ratio2 == pytest.approx(ratio1, rel=1e-3, abs=0)  # a constant decay factor per site
    assert ratio1 < 1e-4
    assert math.log(taus[3]) == pytest.approx(math.log(taus[2]) + 47 * math.log(ratio2), rel=1e-3, abs=0)
    assert taus[4] == 0.0  # product overflowed: 0, not NaN


# --------------------------------------------------------------------------- single-atom optimum


@settings(max_examples=100, deadline=None)
@given(lm=st.floats(-1.3, 1.3), lk=st.floats(-1.3, 1.3), lx=st.floats(-2.0, 2.0), frac=st.floats(0.0, 0.999))
def test_arithmetic_mean_mass_maximises_tau_at_every_omega(lm, lk, lx, frac):
    """Springs (k1, k2): τ(m) ≤ τ((m1 + m2)/2) = 4 Z1c1 Z2c2/(Z1c1 + Z2c2)² at every ω."""
    m1, k1 = 28 * AMU, 30.0
    m2, k2 = m1 * 10.0**lm, k1 * 10.0**lk
    w = frac * omega_max(m1, k1, m2, k2)
    mean = 0.5 * (m1 + m2)
    best = chain.interlayer_transmission(w, m1, k1, m2, k2, [mean], [k1, k2])
    other = chain.interlayer_transmission(w, m1, k1, m2, k2, [mean * 10.0**lx], [k1, k2])
    assert other <= best + 1e-13
    zc1 = math.sqrt(m1 * k1) * math.sqrt(1 - (w / chain.cutoff(m1, k1)) ** 2)
    zc2 = math.sqrt(m2 * k2) * math.sqrt(1 - (w / chain.cutoff(m2, k2)) ** 2)
    assert best == pytest.approx(4 * zc1 * zc2 / (zc1 + zc2) ** 2, abs=1e-10)


@pytest.mark.parametrize("leads", [LEADS[0], LEADS[2], LEADS[4], LEADS[6]], ids=["c0", "c2", "c4", "c6"])
@pytest.mark.parametrize("T_over_theta", [None, 0.05, 0.5])
def test_optimum_mass_with_neighbour_springs_is_arithmetic_mean(leads, T_over_theta):
    """The known result (Polanco et al. 2013), compared exactly as it is stated: the
    interlayer atom between the neighbours' springs k1 and k2, mass optimised for G.
    It is exact at every ω (test above), so the only tolerance is the optimiser's: Brent
    stops at xatol = 1e-9 in log m, and G is quadratic at its maximum, so 1e-6 is ample and
    still 1e4 times tighter than the nearest alternative (geometric mean: ≥ 1e-2 off here)."""
    m1, k1, m2, k2 = leads
    T = None if T_over_theta is None else T_over_theta * theta(*leads)
    mass, springs, g = chain.optimal_interlayer(m1, k1, m2, k2, T=T, springs=(k1, k2))
    assert mass == pytest.approx(0.5 * (m1 + m2), rel=1e-6, abs=0)
    np.testing.assert_array_equal(springs, [k1, k2])
    for lower in (0.9 * mass, 1.1 * mass):
        assert g_of(T, leads, [lower], [k1, k2]) < g
    assert g == pytest.approx(g_of(T, leads, [mass], [k1, k2]), rel=1e-12, abs=0)


def test_free_springs_beat_the_primitive_block_atom():
    """With all three parameters free the optimum is not the arithmetic-mean atom between
    (k1, k2): for equal masses and k2 = 3k1 the free optimum carries 14 % more classical G
    (measured 1.1414). It must also beat the best bare junction (harmonic-mean bond) and be
    a local maximum (±2 % on each parameter lowers G)."""
    m1, k1, m2, k2 = 28 * AMU, 30.0, 28 * AMU, 90.0
    mass, (ka, kb), g = chain.optimal_interlayer(m1, k1, m2, k2)

    def g_cl(ms, ks):
        return g_of(None, (m1, k1, m2, k2), ms, ks)

    primitive = g_cl([0.5 * (m1 + m2)], [k1, k2])
    assert g / primitive == pytest.approx(1.1414, abs=2e-3)
    assert g > g_cl([], [chain.default_interface_spring(k1, k2)])
    for p in ([mass * 1.02, ka, kb], [mass, ka * 1.02, kb], [mass, ka, kb * 1.02],
              [mass * 0.98, ka, kb], [mass, ka * 0.98, kb], [mass, ka, kb * 0.98]):
        assert g_cl(p[:1], p[1:]) < g
    assert g == pytest.approx(g_cl([mass], [ka, kb]), rel=1e-14, abs=0)


# --------------------------------------------------------------------------- graded layers


def test_graded_interlayer_profile():
    m1, k1, m2, k2 = 28 * AMU, 30.0, 73 * AMU, 45.0
    masses, springs = chain.graded_interlayer(m1, k1, m2, k2, 0)
    assert masses.shape == (0,)
    assert springs == pytest.approx([chain.default_interface_spring(k1, k2)], rel=1e-15, abs=0)
    masses, springs = chain.graded_interlayer(m1, k1, m2, k2, 1)
    assert masses == pytest.approx([0.5 * (m1 + m2)], rel=1e-15, abs=0)
    assert springs == pytest.approx([4 * k1 * k2 / (k1 + 3 * k2), 4 * k1 * k2 / (3 * k1 + k2)], rel=1e-14, abs=0)
    masses, springs = chain.graded_interlayer(m1, k1, m2, k2, 9)
    assert np.allclose(np.diff(masses), (m2 - m1) / 10, rtol=1e-12, atol=0)
    assert np.allclose(np.diff(1 / springs), (1 / k2 - 1 / k1) / 10, rtol=1e-12, atol=0)


def test_thick_graded_layer_approaches_full_transmission():
    """Z ratio √10 (τ_sharp ≈ 0.73): a graded layer many wavelengths thick reflects less and
    less (WKB), 1 − τ < 1e-3 for 800 atoms at ω = 0.1 ω_max, while at ω → 0 (wavelength ≫
    layer) τ stays the long-wave 4Z1Z2/(Z1 + Z2)²."""
    m1, k1, m2, k2 = 28 * AMU, 30.0, 280 * AMU, 30.0
    wmax = omega_max(m1, k1, m2, k2)
    tau0 = chain.long_wave_transmission(m1, k1, m2, k2)
    sharp = chain.transmission(0.1 * wmax, m1, k1, m2, k2)
    assert sharp < 0.75
    refl = []
    for n in (10, 50, 200, 800):
        layer = chain.graded_interlayer(m1, k1, m2, k2, n)
        refl.append(1 - chain.interlayer_transmission(0.1 * wmax, m1, k1, m2, k2, *layer))
        assert chain.interlayer_transmission(1e-9 * wmax, m1, k1, m2, k2, *layer) == pytest.approx(tau0, abs=1e-6)
    assert all(a > b for a, b in zip(refl, refl[1:]))
    assert refl[-1] < 1e-3


# --------------------------------------------------------------------------- conductance


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conductance_zero_atoms_is_junction_conductance(case):
    m1, k1, m2, k2, k12 = case
    k12 = chain.default_interface_spring(k1, k2) if k12 is None else k12
    T = theta(m1, k1, m2, k2) * np.geomspace(1e-3, 10, 9)
    got = chain.interlayer_conductance(T, m1, k1, m2, k2, [], [k12], area=2e-19)
    np.testing.assert_allclose(got, chain.conductance(T, *case, area=2e-19), rtol=1e-13)


def test_conductance_matches_adaptive_quadrature_and_detailed_balance():
    m1, k1, m2, k2 = LEADS[0]
    masses, springs = random_interlayer(np.random.default_rng(7), 4, m1, k1, m2, k2)
    wmax = omega_max(m1, k1, m2, k2)
    for Tf in (0.02, 0.3, 3.0):
        T = Tf * theta(m1, k1, m2, k2)

        def f(w):
            x = HBAR * w / (K_B * T)
            weight = x * x * math.exp(x) / math.expm1(x) ** 2 if 0 < x < 700 else (1.0 if x == 0 else 0.0)
            return weight * float(chain.interlayer_transmission(w, m1, k1, m2, k2, masses, springs))

        top = min(wmax, 60 * K_B * T / HBAR)
        ref = integrate.quad(f, 0, top, epsabs=0, epsrel=1e-11, limit=500)[0] * K_B / (2 * math.pi * 3e-19)
        got = chain.interlayer_conductance(T, m1, k1, m2, k2, masses, springs, area=3e-19)
        assert got == pytest.approx(ref, rel=1e-8, abs=0)
        back = chain.interlayer_conductance(T, m2, k2, m1, k1, masses[::-1], springs[::-1], area=3e-19)
        assert back == pytest.approx(got, rel=1e-11, abs=0)


def test_graded_layer_raises_conductance():
    m1, k1, m2, k2 = 28 * AMU, 30.0, 280 * AMU, 30.0
    T = 0.3 * theta(m1, k1, m2, k2)
    sharp = chain.conductance(T, m1, k1, m2, k2)
    graded = chain.interlayer_conductance(T, m1, k1, m2, k2, *chain.graded_interlayer(m1, k1, m2, k2, 40))
    assert graded > 1.1 * sharp


# --------------------------------------------------------------------------- validation


GOOD = dict(m1=28 * AMU, k1=30.0, m2=73 * AMU, k2=45.0)


def test_bad_interlayers_name_the_field():
    with pytest.raises(ValueError, match=r"^masses = -1\.0 kg is invalid: an interlayer mass"):
        chain.interlayer_transmission(1e12, **GOOD, masses=[-1.0], springs=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"^springs = 0\.0 N/m is invalid"):
        chain.interlayer_conductance(300.0, **GOOD, masses=[1e-25], springs=[1.0, 0.0])
    with pytest.raises(ValueError, match=r"^springs has shape \(1,\) and masses \(1,\): N interlayer atoms"):
        chain.interlayer_transmission(1e12, **GOOD, masses=[1e-25], springs=[1.0])
    with pytest.raises(ValueError, match=r"^m2 = "):
        chain.interlayer_transmission(1e12, 1e-25, 1.0, 0.0, 1.0, [], [1.0])
    with pytest.raises(ValueError, match=r"^n = -1 is invalid"):
        chain.graded_interlayer(**GOOD, n=-1)
    with pytest.raises(ValueError, match=r"^n = 2\.0 is invalid"):
        chain.graded_interlayer(**GOOD, n=2.0)
    with pytest.raises(ValueError, match=r"^T = -3\.0 K is invalid"):
        chain.optimal_interlayer(**GOOD, T=-3.0)
    with pytest.raises(ValueError, match=r"^springs has shape \(3,\)"):
        chain.optimal_interlayer(**GOOD, springs=[1.0, 2.0, 3.0])
