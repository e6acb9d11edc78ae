"""Throughput of the slab kernel, and the wall time to a 1 % error on the measured G.

    python benchmarks/slab_throughput.py      # prints a table, writes benchmarks/out/slab_throughput.json

Figures (never timed unit tests), all on this machine's threads:
* scattering events per second (bulk collisions + interface events) of the slab kernel for a
  gray medium (Si | Si, DMM, L = 10 Λ per side) and a frequency-dependent one (Si | Ge,
  database relaxation times at 300 K, L = 10 Λ̄ per side);
* the baseline measured in the same run: interface events per second of the bare-interface
  kernel (Si | Ge DMM, 300 K), where every packet is one event — the ratio says what the
  flights, collisions and track-length tallies cost per event;
* for the Si | Ge slab (L = 10 Λ̄ per side, DMM): the measured G's relative error after a
  fixed run and the wall time to 1 % extrapolated from it (σ ∝ t^(−1/2));
* peak Python-side memory for 1× and 10× the packets per batch (tallies do not grow).
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import numba

import phononmc as pm
from phononmc import bulk, config
from phononmc.mc import interface as I
from phononmc.mc import run as mc_run
from phononmc.models import parse_model

ROOT = Path(__file__).resolve().parents[1]
SI, GE = pm.material("Si"), pm.material("Ge")


def slab_config(m2, thickness, scattering, models=("dmm",), packets=20000, batches=8):
    mtext = "".join(f'[[models]]\nkind = "{m}"\n' for m in models)
    return config.parse(f"""
seed = 1
[interface]
material_1 = "Si"
material_2 = "{m2}"
{mtext}
[temperatures]
values = [300.0]
[slab]
thickness = {list(thickness)}
cells = [40, 40]
scattering_1 = {scattering[0]}
scattering_2 = {scattering[1]}
exclude = 3.0
[monte_carlo]
packets_per_batch = {packets}
batches = {batches}
checkpoint_every = {batches}
""")


def events_per_second(cfg, batches=4):
    """(events/s, events per packet) of the first point's two walls, after a warm-up call."""
    points, plans = mc_run._new_points(cfg)
    p, runners = points[0], plans[0]
    off = p.tallies[0].layout.offsets
    n = cfg.monte_carlo.packets_per_batch
    for r in runners:
        r(1, 0, 0, 2, 100)  # compile / warm
    events, t0 = 0.0, time.perf_counter()
    for r in runners:
        s = r(1, 0, 0, batches, n)
        events += s[:, off.collisions].sum() + s[:, off.hits].sum()
    dt = time.perf_counter() - t0
    return events / dt, events / (2 * batches * n)


def interface_events_per_second(n=2_000_000):
    plan = I.plan_side(SI, GE, parse_model("dmm"), 300.0, 0.0, 1)
    layout = I.score_layout(16, 16)
    I.run_batches(plan, 1, 0, 0, 2, 100, layout)
    t0 = time.perf_counter()
    I.run_batches(plan, 1, 0, 0, 8, n // 8, layout)
    return n / (time.perf_counter() - t0)


def main():
    out = {"threads": numba.get_num_threads()}
    baseline = interface_events_per_second()
    lam = 10e-9
    gray = slab_config("Si", [10 * lam, 10 * lam], ("{ mfp = 1e-8 }", "{ mfp = 1e-8 }"))
    L1 = 10 * bulk.mean_free_path(SI, bulk.scattering("Si"), 300.0)
    L2 = 10 * bulk.mean_free_path(GE, bulk.scattering("Ge"), 300.0)
    freq = slab_config("Ge", [L1, L2], ('"database"', '"database"'))
    rows = {}
    for name, cfg in (("gray Si|Si, L = 10 mfp", gray), ("Si|Ge database rates, L = 10 mfp_bar", freq)):
        rate, per_packet = events_per_second(cfg)
        rows[name] = {"events_per_s": rate, "events_per_packet": per_packet, "ratio_to_interface_kernel": rate / baseline}
    out["interface_events_per_s"] = baseline
    out["slab"] = rows
    # wall time to 1 % on the measured G (Si|Ge, DMM), extrapolated from a fixed run
    cfg = slab_config("Ge", [L1, L2], ('"database"', '"database"'), packets=20000, batches=20)
    mc_run.simulate(cfg.replace(**{"monte_carlo.batches": 2}), progress=False, write=False)  # compile
    t0 = time.perf_counter()
    res = mc_run.simulate(cfg, progress=False, write=False)
    dt = time.perf_counter() - t0
    G, G_err = res.points[0].measured()
    out["si_ge_measured_G"] = {"G": G, "G_err": G_err, "seconds": dt, "packets_per_wall": 20000 * 20,
                               "seconds_to_1_percent": dt * (G_err / G / 0.01) ** 2}
    # memory: tallies do not grow with the packets
    mem = []
    for packets in (2000, 20000):
        c = slab_config("Si", [10 * lam, 10 * lam], ("{ mfp = 1e-8 }", "{ mfp = 1e-8 }"), packets=packets, batches=4)
        tracemalloc.start()
        mc_run.simulate(c, progress=False, write=False)
        mem.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    out["peak_python_memory_bytes"] = {"2000 packets/batch": mem[0], "20000 packets/batch": mem[1]}
    print(f"threads: {out['threads']}; baseline, bare-interface kernel: {baseline / 1e6:.1f} M events/s")
    for name, r in rows.items():
        print(f"{name:40s} {r['events_per_s'] / 1e6:6.1f} M events/s ({r['events_per_packet']:.0f} events/packet), "
              f"ratio to the bare-interface kernel {r['ratio_to_interface_kernel']:.2f}")
    m = out["si_ge_measured_G"]
    print(f"Si|Ge 300 K, L = 10 mfp_bar, DMM: G = {m['G'] / 1e6:.1f} ± {m['G_err'] / 1e6:.1f} MW m^-2 K^-1 in "
          f"{m['seconds']:.1f} s; 1 % would take {m['seconds_to_1_percent']:.0f} s (extrapolated)")
    print(f"peak Python memory: {mem[0] / 1e6:.2f} MB (2e3 packets/batch), {mem[1] / 1e6:.2f} MB (2e4)")
    path = ROOT / "benchmarks" / "out" / "slab_throughput.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
