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
    assert labels[:2] == ["MC", "dmm"]  # legend in the order of `curves`


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


def _bars(container):
    """(x, y, lower, upper) of an errorbar container's markers and bar ends."""
    x, y = container.lines[0].get_data()
    seg = np.array(container.lines[2][0].get_segments())  # (n, 2, 2): bottom and top ends
    return np.asarray(x), np.asarray(y), seg[:, 0, 1], seg[:, 1, 1]


def test_residual_panel_shows_relative_difference():
    tp = np.array([10.0, 30.0, 100.0])
    ga = _curve(750.0, 6.5e8)[[6, 10, 14]]
    gp, ep = ga * np.array([1.01, 0.995, 1.0]), ga * np.array([0.004, 0.003, 0.002])
    fig = plot.conductance_figure(T, {"amm": _curve(750.0, 6.5e8)}, points={"amm": (tp, gp, ep, ga)})
    ax, ax_res = fig.axes
    x, y, lo, hi = _bars(ax_res.containers[0])
    np.testing.assert_allclose(x, tp)
    np.testing.assert_allclose(y, [1.0, -0.5, 0.0], atol=1e-12)  # per cent
    np.testing.assert_allclose(hi - y, [0.4, 0.3, 0.2], rtol=1e-9)
    np.testing.assert_allclose(y - lo, [0.4, 0.3, 0.2], rtol=1e-9)
    x, y, lo, hi = _bars(ax.containers[0])
    np.testing.assert_allclose(y, gp / 1e6)
    np.testing.assert_allclose(hi, (gp + ep) / 1e6)
    assert "%" in ax_res.get_ylabel()


def test_points_without_analytic_values_have_one_panel():
    G = _curve(620.0, 7.3e8)
    fig = plot.conductance_figure(T, {"dmm": G}, points={"dmm": (T[:3], G[:3], 0.01 * G[:3])})
    assert len(fig.axes) == 1


def test_hidden_error_bars_are_stated():
    G = _curve(620.0, 7.3e8)

    def legend(rel_err):
        fig = plot.conductance_figure(T, {"dmm": G}, points={"dmm": (T[:4], G[:4], rel_err * G[:4])})
        return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]

    assert any("smaller than the markers" in text for text in legend(1e-4))
    assert not any("smaller than the markers" in text for text in legend(0.5))


def test_per_T3_plots_G_over_T_cubed():
    G = _curve(7.4, 1e5)
    fig = plot.conductance_figure(T, {"amm": G}, lowT={"amm": 7.4}, per_T3=True,
                                  points={"amm": (T[:2], G[:2], 0.01 * G[:2])})
    ax = fig.axes[0]
    solid, dashed = ax.get_lines()[:2]
    np.testing.assert_allclose(solid.get_ydata(), G / T**3)
    y = dashed.get_ydata()
    np.testing.assert_allclose(y[np.isfinite(y)], 7.4)  # the T³ asymptote is flat
    np.testing.assert_allclose(_bars(ax.containers[0])[1], G[:2] / T[:2] ** 3)
    assert "T$^3$" in ax.get_ylabel()


@pytest.mark.parametrize("t_range, g_range", [((0.15, 4.0), (1e-8, 1e-4)), ((10.0, 30.0), (0.7, 20.0)),
                                              ((0.25, 4.0), (5e4, 1.8e5))])
def test_log_tick_labels_do_not_overlap(t_range, g_range):
    t = np.geomspace(*t_range, 30)
    fig = plot.conductance_figure(t, {"amm": np.geomspace(*g_range, 30) * 1e6})
    fig.draw_without_rendering()
    ax = fig.axes[0]
    for axis in (ax.xaxis, ax.yaxis):
        shown = [lab for lab in axis.get_ticklabels(which="both") if lab.get_visible() and lab.get_text()]
        lo, hi = sorted(axis.get_view_interval())
        where = 0 if axis is ax.xaxis else 1
        shown = [lab for lab in shown if lo <= lab.get_position()[where] <= hi]
        assert len(shown) >= 2, [lab.get_text() for lab in shown]
        boxes = [lab.get_window_extent() for lab in shown]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), [lab.get_text() for lab in shown]


def test_save_refuses_other_suffixes_and_names_the_path(tmp_path):
    fig = plot.conductance_figure(T, {"amm": _curve(750.0, 6.5e8)})
    with pytest.raises(ValueError, match=r"out\.txt.*\.png"):
        plot.save(fig, tmp_path / "out.txt")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError, match="missing") as info:
        plot.save(fig, tmp_path / "missing" / "G.png")
    assert ".tmp" not in str(info.value)
    target = tmp_path / "G.png"  # a non-empty directory: the final rename fails
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError) as info:
        plot.save(fig, target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)
