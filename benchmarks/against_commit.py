"""Bare-interface kernel throughput of this tree against an earlier commit, in one run.

    python benchmarks/against_commit.py                 # baseline: 7f7ca3c (the engine before events.py)
    python benchmarks/against_commit.py --baseline REV  # any commit with a bare-interface kernel

The baseline tree is exported with `git archive` into a temporary folder; each tree is
measured in its own subprocess (own Numba cache), alternating baseline and current
`--rounds` times, so both see the same machine load. Full physics, all tallies on:
Si | Ge at 300 K, packets from medium 1, DMM and AMM, all numba threads. Prints packets/s
(best round) per tree and the ratio current / baseline; writes
benchmarks/out/against_commit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "7f7ca3c"

#: Runs inside each tree: times run_batches for DMM and AMM and prints JSON packets/s.
#: It speaks both driver interfaces: score_layout (current engine) and the older one.
PROBE = r"""
import json, sys, time
import phononmc as pm
from phononmc.mc import interface as I
si, ge = pm.material("Si"), pm.material("Ge")
batches, n = int(sys.argv[1]), int(sys.argv[2])
try:
    from phononmc.models import parse_model
except ImportError:
    from phononmc.landauer import parse_model
out = {}
for name in ("dmm", "amm"):
    if hasattr(I, "score_layout"):
        plan = I.plan_side(si, ge, parse_model(name), 300.0, 0.0, 1, "full")
        layout = I.score_layout(64, 45)
        run = lambda b, m: I.run_batches(plan, 1, 0, 0, b, m, layout)
    else:
        plan = I.plan_side(si, ge, parse_model(name), 300.0, 0.0, 0, "full")
        run = lambda b, m: I.run_batches(plan, 1, 0, 0, b, m, 64, 45)
    run(2, 1000)  # compile
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        run(batches, n)
        times.append(time.perf_counter() - t0)
    out[name] = batches * n / min(times)
print(json.dumps(out))
"""


def export(rev: str, into: Path) -> Path:
    """The tree of commit `rev` as files under `into`."""
    archive = into / "tree.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "archive", rev], cwd=ROOT, stdout=fh, check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def measure(tree: Path, cache: Path, batches: int, n: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", PROBE, str(batches), str(n)], cwd=tree, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"commit to compare with (default {BASELINE})")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each tree")
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--packets", type=int, default=1_000_000, help="packets per batch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        trees = {"baseline": export(args.baseline, tmp), "current": ROOT}
        best = {name: {} for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                for model, rate in measure(tree, tmp / f"cache-{name}", args.batches, args.packets).items():
                    best[name][model] = max(best[name].get(model, 0.0), rate)
    result = {"baseline": args.baseline, "packets_per_s": best,
              "ratio": {m: best["current"][m] / best["baseline"][m] for m in best["current"]}}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "against_commit.json").write_text(json.dumps(result, indent=2))
    for model in ("dmm", "amm"):
        print(f"{model.upper()}: baseline {args.baseline} {best['baseline'][model] / 1e6:6.1f} M packets/s, "
              f"current {best['current'][model] / 1e6:6.1f} M packets/s, ratio {result['ratio'][model]:.2f}")


if __name__ == "__main__":
    main()
