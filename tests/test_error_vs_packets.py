"""analysis/error_vs_packets.py: the Monte Carlo σ/G follows the binomial N^(−1/2) prediction, and
the figure plots exactly the measured numbers."""

import importlib.util
import math
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "analysis" / "error_vs_packets.py"
spec = importlib.util.spec_from_file_location("error_vs_packets", SCRIPT)
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)

RUN = """
seed = 5
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "dmm"
[temperatures]
values = [300.0]
[monte_carlo]
packets_per_batch = 1000
batches = 20
"""


def test_error_follows_the_binomial_law_and_the_figure_shows_it(tmp_path, monkeypatch):
    """Each batch estimate of σ scatters by ~1/√(2B) = 16 % (B = 20); the mean ratio to the binomial
    prediction over the four independent points is known to 8 %, so within 4 × 8 % of 1; the fitted
    log–log slope is −1/2 within 4 × its ~0.06 error. A σ off by 1.5 fails the first check."""
    from phononmc import plot

    run = tmp_path / "run.toml"
    run.write_text(RUN)
    data = script.measure(run, 0, 500)
    ratio = data["rel_err"] / data["predicted"]
    assert abs(ratio.mean() - 1.0) < 4 * (1 / math.sqrt(2 * 20)) / 2
    slope = np.polyfit(np.log(data["N"]), np.log(data["rel_err"]), 1)[0]
    assert abs(slope + 0.5) < 0.24
    figures = []
    monkeypatch.setattr(plot, "save", lambda fig, path: figures.append(fig))
    monkeypatch.setattr(script, "figure_script_output", lambda parser, out, build: figures.append(build()) or 0)
    assert script.main([str(run), "--packets", "500", "-o", str(tmp_path / "e.png")]) == 0
    points, line = figures[0].axes[0].get_lines()
    np.testing.assert_allclose(points.get_xdata(), data["N"])
    np.testing.assert_allclose(points.get_ydata(), data["rel_err"])
    np.testing.assert_allclose(line.get_ydata(), data["predicted"])
    assert abs(figures[0].get_size_inches()[0] - 3.4) < 1e-9  # one column
