"""Throughput and memory of the Monte Carlo kernels, the analytic G(T), and quickstart start-up.

    python benchmarks/throughput.py            # prints a table, writes benchmarks/out/throughput.json

Figures (never timed unit tests):
* packets per second of the full-physics kernel (frequency, branch, angle, outcome and all
  tallies) for DMM and AMM at Si|Ge 300 K, with all threads and with one;
* the same DMM sampling written as plain vectorized NumPy, measured in the same run: the
  baseline of the speed-up ratio;
* peak memory of a side run for 10× more packets per batch (streaming tallies: flat);
* Landauer G(T) at 200 temperatures with the full angular AMM, after a first call;
* cold start (empty Numba cache: compilation included) and warm start of the quickstart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

import phononmc as pm
from phononmc import landauer, models
from phononmc.mc import interface as I

ROOT = Path(__file__).resolve().parents[1]
SI, GE = pm.material("Si"), pm.material("Ge")


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_dmm(plan, n_packets, chunk=1_000_000, seed=1):
    """Plain-NumPy DMM packets: alias draw of (cell, branch), linear density in the cell, μ²,
    one categorical draw over the six (side, branch) channels ∝ k², Lambert direction.
    Returns the number transmitted."""
    rng = np.random.default_rng(seed)
    e, branch = plan.table.entries, plan.table.branch
    order = plan.iface.slowness, plan.iface.cutoff  # (side, branch) flattened: own side first for side 1
    transmitted = 0
    for start in range(0, n_packets, chunk):
        n = min(chunk, n_packets - start)
        x = rng.random(n) * e.shape[0]
        k = x.astype(np.int64)
        k = np.where(x - k >= e[k, 0], e[k, 1].astype(np.int64), k)
        a, b, u = e[k, 4], e[k, 5], rng.random(n)
        d = b - a
        flat = np.abs(d) <= 1e-9 * (a + b)
        frac = np.where(flat, u, (np.sqrt(a * a + (b * b - a * a) * u) - a) / np.where(flat, 1.0, d))
        omega = e[k, 2] + frac * e[k, 3]
        _ = branch[k], rng.random(n)  # branch and μ² of the incident packet
        weights = (omega[:, None] < order[1]) * (omega[:, None] * order[0]) ** 2
        cum = np.cumsum(weights, axis=1)
        r = rng.random(n) * cum[:, -1]
        channel = (r[:, None] >= cum[:, :5]).sum(axis=1)
        _ = rng.random(n)  # Lambert direction
        transmitted += int((channel >= 3).sum())
    return transmitted


LAYOUT = I.score_layout(64, 45)


def kernel_rate(plan, batches, n, threads):
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        I.run_batches(plan, 1, 0, 0, 2, 1000, LAYOUT)  # compiled
        t = best_of(lambda: I.run_batches(plan, 1, 0, 0, batches, n, LAYOUT))
    finally:
        numba.set_num_threads(before)
    return batches * n / t


def peak_memory(plan, n):
    tracemalloc.start()
    I.run_batches(plan, 1, 0, 0, 4, n, LAYOUT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def quickstart_seconds(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "phononmc", "run", "runs/quickstart.toml", "--no-progress"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    threads = numba.get_num_threads()
    results = {"machine": {"cpus": os.cpu_count(), "numba_threads": threads, "numba": numba.__version__,
                           "numpy": np.__version__}}
    dmm_plan = I.plan_side(SI, GE, models.parse_model("dmm"), 300.0, 0.0, 1, "full")
    amm_plan = I.plan_side(SI, GE, models.parse_model("amm"), 300.0, 0.0, 1, "full")
    batches, n = 2 * threads * 4, 1_000_000
    numpy_n = 4_000_000
    numpy_rate = numpy_n / best_of(lambda: numpy_dmm(dmm_plan, numpy_n))
    for name, plan in (("dmm", dmm_plan), ("amm", amm_plan)):
        results[f"{name}_packets_per_s"] = kernel_rate(plan, batches, n, threads)
        results[f"{name}_packets_per_s_1thread"] = kernel_rate(plan, batches // 2, n, 1)
    results["numpy_dmm_packets_per_s"] = numpy_rate
    results["dmm_speedup_vs_numpy"] = results["dmm_packets_per_s"] / numpy_rate
    results["peak_bytes_1e4_packets"] = peak_memory(dmm_plan, 10_000)
    results["peak_bytes_1e6_packets"] = peak_memory(dmm_plan, 1_000_000)

    T = np.geomspace(1.0, 1000.0, 200)
    landauer.conductance(SI, GE, T, "amm")
    results["analytic_amm_200T_seconds"] = best_of(lambda: landauer.conductance(SI, GE, T, "amm"))

    with tempfile.TemporaryDirectory() as cache:
        results["quickstart_cold_seconds"] = quickstart_seconds(cache)
        results["quickstart_warm_seconds"] = quickstart_seconds(cache)

    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.json").write_text(json.dumps(results, indent=2))
    print(f"machine: {results['machine']}")
    print(f"DMM kernel   {results['dmm_packets_per_s'] / 1e6:8.1f} M packets/s  "
          f"({results['dmm_packets_per_s_1thread'] / 1e6:.1f} on 1 thread)")
    print(f"AMM kernel   {results['amm_packets_per_s'] / 1e6:8.1f} M packets/s  "
          f"({results['amm_packets_per_s_1thread'] / 1e6:.1f} on 1 thread)")
    print(f"NumPy DMM    {numpy_rate / 1e6:8.1f} M packets/s  -> kernel/NumPy = {results['dmm_speedup_vs_numpy']:.1f}x")
    print(f"peak memory  {results['peak_bytes_1e4_packets'] / 1e3:.0f} kB at 4x1e4 packets, "
          f"{results['peak_bytes_1e6_packets'] / 1e3:.0f} kB at 4x1e6 packets")
    print(f"analytic AMM G(T), 200 temperatures: {results['analytic_amm_200T_seconds'] * 1e3:.1f} ms")
    print(f"quickstart: cold {results['quickstart_cold_seconds']:.1f} s (compilation included), "
          f"warm {results['quickstart_warm_seconds']:.1f} s")


if __name__ == "__main__":
    main()
