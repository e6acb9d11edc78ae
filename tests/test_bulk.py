"""Bulk relaxation times: rates, spectral heat capacity, κ and mean free path, validation, database."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate

from phononmc.bulk import (Scattering, conductivity, heat_capacity_spectrum, mean_free_path, scattering,
                           scattering_materials)
from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.materials import Material, material, subtables
from tests.strategies import HE, SI

GE = material("Ge")
# Si coefficients of Mingo, Phys. Rev. B 68, 113308 (2003), used below as a realistic set.
MINGO = dict(impurity=1.32e-45, umklapp=1.73e-19, umklapp_theta=137.3)


def _flux_sum(m, T):
    """Σ_j v_j C_j(T) with C_j from Branch.heat_capacity (J m⁻² s⁻¹ K⁻¹)."""
    return sum(b.velocity * float(b.heat_capacity(T)) for b in branches(m))


def _kappa_quad(m, s, T):
    """κ by scipy's adaptive quadrature, branch by branch over [0, ω_c]: an independent reference."""
    total = 0.0
    for j, b in enumerate(branches(m)):
        def f(w):
            return heat_capacity_spectrum(m, w, T)[j, 0] * b.velocity**2 / s.rate(m, j, w, T)
        total += integrate.quad(f, 0.0, b.omega_cutoff, limit=400, epsabs=0.0, epsrel=1e-11)[0]
    return total / 3.0


# --- rates ------------------------------------------------------------------------------------

W = np.array([1e11, 3e12, 4e13])


@pytest.mark.parametrize("m", [SI, HE], ids=["Si", "He4"])
def test_gray_rate_is_velocity_over_mfp_on_every_branch(m):
    s = Scattering(mfp=2e-7)
    assert s.is_gray
    for j, b in enumerate(branches(m)):
        np.testing.assert_allclose(s.rate(m, j, W, 300.0), np.full(3, b.velocity / 2e-7), rtol=1e-15)


def test_each_mechanism_against_its_formula():
    T = 250.0
    for j, b in enumerate(branches(SI)):
        np.testing.assert_allclose(Scattering(impurity=2e-45).rate(SI, j, W, T), 2e-45 * W**4, rtol=1e-14)
        np.testing.assert_allclose(Scattering(umklapp=1.5e-19, umklapp_theta=120.0).rate(SI, j, W, T),
                                   1.5e-19 * W**2 * T * math.exp(-120.0 / T), rtol=1e-14)
        np.testing.assert_allclose(Scattering(boundary=3e-6).rate(SI, j, W, T), np.full(3, b.velocity / 3e-6),
                                   rtol=1e-14)
        all_three = Scattering(impurity=2e-45, umklapp=1.5e-19, umklapp_theta=120.0, boundary=3e-6)
        np.testing.assert_allclose(all_three.rate(SI, j, W, T),
                                   2e-45 * W**4 + 1.5e-19 * W**2 * T * math.exp(-120.0 / T) + b.velocity / 3e-6,
                                   rtol=1e-14)


@pytest.mark.parametrize("s", [Scattering(mfp=1e-7), Scattering(**MINGO, boundary=1e-5), Scattering(**MINGO)],
                         ids=["gray", "all", "no-boundary"])
@pytest.mark.parametrize("m", [SI, HE], ids=["Si", "He4"])
def test_coefficients_give_the_rate(s, m):
    T = 180.0
    coef = s.coefficients(m, T)
    assert coef.shape == (len(branches(m)), 3)
    expected_row = ((1 / s.mfp, 0.0, 0.0) if s.is_gray else
                    (0.0 if s.boundary is None else 1 / s.boundary,
                     s.umklapp * T * math.exp(-s.umklapp_theta / T), s.impurity))
    for j, b in enumerate(branches(m)):
        np.testing.assert_allclose(coef[j], expected_row, rtol=1e-15)
        a_v, a2, a4 = coef[j]
        np.testing.assert_allclose(s.rate(m, j, W, T), a_v * b.velocity + a2 * W**2 + a4 * W**4, rtol=1e-14)


