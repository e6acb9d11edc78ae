"""Coherent G(T) through a graded stack: time and quadrature convergence.

    python benchmarks/multilayer_throughput.py   # prints a table, writes benchmarks/out/multilayer_throughput.json

Si | 50 nm graded Si→Ge layer (100 sublayers, linear in the properties) | Ge, G at 50
temperatures 5 … 500 K with full angular P–SV and SH (`multilayer.conductance`, defaults
n_omega = 16, n_angle = 32), best of 3; then the same with twice the nodes in ω and angle,
as the quadrature error, and the sharp-interface AMM G for comparison.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import phononmc as pm
from phononmc import landauer
from phononmc.transmission import multilayer as ml
from throughput import best_of  # benchmarks/throughput.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
SI, GE = pm.material("Si"), pm.material("Ge")
T = np.geomspace(5.0, 500.0, 50)
STACK = ml.graded(SI, GE, 50e-9, 100)


def main():
    seconds = best_of(lambda: ml.conductance(SI, GE, STACK, T))
    g = ml.conductance(SI, GE, STACK, T)
    g_fine = ml.conductance(SI, GE, STACK, T, n_omega=32, n_angle=64)
    g_amm = landauer.conductance(SI, GE, T, "amm")
    result = {"layers": len(STACK), "temperatures": len(T), "seconds": seconds,
              "max_rel_change_doubling_nodes": float(np.max(np.abs(g / g_fine - 1.0))),
              "T_K": T[::7].tolist(), "G_graded_W_m2K": g[::7].tolist(), "G_amm_W_m2K": g_amm[::7].tolist()}
    print(f"G(T) through {len(STACK)} sublayers at {len(T)} temperatures: {seconds:.2f} s "
          f"(doubling the nodes changes G by at most {result['max_rel_change_doubling_nodes']:.1e})")
    print(f"{'T (K)':>8} {'G graded':>12} {'G AMM':>12} {'ratio':>7}")
    for t, a, b in zip(result["T_K"], result["G_graded_W_m2K"], result["G_amm_W_m2K"]):
        print(f"{t:8.1f} {a:12.4e} {b:12.4e} {a / b:7.3f}")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "multilayer_throughput.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
