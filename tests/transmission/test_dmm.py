"""DMM: detailed balance, limits, cutoffs."""

import numpy as np
import pytest
from hypothesis import given, settings

from phononmc.transmission import dmm
from tests.strategies import GE, HE, SI, media


@settings(max_examples=40, deadline=None)
@given(m1=media, m2=media)
def test_detailed_balance_and_bounds(m1, m2):
    for kind in ("debye", "sine"):
        w = np.linspace(0, 1.2, 300) * max(m1.v_long * m1.k_debye, m2.v_long * m2.k_debye)
        t12, t21 = dmm.transmission(m1, m2, w, kind), dmm.transmission(m2, m1, w, kind)
        assert np.all((t12 >= 0) & (t12 <= 1))
        both = (dmm.flux_density(m1, w, kind) > 0) & (dmm.flux_density(m2, w, kind) > 0)
        np.testing.assert_allclose((t12 + t21)[both], 1.0, atol=1e-14)
        # M_1 τ_12 = M_2 τ_21: as many modes cross each way
        np.testing.assert_allclose(dmm.flux_density(m1, w, kind) * t12, dmm.flux_density(m2, w, kind) * t21, rtol=1e-12)


def test_long_wave_closed_form_and_identical_media():
    s1 = 1 / SI.v_long**2 + 2 / SI.v_trans**2
    s2 = 1 / GE.v_long**2 + 2 / GE.v_trans**2
    assert dmm.transmission(SI, GE, np.array([0.0, 1e9]))[1] == pytest.approx(s2 / (s1 + s2), rel=1e-12)
    assert dmm.transmission(SI, GE, np.array([0.0]))[0] == pytest.approx(s2 / (s1 + s2), rel=1e-12)
    np.testing.assert_allclose(dmm.transmission(SI, SI, np.linspace(1e9, 1e13, 5)), 0.5)


def test_cutoffs():
    w_he = HE.v_long * HE.k_debye
    assert dmm.transmission(SI, HE, np.array([1.01 * w_he]))[0] == 0.0  # no He phonon to receive it
    w_ge_t = GE.v_trans * GE.k_debye
    above = dmm.transmission(SI, GE, np.array([1.01 * w_ge_t]))[0]
    assert above == pytest.approx((1 / GE.v_long**2) / (1 / GE.v_long**2 + 1 / SI.v_long**2 + 2 / SI.v_trans**2))
    with pytest.raises(ValueError, match="omega"):
        dmm.transmission(SI, GE, np.array([-1.0]))
