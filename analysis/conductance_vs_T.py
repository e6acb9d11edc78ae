"""G(T) of an interface, Monte Carlo over the models, at one-column size (3.4 in).

    python analysis/conductance_vs_T.py runs/out/quickstart.h5 --mixed 0.25 0.75 -o G_vs_T.png

From a Monte Carlo results file (`phononmc run` on a bare-interface run file): log–log G(T) of
the Landauer AMM, DMM, the p-mixtures `--mixed` and every model of the run (lines), the phonon
radiation limit (`landauer.radiation_limit`, dash-dotted: no elastic model exceeds it), the
low-T asymptotes G = c T³ of the AMM and the DMM (`landauer.lowT_coefficient`, dashed), and the
run's Monte Carlo points with their standard errors in the colour of their model; a panel below
shows (G_MC − G_Landauer)/G_Landauer in %. With a liquid side the axis is G/T³.
All for emitted-phonon temperatures, with the run's ΔT, as the Monte Carlo measures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from phononmc import config, landauer, models, plot
from phononmc.mc import run as mc_run

#: The Landauer lines span the Monte Carlo temperatures widened by this factor each way.
MARGIN = 2.0


def curves(path, mixed=(0.5,)) -> dict:
    """Everything the figure draws, from results file `path` (kind "montecarlo").

    Returns {"T": line temperatures (K), "curves": {label: G}, "lowT": {label: c (W m⁻² K⁻⁴)},
    "radiation": G_rad, "points": {label: (T, G, G_err, G_analytic)}, "title", "per_T3"}; G in
    W m⁻² K⁻¹. `mixed`: the p of the extra mixtures (0 <= p <= 1).
    """
    attrs, rows = mc_run.read_table(path)
    if not rows:
        raise ValueError(f"{path} holds no Monte Carlo points yet")
    cfg = config.parse(attrs["run_file"], Path(path).parent)
    m1, m2, dispersion = cfg.interface.material_1, cfg.interface.material_2, cfg.interface.dispersion
    temps = [r["T"] for r in rows]
    T = np.geomspace(min(temps) / MARGIN, max(temps) * MARGIN, 120)
    reference = ["amm", "dmm"] if dispersion == "debye" else ["dmm"]  # the AMM needs Debye branches
    wanted = [models.parse_model(s) for s in reference] + [models.parse_model("mixed", p) for p in mixed]
    wanted += [m for m in cfg.models if m not in wanted]
    wanted.sort(key=lambda m: (m.kind != "amm", m.kind != "dmm", str(m)))  # AMM, DMM, then mixtures by p
    lines = {str(m): landauer.conductance(m1, m2, T, m, dispersion=dispersion, delta_T=cfg.temperatures.delta_T)
             for m in wanted}
    lowT = {name: landauer.lowT_coefficient(m1, m2, name, dispersion=dispersion) for name in reference}
    points = {}
    for r in rows:
        points.setdefault(r["model"], []).append([r[f] for f in ("T", "G", "G_err", "G_analytic")])
    return {"T": T, "curves": lines, "lowT": lowT, "radiation": landauer.radiation_limit(m1, m2, T, dispersion),
            "points": {label: tuple(np.array(v).T) for label, v in points.items()},
            "title": f"{m1.name} | {m2.name}", "per_T3": m1.is_liquid or m2.is_liquid}


def figure(data: dict) -> Figure:
    """The one-column figure of `curves(...)`; build it inside `plot.one_column()`."""
    return plot.conductance_figure(data["T"], data["curves"], lowT=data["lowT"], title=data["title"],
                                   points=data["points"], per_T3=data["per_T3"],
                                   bounds={"radiation limit": data["radiation"]}, width=plot.COLUMN_WIDTH,
                                   legend={"loc": "outside lower center", "ncols": 2, "columnspacing": 0.8,
                                           "handlelength": 1.6})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="Monte Carlo results file of a bare interface (phononmc run)")
    parser.add_argument("--mixed", type=float, nargs="*", default=[0.5], metavar="P",
                        help="p of the AMM/DMM mixtures drawn besides the run's models (default 0.5)")
    parser.add_argument("-o", "--output", default="conductance_vs_T.png", help="the figure (.png)")
    args = parser.parse_args(argv)
    with plot.one_column():
        return plot.figure_script_output(parser, args.output, lambda: figure(curves(args.results, args.mixed)))


if __name__ == "__main__":
    sys.exit(main())