def test_rate_keeps_the_shape_of_omega():
    s = Scattering(**MINGO)
    assert s.rate(SI, 0, 1e13, 300.0).shape == ()
    assert s.rate(SI, 2, np.ones((2, 5)) * 1e13, 300.0).shape == (2, 5)


# --- heat capacity spectrum ---------------------------------------------------------------------


@pytest.mark.parametrize("T", [3.0, 77.0, 300.0, 2000.0])
@pytest.mark.parametrize("m", [SI, GE, HE], ids=["Si", "Ge", "He4"])
def test_heat_capacity_spectrum_integrates_to_the_branch_heat_capacity(m, T):
    for j, b in enumerate(branches(m)):
        c = integrate.quad(lambda w: heat_capacity_spectrum(m, w, T)[j, 0], 0.0, b.omega_cutoff,
                           limit=200, epsabs=0.0, epsrel=1e-11)[0]
        assert c == pytest.approx(float(b.heat_capacity(T)), rel=1e-8)


def test_heat_capacity_spectrum_shape_and_cutoffs():
    bs = branches(SI)
    w = np.array([0.5 * bs[1].omega_cutoff, 0.5 * (bs[1].omega_cutoff + bs[0].omega_cutoff),
                  1.01 * bs[0].omega_cutoff])
    c = heat_capacity_spectrum(SI, w, 300.0)
    assert c.shape == (3, 3)
    assert np.all(c[:, 0] > 0.0)
    assert c[0, 1] > 0.0 and c[1, 1] == 0.0 and c[2, 1] == 0.0  # only L above the transverse cutoff
    assert np.all(c[:, 2] == 0.0)
    # classical limit: C_j(ω) → k_B D_j(ω) = k_B ω² / (2π² v_j³)
    w = np.array([1e11])
    np.testing.assert_allclose(heat_capacity_spectrum(SI, w, 1e4)[:, 0],
                               [K_B * w[0] ** 2 / (2 * math.pi**2 * b.velocity**3) for b in bs], rtol=1e-6)


# --- conductivity and mean free path -------------------------------------------------------------


@pytest.mark.parametrize("T", [5.0, 300.0, 1500.0])
@pytest.mark.parametrize("m", [SI, HE], ids=["Si", "He4"])
def test_gray_conductivity_is_kinetic_theory(m, T):
    s = Scattering(mfp=3e-7)
    assert conductivity(m, s, T) == pytest.approx(3e-7 * _flux_sum(m, T) / 3.0, rel=1e-9)
    assert mean_free_path(m, s, T) == pytest.approx(3e-7, rel=1e-12)


@pytest.mark.parametrize("T", [2.0, 300.0])
def test_boundary_scattering_alone_is_the_casimir_limit(T):
    s = Scattering(boundary=1e-3)
    assert conductivity(SI, s, T) == pytest.approx(1e-3 * _flux_sum(SI, T) / 3.0, rel=1e-9)
    assert mean_free_path(SI, s, T) == pytest.approx(1e-3, rel=1e-12)


def test_umklapp_alone_has_the_classical_closed_form_and_falls_as_one_over_T():
    """At k_B T >> ħω_c, C_j(ω) = k_B ω²/(2π² v_j³), so κ = Σ_j k_B ω_c,j / (6π² v_j a2(T))."""
    s = Scattering(umklapp=1.73e-19, umklapp_theta=137.3)
    T = 2e5
    a2 = 1.73e-19 * T * math.exp(-137.3 / T)
    expected = sum(K_B * b.omega_cutoff / (6 * math.pi**2 * b.velocity * a2) for b in branches(SI))
    assert conductivity(SI, s, T) == pytest.approx(expected, rel=1e-5)
    assert conductivity(SI, s, 2 * T) * 2 * T * math.exp(-137.3 / (2 * T)) == pytest.approx(
        conductivity(SI, s, T) * T * math.exp(-137.3 / T), rel=1e-5)
    kappas = [conductivity(SI, s, T) for T in (300.0, 600.0, 1200.0, 2400.0)]
    assert all(k1 > k2 for k1, k2 in zip(kappas, kappas[1:]))


