"""Figures build headless, on log axes, with one line per curve and asymptote."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from phononmc import plot

T = np.geomspace(1.0, 300.0, 20)


def _curve(c3, g_inf):
    """A smooth G(T): c3 T³ at low T, saturating at g_inf (W m⁻² K⁻¹)."""
    return 1.0 / (1.0 / (c3 * T**3) + 1.0 / g_inf)


def test_conductance_figure_lines_and_axes():
    curves = {"amm": _curve(750.0, 6.5e8), "dmm": _curve(620.0, 7.3e8)}
    fig = plot.conductance_figure(T, curves, lowT={"amm": 750.0, "dmm": 620.0}, title="Si | Ge")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == 4  # two curves, two asymptotes
    solid = [ln for ln in lines if ln.get_linestyle() == "-"]
    dashed = [ln for ln in lines if ln.get_linestyle() == "--"]
    assert len(solid) == 2 and len(dashed) == 2
    # the asymptote shares its curve's colour and stays below ~3x the curve (MW units)
    for s, d in zip(solid, dashed):
        assert s.get_color() == d.get_color()
        x, y = d.get_data()
        ok = np.isfinite(y)
        assert ok.any()
        assert np.all(y[ok] <= plot.ASYMPTOTE_CLIP * np.interp(x[ok], s.get_xdata(), s.get_ydata()) * 1.001)
    # G is plotted in MW m^-2 K^-1
    np.testing.assert_allclose(solid[0].get_ydata(), curves["amm"] / 1e6)
    assert "MW" in ax.get_ylabel()
    assert ax.get_title() == "Si | Ge"


def test_without_asymptotes():
    fig = plot.conductance_figure(T, {"dmm": _curve(620.0, 7.3e8)})
    assert len(fig.axes[0].get_lines()) == 1


def test_error_bars():
    G = _curve(620.0, 7.3e8)
    fig = plot.conductance_figure(T, {"MC": (G, 0.02 * G), "dmm": G})
    ax = fig.axes[0]
    assert len(ax.containers) == 1  # one errorbar container
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["MC", "dmm"]  # legend in the order of `curves`


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="3 values for 20 temperatures"):
        plot.conductance_figure(T, {"amm": np.ones(3)})
    with pytest.raises(ValueError, match="no curve"):
        plot.conductance_figure(T, {"amm": _curve(1.0, 1.0)}, lowT={"dmm": 1.0})


def test_save_png(tmp_path):
    fig = plot.conductance_figure(T, {"amm": _curve(750.0, 6.5e8)}, lowT={"amm": 750.0})
    path = plot.save(fig, tmp_path / "G.png")
    data = path.read_bytes()
    assert len(data) > 1000
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["G.png"]  # no temporary file left
