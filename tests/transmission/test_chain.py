"""1D chain junction: exact transmission against an independent transfer-matrix solution,
limits (long wave, band edge, identical chains), symmetry, and the conductance integral."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from phononmc.constants import HBAR, K_B
from phononmc.transmission import chain

AMU = 1.66053906660e-27  # kg

# (m1, k1, m2, k2, k12): light/heavy, stiff/soft, equal cutoffs, nearly equal cutoffs,
# weak and strong interface bonds, and the default (None).
CASES = [
    (28 * AMU, 30.0, 73 * AMU, 45.0, None),
    (28 * AMU, 30.0, 73 * AMU, 45.0, 5.0),
    (73 * AMU, 45.0, 28 * AMU, 30.0, 120.0),
    (40 * AMU, 10.0, 40 * AMU, 10.0, 3.0),
    (40 * AMU, 10.0, 160 * AMU, 40.0, None),  # equal cutoffs, Z ratio 4
    (40 * AMU, 10.0, 40.004 * AMU, 10.0, 25.0),  # cutoffs 5e-5 apart
    (4 * AMU, 2.0, 207 * AMU, 90.0, 0.7),
]
IDS = [f"case{i}" for i in range(len(CASES))]


def omega_max(m1, k1, m2, k2):
    return min(2 * math.sqrt(k1 / m1), 2 * math.sqrt(k2 / m2))


def theta(m1, k1, m2, k2):
    """ħ ω_max / k_B (K): the temperature scale of the junction."""
    return HBAR * omega_max(m1, k1, m2, k2) / K_B


# --------------------------------------------------------------------------- reference


def reference_transmission(omega, m1, k1, m2, k2, k12, n_side=4):
    """Transfer-matrix solution of the equations of motion, independent of chain.py.

    Sites 0..N−1: the first n_side are chain 1, the rest chain 2; bond j links sites j and
    j+1. On the first two sites u_n = e^{iq1 n} + r e^{−iq1 n}; the displacement is
    propagated site by site with m_j ω² u_j + K_{j−1}(u_{j−1} − u_j) + K_j(u_{j+1} − u_j) = 0,
    carrying the parts independent of r and proportional to r separately. Requiring a pure
    outgoing wave on the last two sites fixes r; τ is the ratio of energy fluxes
    k sin q |amplitude|². Returns (τ, |r|²).
    """
    masses = [m1] * n_side + [m2] * n_side
    springs = [k1] * (n_side - 1) + [k12] + [k2] * (n_side - 1)
    # dispersion m ω² = 2k(1 − cos q) = 4k sin²(q/2), solved for q in (0, π)
    q1 = 2.0 * np.arcsin(omega * np.sqrt(m1 / (4.0 * k1)))
    q2 = 2.0 * np.arcsin(omega * np.sqrt(m2 / (4.0 * k2)))
    a = [1.0 + 0j, np.exp(1j * q1)]  # r-independent part, n = 0, 1 within chain 1
    b = [1.0 + 0j, np.exp(-1j * q1)]  # part multiplying r
    for j in range(1, len(masses) - 1):
        for u in (a, b):
            force = masses[j] * omega**2 * u[j] + springs[j - 1] * (u[j - 1] - u[j])
            u.append(u[j] - force / springs[j])
    lam = np.exp(1j * q2)
    r = (lam * a[-2] - a[-1]) / (b[-1] - lam * b[-2])
    t_amp = a[-2] + r * b[-2]  # |amplitude| of the outgoing wave on chain 2
    tau = k2 * np.sin(q2) * abs(t_amp) ** 2 / (k1 * np.sin(q1))
    return tau, abs(r) ** 2


# --------------------------------------------------------------------------- transmission


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_agrees_with_transfer_matrix(case):
    wmax = omega_max(*case[:4])
    k12 = chain.default_interface_spring(case[1], case[3]) if case[4] is None else case[4]
    omega = wmax * np.linspace(1e-4, 1 - 1e-4, 301)
    got = chain.transmission(omega, *case)
    for w, g in zip(omega, got):
        tau, refl = reference_transmission(w, *case[:4], k12)
        assert abs(tau + refl - 1.0) < 1e-10  # the reference conserves energy
        assert abs(g - tau) < 1e-10


@settings(max_examples=200, deadline=None)
@given(
    lm1=st.floats(-27.0, -24.0),
    lk1=st.floats(-1.0, 3.0),
    lm2=st.floats(-27.0, -24.0),
    lk2=st.floats(-1.0, 3.0),
    lk12=st.one_of(st.none(), st.floats(-1.0, 3.0)),
    frac=st.floats(0.0, 1.5),
)
def test_bounded_and_matches_reference_property(lm1, lk1, lm2, lk2, lk12, frac):
    m1, k1, m2, k2 = 10.0**lm1, 10.0**lk1, 10.0**lm2, 10.0**lk2
    k12 = None if lk12 is None else 10.0**lk12
    wmax = omega_max(m1, k1, m2, k2)
    tau = chain.transmission(frac * wmax, m1, k1, m2, k2, k12)
    assert 0.0 <= tau <= 1.0
    if frac >= 1.0:
        assert tau == 0.0
    elif 1e-6 < frac < 1 - 1e-6:
        kk = chain.default_interface_spring(k1, k2) if k12 is None else k12
        assert abs(tau - reference_transmission(frac * wmax, m1, k1, m2, k2, kk)[0]) < 1e-9


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_long_wave_limit(case):
    m1, k1, m2, k2, _ = case
    z1, z2 = math.sqrt(m1 * k1), math.sqrt(m2 * k2)
    expected = 4 * z1 * z2 / (z1 + z2) ** 2
    assert chain.long_wave_transmission(m1, k1, m2, k2) == pytest.approx(expected, rel=1e-14)
    wmax = omega_max(m1, k1, m2, k2)
    omega = wmax * np.array([0.0, 1e-8, 1e-6, 1e-4])
    assert np.max(np.abs(chain.transmission(omega, *case) - expected)) < 1e-6
    assert chain.transmission(0.0, *case) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_zero_above_smaller_cutoff(case):
    m1, k1, m2, k2, _ = case
    wmax = omega_max(m1, k1, m2, k2)
    assert wmax == min(chain.cutoff(m1, k1), chain.cutoff(m2, k2))
    omega = wmax * np.array([1.0, 1.0 + 1e-12, 1.3, 2.0, 10.0])
    assert np.all(chain.transmission(omega, *case) == 0.0)
    assert chain.transmission(wmax * (1 - 1e-3), *case) > 0.0


def test_cutoff_value():
    assert chain.cutoff(2.0, 8.0) == 4.0


@pytest.mark.parametrize("m,k", [(28 * AMU, 30.0), (1.0, 1.0), (200 * AMU, 0.5)])
def test_identical_chains_transmit_fully(m, k):
    omega = chain.cutoff(m, k) * np.linspace(0.0, 1 - 1e-9, 2001)
    for k12 in (None, k):
        tau = chain.transmission(omega, m, k, m, k, k12)
        assert np.max(np.abs(tau - 1.0)) < 1e-12


def test_weak_interface_spring_tunnels():
    """A soft bond (k12 ≪ k) passes long waves fully but blocks ω ≫ k12/Z with τ ∝ k12²."""
    m, k = 28 * AMU, 30.0
    wc = chain.cutoff(m, k)
    assert chain.transmission(1e-7 * wc, m, k, m, k, 1e-3 * k) == pytest.approx(1.0, abs=1e-6)
    omega = wc * np.linspace(0.05, 0.95, 19)
    weak = chain.transmission(omega, m, k, m, k, 1e-5 * k)
    weaker = chain.transmission(omega, m, k, m, k, 0.5e-5 * k)
    assert np.all(weak < 1e-7)
    np.testing.assert_allclose(weaker / weak, 0.25, rtol=1e-4)  # O(k12/k) corrections


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_swapping_chains_gives_same_transmission(case):
    m1, k1, m2, k2, k12 = case
    omega = omega_max(m1, k1, m2, k2) * np.linspace(0.0, 1.2, 241)
    a = chain.transmission(omega, m1, k1, m2, k2, k12)
    b = chain.transmission(omega, m2, k2, m1, k1, k12)
    assert np.max(np.abs(a - b)) < 1e-13


def test_default_interface_spring_is_harmonic_mean():
    assert chain.default_interface_spring(30.0, 45.0) == pytest.approx(36.0, rel=1e-15)
    m1, k1, m2, k2 = 28 * AMU, 30.0, 73 * AMU, 45.0
    omega = omega_max(m1, k1, m2, k2) * np.linspace(0.0, 1.0, 101)
    np.testing.assert_array_equal(
        chain.transmission(omega, m1, k1, m2, k2),
        chain.transmission(omega, m1, k1, m2, k2, 36.0),
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_default_spring_gives_impedance_form(case):
    """With k12 = 2k1k2/(k1+k2): τ = 4Ẑ1Ẑ2/(Ẑ1+Ẑ2)², Ẑ_i = √(m_i k_i)/√(1 − (ω/ω_c,i)²)."""
    m1, k1, m2, k2, _ = case
    omega = omega_max(m1, k1, m2, k2) * np.linspace(0.0, 1 - 1e-6, 501)
    zh1 = math.sqrt(m1 * k1) / np.sqrt(1 - (omega / chain.cutoff(m1, k1)) ** 2)
    zh2 = math.sqrt(m2 * k2) / np.sqrt(1 - (omega / chain.cutoff(m2, k2)) ** 2)
    expected = 4 * zh1 * zh2 / (zh1 + zh2) ** 2
    # 1e-10: this expression loses digits in 1 − (ω/ω_c)² right at the band edge
    assert np.max(np.abs(chain.transmission(omega, m1, k1, m2, k2) - expected)) < 1e-10


@settings(max_examples=100, deadline=None)
@given(
    ratio_m=st.floats(0.05, 20.0),
    ratio_k=st.floats(0.05, 20.0),
    k12_factor=st.floats(0.05, 20.0),
    frac=st.floats(0.0, 0.999),
)
def test_default_spring_maximises_transmission(ratio_m, ratio_k, k12_factor, frac):
    m1, k1 = 28 * AMU, 30.0
    m2, k2 = ratio_m * m1, ratio_k * k1
    w = frac * omega_max(m1, k1, m2, k2)
    best = chain.transmission(w, m1, k1, m2, k2)
    other = chain.transmission(w, m1, k1, m2, k2, k12_factor * chain.default_interface_spring(k1, k2))
    assert other <= best + 1e-12


def test_output_shapes():
    args = CASES[0]
    assert chain.transmission(np.zeros((3, 4)), *args).shape == (3, 4)
    assert np.ndim(chain.transmission(1e12, *args)) == 0
    T = np.linspace(1.0, 500.0, 6).reshape(2, 3)
    assert chain.conductance(T, *args).shape == (2, 3)
    assert np.ndim(chain.conductance(300.0, *args)) == 0


# --------------------------------------------------------------------------- conductance


def quad_conductance(T, m1, k1, m2, k2, k12, area):
    """G(T) by adaptive quadrature of (1/S) ∫ dω/2π ħω τ ∂n/∂T directly in ω."""
    wmax = omega_max(m1, k1, m2, k2)

    def f(w):
        x = HBAR * w / (K_B * T)
        dndT = (x / T) * math.exp(x) / math.expm1(x) ** 2 if 0 < x < 700 else 0.0
        return HBAR * w * float(chain.transmission(w, m1, k1, m2, k2, k12)) * dndT

    top = min(wmax, 60 * K_B * T / HBAR)
    pts = [p for p in (0.5 * K_B * T / HBAR, 2 * K_B * T / HBAR, 8 * K_B * T / HBAR) if p < top]
    val, _ = integrate.quad(f, 0.0, top, points=pts or None, epsabs=0.0, epsrel=1e-12, limit=400)
    return val / (2 * math.pi * area)


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[5], CASES[6]], ids=["c0", "c3", "c5", "c6"])
def test_conductance_matches_adaptive_quadrature(case):
    scale = theta(*case[:4])
    T = scale * np.array([1e-3, 0.02, 0.1, 0.4, 1.0, 5.0])
    got = chain.conductance(T, *case, area=2.5e-19)
    for Ti, g in zip(T, got):
        ref = quad_conductance(Ti, *case, 2.5e-19)
        assert g == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_low_temperature_limit_is_linear(case):
    """G/T → π k_B² τ(0)/(6ħS): ∫_0^∞ x² eˣ/(eˣ−1)² dx = π²/3."""
    area = 1e-19
    tau0 = chain.long_wave_transmission(*case[:4])
    expected = math.pi * K_B**2 * tau0 / (6 * HBAR * area)
    # the relative deviation grows as T² (up to 2e-2 (T/θ)² for the weak-bond case)
    T = theta(*case[:4]) * np.array([1e-6, 1e-5])
    assert np.allclose(chain.conductance(T, *case, area=area) / T, expected, rtol=1e-6, atol=0)
    # and it is not linear at T ~ θ: the test above can tell the difference
    g1 = chain.conductance(theta(*case[:4]), *case, area=area)
    assert abs(g1 / theta(*case[:4]) / expected - 1) > 1e-2


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_high_temperature_limit_is_classical(case):
    scale = theta(*case[:4])
    g_cl = chain.classical_conductance(*case, area=3e-19)
    g_hot = chain.conductance(100 * scale, *case, area=3e-19)
    assert abs(g_hot / g_cl - 1) < 1e-3
    # leading correction: x²eˣ/(eˣ−1)² = 1 − x²/12 + ..., so G/G_cl ≈ 1 − (ħ/k_BT)²⟨ω²⟩/12
    wmax = omega_max(*case[:4])
    tau = lambda w: float(chain.transmission(w, *case))  # noqa: E731
    i0 = integrate.quad(tau, 0, wmax, epsabs=0, epsrel=1e-12, limit=200)[0]
    i2 = integrate.quad(lambda w: w * w * tau(w), 0, wmax, epsabs=0, epsrel=1e-12, limit=200)[0]
    T = 20 * scale
    deficit = 1 - chain.conductance(T, *case, area=3e-19) / g_cl
    assert deficit == pytest.approx((HBAR / (K_B * T)) ** 2 * i2 / (12 * i0), rel=1e-2)


@pytest.mark.parametrize("m,k", [(28 * AMU, 30.0), (1.0, 1.0)])
def test_classical_identical_chains(m, k):
    area = 7e-20
    expected = K_B * chain.cutoff(m, k) / (2 * math.pi * area)
    assert chain.classical_conductance(m, k, m, k, area=area) == pytest.approx(expected, rel=1e-10)
    assert chain.classical_conductance(m, k, m, k, k, area=area) == pytest.approx(expected, rel=1e-10)


def test_classical_constant_transmission():
    """Equal cutoffs + default k12 make τ(ω) = τ(0) flat: G_cl = k_B ω_c τ/(2πS) exactly."""
    m1, k1, m2, k2 = 40 * AMU, 10.0, 160 * AMU, 40.0
    wc = chain.cutoff(m1, k1)
    tau0 = chain.long_wave_transmission(m1, k1, m2, k2)
    assert tau0 == pytest.approx(0.64, rel=1e-14)
    omega = wc * np.linspace(0.0, 1 - 1e-9, 101)
    assert np.max(np.abs(chain.transmission(omega, m1, k1, m2, k2) - tau0)) < 1e-13
    expected = K_B * wc * tau0 / (2 * math.pi * 1e-19)
    assert chain.classical_conductance(m1, k1, m2, k2, area=1e-19) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conductance_detailed_balance_and_monotonic(case):
    m1, k1, m2, k2, k12 = case
    T = theta(m1, k1, m2, k2) * np.geomspace(1e-3, 30, 200)
    g12 = chain.conductance(T, m1, k1, m2, k2, k12)
    g21 = chain.conductance(T, m2, k2, m1, k1, k12)
    np.testing.assert_allclose(g12, g21, rtol=1e-12)
    assert np.all(np.diff(g12) > 0)
    assert np.all(g12 < chain.classical_conductance(m1, k1, m2, k2, k12))


# --------------------------------------------------------------------------- validation


GOOD = dict(m1=28 * AMU, k1=30.0, m2=73 * AMU, k2=45.0)


@pytest.mark.parametrize(
    "field,value",
    [("m1", -1.0), ("m1", 0.0), ("k1", float("nan")), ("m2", float("inf")), ("k2", -3.0), ("k12", 0.0)],
)
def test_bad_chain_parameters_name_the_field(field, value):
    kwargs = dict(GOOD, **{field: value})
    for call in (
        lambda: chain.transmission(1e12, **kwargs),
        lambda: chain.conductance(300.0, **kwargs),
        lambda: chain.classical_conductance(**kwargs),
    ):
        with pytest.raises(ValueError, match=rf"^{field} = .*invalid"):
            call()


def test_bad_mass_message_explains():
    with pytest.raises(ValueError, match=r"m1 = -1\.0 kg is invalid: a mass must be a finite number > 0"):
        chain.transmission(1e12, -1.0, 30.0, 1e-25, 45.0)


def test_long_wave_and_cutoff_validate():
    with pytest.raises(ValueError, match="^k2 = "):
        chain.long_wave_transmission(1e-25, 1.0, 1e-25, -1.0)
    with pytest.raises(ValueError, match="^m = "):
        chain.cutoff(0.0, 1.0)


@pytest.mark.parametrize("T", [0.0, -5.0, float("nan"), [10.0, -1.0], [1.0, float("inf")]])
def test_bad_temperature(T):
    with pytest.raises(ValueError, match=r"^T = .* K is invalid: a temperature"):
        chain.conductance(T, **GOOD)


@pytest.mark.parametrize("area", [0.0, -1e-19, float("nan"), "big"])
def test_bad_area(area):
    with pytest.raises(ValueError, match=r"^area = .*invalid: a cross-sectional area"):
        chain.conductance(300.0, **GOOD, area=area)
    with pytest.raises(ValueError, match=r"^area = "):
        chain.classical_conductance(**GOOD, area=area)


@pytest.mark.parametrize("omega", [-1.0, float("nan"), [1e12, -1e12]])
def test_bad_omega(omega):
    with pytest.raises(ValueError, match=r"^omega = .* rad/s is invalid"):
        chain.transmission(omega, **GOOD)