@pytest.mark.parametrize("T", [1.5, 3.0])
def test_impurity_and_umklapp_at_low_T_give_the_lorentzian_closed_form(T):
    """When ω₀ = √(a2/a4) << k_B T/ħ, C_j τ_j = k_B/(2π² v_j³)/(a2 + a4 ω²) over the whole peak, so
    κ = Σ_j (k_B / 6π² v_j) π / (2√(a2 a4)); ω₀ lies 8 to 30 decades below the thermal range here."""
    s = Scattering(**MINGO)
    a2 = MINGO["umklapp"] * T * math.exp(-MINGO["umklapp_theta"] / T)
    expected = sum(K_B / (6 * math.pi**2 * b.velocity) * math.pi / (2 * math.sqrt(a2 * MINGO["impurity"]))
                   for b in branches(SI))
    assert conductivity(SI, s, T) == pytest.approx(expected, rel=1e-8)


def test_impurity_alone_diverges_and_a_boundary_makes_it_finite():
    assert conductivity(SI, Scattering(impurity=1.32e-45), 300.0) == math.inf
    assert mean_free_path(SI, Scattering(impurity=1.32e-45), 300.0) == math.inf
    boundary = Scattering(boundary=1e-3)
    both = Scattering(impurity=1.32e-45, boundary=1e-3)
    for T in (1.0, 30.0, 300.0):
        k_both, k_b = conductivity(SI, both, T), conductivity(SI, boundary, T)
        assert 0.0 < k_both < k_b
        assert mean_free_path(SI, both, T) < 1e-3
    # at 0.5 K the thermal A ω⁴ is ~1e-5 of v/L_b: the Casimir value is approached
    assert conductivity(SI, both, 0.5) == pytest.approx(conductivity(SI, boundary, 0.5), rel=2e-5)
    assert conductivity(SI, both, 300.0) < 0.1 * conductivity(SI, boundary, 300.0)


@pytest.mark.parametrize("T", [10.0, 40.0, 300.0])
@pytest.mark.parametrize("boundary", [None, 1e-6, 1e-3])
def test_combined_conductivity_against_adaptive_quadrature(T, boundary):
    """Gauss–Legendre split at the cutoffs and at the crossovers of the mechanisms against scipy.quad."""
    s = Scattering(**MINGO, boundary=boundary)
    assert conductivity(SI, s, T) == pytest.approx(_kappa_quad(SI, s, T), rel=1e-7)


def test_mean_free_path_is_the_flux_weighted_v_tau():
    s = Scattering(**MINGO, boundary=1e-5)
    T = 120.0
    num = 0.0
    for j, b in enumerate(branches(SI)):
        num += integrate.quad(lambda w: heat_capacity_spectrum(SI, w, T)[j, 0] * b.velocity**2 / s.rate(SI, j, w, T),
                              0.0, b.omega_cutoff, limit=400, epsrel=1e-11)[0]
    assert mean_free_path(SI, s, T) == pytest.approx(num / _flux_sum(SI, T), rel=1e-7)
    assert mean_free_path(SI, s, T) == pytest.approx(3 * conductivity(SI, s, T) / _flux_sum(SI, T), rel=1e-9)


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(impurity=-1e-45), r"impurity = -1e-45 s\^3 is invalid.*>= 0"),
    (dict(umklapp=math.nan), r"umklapp = nan s/K is invalid"),
    (dict(umklapp=1e-19, umklapp_theta=math.inf), r"umklapp_theta = inf K is invalid"),
    (dict(impurity="lots"), r"impurity = 'lots' s\^3 is not a number"),
    (dict(umklapp=True), r"umklapp = True s/K is not a number"),
    (dict(impurity=None), r"impurity = None s\^3 is not a number"),
    (dict(mfp=0.0), r"mfp = 0.0 m is invalid.*> 0"),
    (dict(mfp=-1e-7), r"mfp = -1e-07 m is invalid"),
    (dict(boundary=0.0), r"boundary = 0.0 m is invalid.*> 0"),
    (dict(boundary=math.inf), r"boundary = inf m is invalid"),
    (dict(mfp=1e-7, impurity=1e-45), r"mfp = 1e-07 m makes the medium gray.*impurity = 1e-45"),
    (dict(mfp=1e-7, boundary=1e-6), r"gray.*boundary = 1e-06"),
    (dict(mfp=1e-7, umklapp=1e-19, umklapp_theta=100.0), r"gray.*umklapp = 1e-19, umklapp_theta = 100.0"),
    (dict(), r"no mechanism is set"),
    (dict(umklapp_theta=137.3, boundary=1e-6), r"umklapp_theta = 137.3 K is set but umklapp = 0"),
    (dict(mfp=1e-7, source=3), r"source = 3 must be a string"),
])
def test_invalid_scattering_is_rejected_naming_field_value_and_valid_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Scattering(**kwargs)


