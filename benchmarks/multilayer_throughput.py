"""Coherent G(T) through a graded stack: time and quadrature convergence; the incoherent
multilayer Monte Carlo's packets per second.

    python benchmarks/multilayer_throughput.py   # prints a table, writes benchmarks/out/multilayer_throughput.json

Si | 50 nm graded Si→Ge layer (100 sublayers, linear in the properties) | Ge, G at 50
temperatures 5 … 500 K with full angular P–SV and SH (`multilayer.conductance`, defaults
n_omega = 16, n_angle = 32), best of 3; then the same with twice the nodes in ω and angle,
as the quadrature error, and the sharp-interface AMM G for comparison.

Monte Carlo (all numba threads, best of 3, AMM at 300 K, ballistic layers): packets and
interface events per second through Si | 20-sublayer graded Si→Ge | Ge and through
Si | Ge-layer | Si, against the baseline measured in the same run, the bare Si | Ge
interface kernel (one event per packet).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import phononmc as pm
from phononmc import config, landauer
from phononmc.mc import interface as I
from phononmc.mc import multilayer as mc_ml
from phononmc.models import parse_model
from phononmc.transmission import multilayer as ml
from throughput import best_of  # benchmarks/throughput.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
SI, GE = pm.material("Si"), pm.material("Ge")
T = np.geomspace(5.0, 500.0, 50)
STACK = ml.graded(SI, GE, 50e-9, 100)


def stack_rate(m2, stack, packets=200_000, batches=4):
    """(packets/s, interface events per packet) of wall 1 of a [layers] point, after a warm-up."""
    cfg = config.parse(f"""
seed = 1
[interface]
material_1 = "Si"
material_2 = "{m2}"
[[models]]
kind = "amm"
[temperatures]
values = [300.0]
[layers]
stack = {stack}
n_omega = 4
n_angle = 4
""")
    _, plans = mc_ml.stack_points(cfg)
    wall = plans[0][0]
    wall.run(1, 0, 0, 1, 1000)
    seconds = best_of(lambda: wall.run(1, 0, 0, batches, packets))
    hits = wall.layout.split(wall.run(1, 0, 0, 1, packets)[0])["hits"]
    return batches * packets / seconds, float(hits) / packets


def bare_rate(packets=1_000_000, batches=4):
    """Packets/s of the bare-interface kernel, Si | Ge AMM at 300 K, medium 1 emitting."""
    plan = I.plan_side(SI, GE, parse_model("amm"), 300.0, 0.0, 1)
    layout = I.score_layout(64, 16)
    I.run_batches(plan, 1, 0, 0, 1, 1000, layout)
    return batches * packets / best_of(lambda: I.run_batches(plan, 1, 0, 0, batches, packets, layout))


def main():
    base = bare_rate()
    graded, graded_hits = stack_rate("Ge", "[{ graded = true, thickness = 20e-9, sublayers = 20 }]")
    single, single_hits = stack_rate("Si", '[{ material = "Ge", thickness = 2e-9 }]')
    print(f"Monte Carlo, AMM 300 K: bare Si | Ge interface {base / 1e6:.2f} M packets/s (baseline)")
    for name, rate, hits in (("Si | Ge layer | Si", single, single_hits),
                             ("Si | 20-sublayer graded | Ge", graded, graded_hits)):
        print(f"  {name:<30} {rate / 1e6:6.2f} M packets/s, {hits:5.1f} interface events per packet, "
              f"{rate * hits / 1e6:6.1f} M events/s; packets/s ratio to the baseline {rate / base:.3f}")
    seconds = best_of(lambda: ml.conductance(SI, GE, STACK, T))
    g = ml.conductance(SI, GE, STACK, T)
    g_fine = ml.conductance(SI, GE, STACK, T, n_omega=32, n_angle=64)
    g_amm = landauer.conductance(SI, GE, T, "amm")
    result = {"layers": len(STACK), "temperatures": len(T), "seconds": seconds,
              "max_rel_change_doubling_nodes": float(np.max(np.abs(g / g_fine - 1.0))),
              "mc_bare_packets_per_s": base, "mc_single_layer_packets_per_s": single,
              "mc_single_layer_events_per_packet": single_hits, "mc_graded_packets_per_s": graded,
              "mc_graded_events_per_packet": graded_hits,
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
