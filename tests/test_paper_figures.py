"""analysis/conductance_vs_T.py and analysis/spectral_transmission.py: each runs on a small Monte
Carlo run made here, writes a PNG at one-column width, and plots exactly the numbers of the file;
the curves are checked against independent limits (radiation bound, T³ law, DMM closed form)."""

import importlib.util
from pathlib import Path

import h5py
import numpy as np
import pytest

import phononmc
from phononmc import landauer, plot
from phononmc.cli import main as phononmc_main
from phononmc.mc.run import read_table

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ANALYSIS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conductance_vs_T = _load("conductance_vs_T")
spectral = _load("spectral_transmission")

RUN = """
name = "paper"
seed = 3
output = "paper.h5"
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "amm"
[[models]]
kind = "mixed"
p = 0.5
[temperatures]
values = [20.0, 200.0]
[monte_carlo]
packets_per_batch = 20000
batches = 4
side = "both"
[tallies]
spectral_bins = 16
angle_bins = 4
"""
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paper")
    (folder / "paper.toml").write_text(RUN)
    assert phononmc_main(["run", str(folder / "paper.toml"), "--no-progress"]) == 0
    return folder / "paper.h5"  # points: amm 20 K, amm 200 K, mixed 20 K, mixed 200 K


def _built(script, argv, monkeypatch, tmp_path):
    """The Figure script.main builds (captured before saving) and the PNG a real run writes."""
    figures = []
    real = plot.save
    monkeypatch.setattr(plot, "save", lambda fig, path: figures.append(fig) or real(fig, path))
    out = tmp_path / "figure.png"
    assert script.main([*argv, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and out.stat().st_size > 10_000
    (fig,) = figures
    assert fig.get_size_inches()[0] == pytest.approx(plot.COLUMN_WIDTH)  # one column
    return fig


def _errorbars(ax):
    """(x, y) of every errorbar container of `ax`, in drawing order."""
    return [(c.lines[0].get_xdata(), c.lines[0].get_ydata()) for c in ax.containers]


def test_conductance_vs_T_plots_the_file_and_the_limits(results, monkeypatch, tmp_path):
    fig = _built(conductance_vs_T, [str(results), "--mixed", "0.25"], monkeypatch, tmp_path)
    ax, ax_res = fig.axes
    _, rows = read_table(results)
    rows = sorted(rows, key=lambda r: (r["model"] != "amm", r["model"]))  # amm, then mixed: the legend order
    mc = np.concatenate([y for _, y in _errorbars(ax)])
    np.testing.assert_allclose(mc, [r["G"] / 1e6 for r in rows], rtol=1e-12)
    residual = np.concatenate([y for _, y in _errorbars(ax_res)])
    np.testing.assert_allclose(residual, [100 * (r["G"] / r["G_analytic"] - 1) for r in rows], rtol=1e-9)
    assert np.all(np.abs(residual) < 5 * 100 * np.array([r["G_err"] / r["G_analytic"] for r in rows]))

    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert {"amm", "dmm", "mixed(p=0.25)", "mixed(p=0.5)", "radiation limit"} <= set(lines)
    T = lines["radiation limit"].get_xdata()
    assert T[0] == pytest.approx(10.0) and T[-1] == pytest.approx(400.0)  # the MC range widened ×2
    radiation = lines["radiation limit"].get_ydata()
    np.testing.assert_allclose(radiation, landauer.radiation_limit(si, ge, T) / 1e6, rtol=1e-12)
    for name in ("amm", "dmm", "mixed(p=0.25)", "mixed(p=0.5)"):  # detailed balance: no elastic G above it
        g = lines[name].get_ydata()
        np.testing.assert_allclose(g, landauer.conductance(si, ge, T, name) / 1e6, rtol=1e-12)
        assert np.all(g <= radiation * (1 + 1e-9))
    # dashed T³ asymptotes: y/T³ constant and met by the curve at 10 K, where the Debye T³ law holds
    # to ~(T/Θ_D)² ≈ 1e-3 (Θ_D of Ge 374 K) — 1 % leaves room for the quadrature
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 2
    for ln, name in zip(dashed, ("amm", "dmm")):
        x, y = ln.get_xdata(), ln.get_ydata()
        ok = np.isfinite(y)
        np.testing.assert_allclose(y[ok] / x[ok] ** 3, y[ok][0] / x[ok][0] ** 3, rtol=1e-12)
        assert y[ok][0] == pytest.approx(lines[name].get_ydata()[0], rel=0.01)


def test_spectral_transmission_plots_the_tallies_and_agrees_with_the_model(results, monkeypatch, tmp_path):
    point = 3  # mixed(p=0.5) at 200 K: phonons up to the cutoffs, both sides emitting
    fig = _built(spectral, [str(results), "--point", str(point)], monkeypatch, tmp_path)
    ax = fig.axes[0]
    with h5py.File(results) as f:  # the file read directly, not through the script's reader
        g = f[f"point_{point:03d}"]
        edges = g["spectral_edges"][()]
        counts = {s: g[f"side{s}_spectral_sum"][()] for s in (1, 2)}
    centres = 0.5 * (edges[1:] + edges[:-1])
    data = spectral.measured(results, point)
    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    for (x, y), s, (m_in, m_out) in zip(_errorbars(ax), (1, 2), ((si, ge), (ge, si))):
        emitted, transmitted = counts[s]
        seen = emitted > 0
        np.testing.assert_allclose(x, centres * spectral.THZ, rtol=1e-12)
        np.testing.assert_allclose(y[seen], transmitted[seen] / emitted[seen], rtol=1e-12)
        assert np.all(np.isnan(y[~seen]))
        expected = spectral.bin_average(m_in, m_out, data["model"], edges, 200.0, 0.0, "full")
        enough = emitted >= 100  # binomial σ, floored where ᾱ is near 0 or 1
        sigma = np.sqrt(np.clip(expected * (1 - expected), 1e-3, None) / emitted)
        assert np.all(np.abs(y - expected)[enough] < 5 * sigma[enough])
        assert enough.sum() >= 8
        line = next(ln for ln in ax.get_lines() if ln.get_label() == f"mixed(p=0.5), from {m_in.name}")
        omega = line.get_xdata() / spectral.THZ
        np.testing.assert_allclose(line.get_ydata(), spectral.alpha(m_in, m_out, data["model"], omega), rtol=1e-9)


def test_alpha_against_closed_forms():
    """Below every cutoff the DMM's ᾱ is M_2/(M_1 + M_2) with M ∝ Σ 1/v² (Debye); mixed(p) is
    p ᾱ_AMM + (1 − p) ᾱ_DMM; the AMM's ᾱ at low ω is the flux-weighted hemispherical Γ."""
    from phononmc.models import parse_model
    from phononmc.transmission import amm

    si, ge = phononmc.material("Si"), phononmc.material("Ge")
    omega = np.array([1e12, 5e12])
    inv2 = {m.name: 1 / m.v_long**2 + 2 / m.v_trans**2 for m in (si, ge)}
    np.testing.assert_allclose(spectral.alpha(si, ge, parse_model("dmm"), omega),
                               inv2["Ge"] / (inv2["Si"] + inv2["Ge"]), rtol=1e-9)
    a_amm, a_dmm = (spectral.alpha(si, ge, parse_model(k), omega) for k in ("amm", "dmm"))
    np.testing.assert_allclose(spectral.alpha(si, ge, parse_model("mixed", 0.3), omega),
                               0.3 * a_amm + 0.7 * a_dmm, rtol=1e-12)
    gamma = [amm.hemispherical_average(si, ge, b)[3:].sum() for b in amm.BRANCHES]
    weights = [1 / si.v_long**2, 1 / si.v_trans**2, 1 / si.v_trans**2]
    np.testing.assert_allclose(a_amm, np.dot(weights, gamma) / sum(weights), rtol=1e-6)


def test_bad_inputs_are_one_line_errors(results, tmp_path, capsys):
    for script, argv, words in ((spectral, [str(results), "--point", "9"], "--point 9 is out of range"),
                                (conductance_vs_T, [str(results), "--mixed", "1.5"], "1.5"),
                                (spectral, [str(results), "-o", str(tmp_path / "x.pdf")], ".png")):
        with pytest.raises(SystemExit) as info:
            script.main(argv if "-o" in argv else [*argv, "-o", str(tmp_path / "x.png")])
        err = capsys.readouterr().err
        assert info.value.code == 2 and words in err and err.count("\n") == 1, err
    analytic = tmp_path / "analytic.h5"
    assert phononmc_main(["analytic", "Si", "Ge", "--T", "10", "--h5", str(analytic)]) == 0
    capsys.readouterr()
    for script in (spectral, conductance_vs_T):
        with pytest.raises(SystemExit):
            script.main([str(analytic), "-o", str(tmp_path / "x.png")])
        err = capsys.readouterr().err
        assert str(analytic) in err and err.count("\n") == 1, err


def test_angular_transmission_at_one_column(results, monkeypatch, tmp_path):
    """--column stacks the three branches at 3.4 in; the markers are the file's transmitted
    fractions and the SV panel marks Si's SV → L critical angle, sin θ_c = v_T/v_L (Snell)."""
    angular = _load("angular_transmission")
    fig = _built(angular, [str(results), "--point", "1", "--side", "1", "--column"], monkeypatch, tmp_path)
    with h5py.File(results) as f:
        counts = f["point_001/side1_angular_sum"][()]  # (incident branch, channel, sin θ bin)
    assert len(fig.axes) == 3
    for j, ax in enumerate(fig.axes):
        emitted = counts[j].sum(axis=0)
        for c, (x, y) in enumerate(_errorbars(ax)):
            np.testing.assert_allclose(y, counts[j, 3 + c] / emitted, rtol=1e-12)
    si = phononmc.material("Si")
    dotted = [ln.get_xdata()[0] for ln in fig.axes[1].get_lines() if ln.get_linestyle() == ":"]
    assert dotted == pytest.approx([si.v_trans / si.v_long])