def test_fields_are_stored_as_floats():
    s = Scattering(impurity=np.float32(1e-45), umklapp="1.7e-19", umklapp_theta=137, boundary=1)
    assert all(type(getattr(s, f)) is float for f in ("impurity", "umklapp", "umklapp_theta", "boundary"))


@pytest.mark.parametrize("T", [0.0, -5.0, math.nan, "hot"])
def test_invalid_temperature_is_rejected(T):
    s = Scattering(**MINGO)
    for call in (lambda: s.coefficients(SI, T), lambda: heat_capacity_spectrum(SI, [1e12], T),
                 lambda: conductivity(SI, s, T)):
        with pytest.raises(ValueError, match=r"^T = .* K is"):
            call()


@pytest.mark.parametrize("index", [3, -1, 1.0, True])
def test_invalid_branch_index_is_rejected_listing_the_branches(index):
    with pytest.raises(ValueError, match=r"branch_index = .* is invalid; Si-like has branches 0 \(L\), 1 \(SV\), "
                                         r"2 \(SH\)"):
        Scattering(**MINGO).rate(SI, index, 1e12, 300.0)
    with pytest.raises(ValueError, match=r"He-like has branches 0 \(L\)$"):
        Scattering(**MINGO).rate(HE, 1, 1e12, 300.0)


# --- database ------------------------------------------------------------------------------------


def test_database_has_cited_coefficients_for_si_and_ge():
    assert {"Si", "Ge"} <= set(scattering_materials())
    for name in scattering_materials():
        s = scattering(name)
        assert isinstance(s, Scattering) and not s.is_gray
        assert s.source.strip(), name
        assert "dispersion" in s.source, f"{name}: the source must say which dispersion the fit belongs to"
        assert 0.0 < conductivity(material(name), s, 300.0) < math.inf


def test_si_coefficients_are_mingos():
    s = scattering("Si")
    assert (s.impurity, s.umklapp, s.umklapp_theta, s.boundary) == (1.32e-45, 1.73e-19, 137.3, None)
    assert "Phys. Rev. B 68, 113308 (2003)" in s.source


# Isotopic compositions (amount fractions) and isotope masses (u): J. Meija et al., Pure Appl.
# Chem. 88, 293 (2016) (CIAAW 2013), representative compositions.
ISOTOPES = {
    "Si": [(0.92223, 27.9769265), (0.04685, 28.9764947), (0.03092, 29.9737702)],
    "Ge": [(0.2057, 69.9242497), (0.2745, 71.9220758), (0.0775, 72.9234590), (0.3650, 73.9211778),
           (0.0773, 75.9214027)],
}
ATOMIC_WEIGHT = {"Si": 28.0855, "Ge": 72.630}  # IUPAC 2013 standard atomic weights (abridged)


