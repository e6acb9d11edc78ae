"""Throughput of the rough-interface kernel against the flat interface, measured in the same run.

    python benchmarks/rough_throughput.py     # prints a table, writes benchmarks/out/rough_throughput.json

Si|Ge, AMM at every facet, 300 K, packets from medium 1, all threads:
* the bare-interface kernel (one event, no geometry) and the rough kernel on a flat surface;
* the rough kernel on rough surfaces: 45° pyramids (8 facets), and one Gaussian surface
  (rms σ = 0.3 ξ, period 8 ξ, so rms slope 0.42 per direction) sampled on 16² … 512² grid
  points per period (512 … 524 288 facets): the same physical surface, finer resolved;
  packets per second, mean hits per packet, and the ratio to the flat interface.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numba
import numpy as np

import phononmc as pm
from phononmc import models
from phononmc.mc import interface as I
from phononmc.mc import rough as R
from phononmc.mc import surfaces as S
from throughput import best_of  # benchmarks/throughput.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
SI, GE = pm.material("Si"), pm.material("Ge")
T = 300.0


SETTINGS = R.rough_settings()
LAYOUT = R.score_layout(SETTINGS.angular, SETTINGS.hits)


def rough_rate(plan, surface, batches, n):
    """Kernel time only (tables built beforehand), best of 3; and the mean hits per packet."""
    surf = surface.kernel_input()
    R.run_batches(plan, surf, SETTINGS, 1, 0, 0, 2, 1000)  # compiled
    res = {}

    def once():
        res["scores"] = R.run_batches(plan, surf, SETTINGS, 1, 0, 0, batches, n)

    seconds = best_of(once)
    scores = LAYOUT.split(res["scores"].sum(axis=0))
    hits = scores["hits"].sum(axis=0)
    return {"facets": surface.n_facets, "packets_per_s": batches * n / seconds,
            "mean_hits": float((hits * np.arange(len(hits))).sum() / hits.sum()), "lost": int(scores["lost"])}


def main():
    threads = numba.get_num_threads()
    batches, n = 2 * threads, 200_000
    results = {"machine": {"cpus": os.cpu_count(), "numba_threads": threads, "numba": numba.__version__},
               "packets": batches * n}
    plan = I.plan_side(SI, GE, models.parse_model("amm"), T, 0.0, 1)
    layout = I.score_layout(64, 30)
    I.run_batches(plan, 1, 0, 0, 2, 1000, layout)
    results["bare_packets_per_s"] = batches * n / best_of(lambda: I.run_batches(plan, 1, 0, 0, batches, n, layout))
    results["flat"] = rough_rate(plan, S.flat(), batches, n)
    results["pyramids_45"] = rough_rate(plan, S.sawtooth(45.0, 1.0, two_d=True), batches, n)
    results["gaussian"] = [dict(cells=c, **rough_rate(plan, S.gaussian(0.3, 1.0, 8.0, c, seed=1), batches, n // 4))
                           for c in (16, 32, 64, 128, 256, 512)]
    flat = results["flat"]["packets_per_s"]

    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "rough_throughput.json").write_text(json.dumps(results, indent=2))
    print(f"machine: {results['machine']}")
    print(f"bare interface kernel        {results['bare_packets_per_s'] / 1e6:7.2f} M packets/s")
    print(f"rough kernel, flat surface   {flat / 1e6:7.2f} M packets/s  (bare/flat = "
          f"{results['bare_packets_per_s'] / flat:.1f})")
    rows = [("pyramids 45 deg", results["pyramids_45"])]
    rows += [(f"gaussian {g['cells']}x{g['cells']}", g) for g in results["gaussian"]]
    print(f"{'surface':<22}{'facets':>9}{'M packets/s':>13}{'hits/packet':>13}{'flat/rough':>12}")
    for name, r in rows:
        print(f"{name:<22}{r['facets']:>9d}{r['packets_per_s'] / 1e6:>13.3f}{r['mean_hits']:>13.2f}"
              f"{flat / r['packets_per_s']:>12.1f}")


if __name__ == "__main__":
    main()
