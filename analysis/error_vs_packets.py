"""Monte Carlo standard error against the number of packets, with the N^(−1/2) law.

    python analysis/error_vs_packets.py runs/quickstart.toml --point 0 -o error_vs_packets.png

Runs one point of a run file (models × temperatures in the order `phononmc show` lists them)
at packets_per_batch ×1, ×4, ×16, ×64 of `--packets` (the run file's batches and sides), and
plots the relative standard error σ/G against the packets sent per side, N (markers), beside
the binomial prediction for two-sided emission, σ/G = ½ √((1 − f₁)/(f₁ N) + (1 − f₂)/(f₂ N)),
f the mean transmissions (`landauer.mean_transmission`; one side: √((1 − f)/(f N))) — a line of
slope −1/2 on log–log axes. One-column size (3.4 in). The batch estimate of σ scatters by
about 1/√(2B) around the line.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from matplotlib.figure import Figure

from phononmc import config, landauer
from phononmc.mc.run import simulate
from phononmc.plot import figure_script_output

MULTIPLES = (1, 4, 16, 64)


def measure(run_file, point: int, packets: int) -> dict:
    """σ/G of point `point` of `run_file` at packets_per_batch = packets × MULTIPLES, and the binomial
    prediction. Returns {"N": packets per side, "rel_err", "predicted", "label"}."""
    cfg = config.load(run_file)
    pairs = [(m, T) for m in cfg.models for T in cfg.temperatures.values]
    if not 0 <= point < len(pairs):
        raise ValueError(f"--point {point} is invalid: {run_file} has points 0 to {len(pairs) - 1}")
    model, T = pairs[point]
    if cfg.slab is not None or cfg.surfaces or cfg.layers is not None:
        raise ValueError(f"{run_file} is not a bare-interface run: this figure is for the interface kernel")
    m1, m2 = cfg.interface.material_1, cfg.interface.material_2
    one = cfg.replace(models=(model,), **{"temperatures.values": (T,), "monte_carlo.rel_err_target": 0.0})
    N, rel = [], []
    for k in MULTIPLES:
        run = one.replace(**{"monte_carlo.packets_per_batch": packets * k})
        p = simulate(run, progress=False, write=False).points[0]
        N.append(packets * k * run.monte_carlo.batches)
        rel.append(p.G_err / p.G)
    f1, f2 = landauer.mean_transmission(m1, m2, T, model, dispersion=cfg.interface.dispersion)
    N = np.array(N, dtype=float)
    side = cfg.monte_carlo.side
    if side == "both":
        predicted = 0.5 * np.sqrt((1 - f1) / (f1 * N) + (1 - f2) / (f2 * N))
    else:
        f = f1 if side == 1 else f2
        predicted = np.sqrt((1 - f) / (f * N))
    label = f"{m1.name} | {m2.name}, {model}, {T:g} K, side {side}"
    return {"N": N, "rel_err": np.array(rel), "predicted": np.asarray(predicted, dtype=float), "label": label}


def figure(data: dict) -> Figure:
    fig = Figure(figsize=(3.4, 2.7), layout="constrained")
    ax = fig.subplots()
    ax.loglog(data["N"], data["rel_err"], "o", ms=4, label="Monte Carlo σ/G (batch estimate)")
    ax.loglog(data["N"], data["predicted"], "-", lw=1.0, label="binomial ∝ N$^{-1/2}$")
    ax.set_xlabel("packets per side N")
    ax.set_ylabel("relative error σ/G")
    ax.set_title(data["label"], fontsize=7)
    ax.legend(fontsize=6)
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_file", help="a bare-interface run file (e.g. runs/quickstart.toml)")
    parser.add_argument("--point", type=int, default=0, help="point index (models × temperatures, from 0)")
    parser.add_argument("--packets", type=int, default=2000, help="smallest packets_per_batch (x1, x4, x16, x64)")
    parser.add_argument("-o", "--output", default="error_vs_packets.png", help="the figure (.png)")
    args = parser.parse_args(argv)
    if args.packets < 1 or not math.isfinite(args.packets):
        parser.exit(2, f"{parser.prog}: error: --packets {args.packets}: give an integer >= 1\n")
    return figure_script_output(parser, args.output, lambda: figure(measure(args.run_file, args.point, args.packets)))


if __name__ == "__main__":
    raise SystemExit(main())