def _mass_variance(name):
    f, m = np.array(ISOTOPES[name]).T
    mean = (f * m).sum() / f.sum()
    return (f * (1.0 - m / mean) ** 2).sum() / f.sum()


def _debye_velocity(m):
    return (3.0 / (1.0 / m.v_long**3 + 2.0 / m.v_trans**3)) ** (1.0 / 3.0)


def test_ge_estimate_follows_from_si_by_the_scaling_laws():
    """The Ge entry is Mingo's Si fit transferred by A ∝ Γ/(n v̄³) (Klemens) and B ∝ 1/(M v̄² Θ_D),
    θ_U ∝ Θ_D (Slack, equal Grüneisen γ), with the database's own Si and Ge constants."""
    assert _mass_variance("Si") == pytest.approx(2.007e-4, rel=1e-3)  # as quoted in the Ge source string
    assert _mass_variance("Ge") == pytest.approx(5.870e-4, rel=1e-3)
    si, ge = scattering("Si"), scattering("Ge")
    ms, mg = material("Si"), material("Ge")
    vs, vg = _debye_velocity(ms), _debye_velocity(mg)
    a = si.impurity * (_mass_variance("Ge") / mg.atom_density / vg**3) / (
        _mass_variance("Si") / ms.atom_density / vs**3)
    b = si.umklapp * (ATOMIC_WEIGHT["Si"] * vs**2 * ms.debye_temperature) / (
        ATOMIC_WEIGHT["Ge"] * vg**2 * mg.debye_temperature)
    theta = si.umklapp_theta * mg.debye_temperature / ms.debye_temperature
    assert ge.impurity == pytest.approx(a, rel=5e-3)
    assert ge.umklapp == pytest.approx(b, rel=5e-3)
    assert ge.umklapp_theta == pytest.approx(theta, rel=5e-3)
    assert "ESTIMATE" in ge.source


def test_scattering_lookup_is_case_insensitive_and_unknown_names_list_the_valid_ones():
    assert scattering("si") is scattering("Si")
    assert scattering("GE") is scattering("Ge")
    with pytest.raises(KeyError) as excinfo:
        scattering("Cu")  # in the materials database, without coefficients
    assert "'Cu'" in str(excinfo.value)
    for name in scattering_materials():
        assert name in str(excinfo.value)


def test_material_is_built_without_the_subtable():
    assert "scattering" not in {f.name for f in dataclasses.fields(Material)}
    assert set(subtables("scattering")) == set(scattering_materials())
    si = material("Si")
    assert isinstance(si, Material) and si.density == 2329.0
    with pytest.raises(ValueError, match="subtable 'phonons' is not known; valid: scattering"):
        subtables("phonons")


def test_database_coefficients_at_300K_are_the_reported_ones():
    """κ and Λ̄ of the built-in sets with Debye branches (quoted in docs/theory.md, "Bulk scattering")."""
    assert conductivity(material("Si"), scattering("Si"), 300.0) == pytest.approx(241.3, rel=2e-3)
    assert mean_free_path(material("Si"), scattering("Si"), 300.0) == pytest.approx(72.8e-9, rel=2e-3)
    assert conductivity(material("Ge"), scattering("Ge"), 300.0) == pytest.approx(103.2, rel=2e-3)
    assert mean_free_path(material("Ge"), scattering("Ge"), 300.0) == pytest.approx(48.4e-9, rel=2e-3)


def test_hbar_sets_the_spectrum_scale():
    """C_j(ω) at x = ħω/k_BT = 1: ħω D ∂n/∂T with ∂n/∂T = (x/T) eˣ/(eˣ − 1)² written out."""
    T = 50.0
    w = K_B * T / HBAR
    b = branches(SI)[0]
    expected = HBAR * w * w**2 / (2 * math.pi**2 * b.velocity**3) * (1.0 / T) * math.e / (math.e - 1.0) ** 2
    assert heat_capacity_spectrum(SI, [w], T)[0, 0] == pytest.approx(expected, rel=1e-12)
