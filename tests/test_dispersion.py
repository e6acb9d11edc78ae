"""Branches: mode counting, long-wave limits, heat capacity limits."""

import math

import numpy as np
import pytest

from phononmc.constants import HBAR, K_B
from phononmc.dispersion import Branch, branches
from phononmc.quadrature import split_gauss_cosine
from tests.strategies import HE, SI

KD = SI.k_debye


@pytest.mark.parametrize("kind", ["debye", "sine"])
def test_each_branch_holds_n_modes(kind):
    b = Branch("L", 8000.0, KD, kind)
    w, wt = split_gauss_cosine([0.0, b.omega_cutoff], 200)
    assert (b.dos(w) * wt).sum() == pytest.approx(KD**3 / (6 * math.pi**2), rel=1e-6)


def test_sine_branch_long_wave_and_edge():
    b = Branch("L", 8000.0, KD, "sine")
    assert b.omega_cutoff == pytest.approx(2 * 8000.0 * KD / math.pi)
    assert b.group_velocity(np.array([1e-6 * b.omega_cutoff]))[0] == pytest.approx(8000.0, rel=1e-9)
    assert b.group_velocity(np.array([b.omega_cutoff]))[0] == 0.0
    assert b.wavevector(np.array([b.omega_cutoff]))[0] == pytest.approx(KD)
    w = np.linspace(0.01, 0.99, 7) * b.omega_cutoff
    np.testing.assert_allclose(b.dos(w) * b.group_velocity(w), b.wavevector(w) ** 2 / (2 * math.pi**2))


def test_branch_sets():
    assert [b.name for b in branches(SI)] == ["L", "SV", "SH"]
    assert [b.name for b in branches(HE)] == ["L"]
    with pytest.raises(ValueError, match="dispersion = 'bvk'"):
        branches(SI, "bvk")


@pytest.mark.parametrize("kind", ["debye", "sine"])
def test_heat_capacity_limits(kind):
    b = Branch("L", 8000.0, KD, kind)
    n_kb = KD**3 / (6 * math.pi**2) * K_B
    assert b.heat_capacity(1e6) == pytest.approx(n_kb, rel=1e-6)  # Dulong–Petit per branch
    T = np.array([0.01, 0.1])  # sine dispersion adds a (T/Θ)² correction: keep T ≪ Θ
    low = 2 * math.pi**2 / 15 * K_B * (K_B * T / (HBAR * 8000.0)) ** 3  # Debye T³ law per branch
    np.testing.assert_allclose(b.heat_capacity(T), low, rtol=1e-5)
