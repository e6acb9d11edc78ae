"""Rough interfaces from run files: [[surfaces]] tables, points, results file, resume, CLI."""

import textwrap

import numpy as np
import pytest

from phononmc import cli, config, io
from phononmc.mc import run as mc_run

RUN = textwrap.dedent("""
    name = "bumpy"
    seed = 9
    output = "out/bumpy.h5"
    [interface]
    material_1 = "Si"
    material_2 = "Ge"
    [[models]]
    kind = "amm"
    [temperatures]
    values = [300.0]
    [[surfaces]]
    kind = "flat"
    [[surfaces]]
    kind = "sawtooth"
    facet_angle_deg = 40.0
    period = 20e-9
    two_d = true
    [monte_carlo]
    packets_per_batch = 20000
    batches = 6
    checkpoint_every = 3
    [tallies]
    angle_bins = 10
    hit_bins = 6
""")


@pytest.fixture
def run_file(tmp_path):
    path = tmp_path / "bumpy.toml"
    path.write_text(RUN)
    return path


def test_flat_surface_reproduces_the_flat_landauer_g_and_pyramids_raise_it(run_file):
    """Both sides emit (two-sided deviational G); the flat surface gives the AMM's Landauer G
    within 4σ (σ/G < 0.5 %), 40° pyramids a G many σ above it."""
    result = mc_run.simulate(run_file, progress=False, write=False)
    flat, pyramids = result.points
    G, err = flat.measured()
    assert err < 5e-3 * G and abs(G - flat.G_flat) < 4 * err
    Gp, errp = pyramids.measured()
    assert Gp - flat.G_flat > 10 * errp
    assert flat.sides == (1, 2) and len(flat.tallies) == 2


def test_results_resume_and_cli(run_file, capsys, tmp_path):
    """`run` prints the rough table and writes the figure; `show` reprints it; extending the
    run continues its streams bit for bit."""
    png = tmp_path / "rough.png"
    assert cli.main(["run", str(run_file), "--no-progress", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "p_angle" in out and "pyramids" in out and png.stat().st_size > 10000
    results = run_file.parent / "out" / "bumpy.h5"
    assert cli.main(["show", str(results)]) == 0
    shown = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("amm")]
    assert len(rows) == 2 and all(row in shown for row in rows)
    g = io.read(results, kind="rough").groups["point_001"]
    assert g.units("G") == "W m^-2 K^-1" and g.attrs["facets"] == 8 and g["side1_fit"].shape == (5,)

    run_file.write_text(RUN.replace("batches = 6", "batches = 9"))
    extended = mc_run.simulate(run_file, resume=True, progress=False)
    assert extended.new_batches == 2 * 3  # only the new batches ran: the rest came from the file
    straight = mc_run.simulate(config.parse(RUN.replace("batches = 6", "batches = 9")), progress=False, write=False)
    for a, b in zip(extended.points, straight.points):
        for ta, tb in zip(a.tallies, b.tallies):
            for key, value in ta.state().items():
                assert np.array_equal(value, tb.state()[key]), key


BASE = RUN.split("[[surfaces]]")[0]
BAD = [
    ("unknown kind", BASE + '[[surfaces]]\nkind = "fractal"\n', ['surfaces[0].kind = "fractal" is invalid', "gaussian"]),
    ("no kind", BASE + "[[surfaces]]\nperiod = 1e-8\n", ["surfaces[0].kind is missing"]),
    ("missing argument", BASE + '[[surfaces]]\nkind = "gaussian"\nrms = 1e-9\n', ["surfaces[0]", "correlation_length"]),
    ("bad value", BASE + '[[surfaces]]\nkind = "sawtooth"\nfacet_angle_deg = 95.0\nperiod = 1e-8\n',
     ["surfaces[0].facet_angle_deg = 95.0 is invalid"]),
    ("key of another kind", BASE + '[[surfaces]]\nkind = "flat"\nrms = 1e-9\n', ["unknown key 'rms' in surfaces[0]"]),
    ("repeated", BASE + '[[surfaces]]\nkind = "flat"\n[[surfaces]]\nkind = "flat"\n', ["surfaces[1]", "repeats"]),
    ("with a slab", BASE + '[[surfaces]]\nkind = "flat"\n[slab]\nthickness = [1e-7, 1e-7]\n', ["exclude each other"]),
    ("cone", RUN + "cone_deg = 90.0\n", ["tallies.cone_deg = 90.0 is invalid"]),
    ("hit bins", RUN.replace("hit_bins = 6", "hit_bins = 1"), ["tallies.hit_bins = 1 is invalid"]),
]


@pytest.mark.parametrize("text, pieces", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_surface_errors_name_the_field(text, pieces):
    with pytest.raises(ValueError) as err:
        config.parse(text)
    for piece in pieces:
        assert piece in str(err.value), str(err.value)
