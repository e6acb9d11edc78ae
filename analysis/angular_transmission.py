"""Angle-resolved transmission of a Monte Carlo point against the AMM, one panel per branch.

    python analysis/angular_transmission.py runs/out/quickstart.h5 --point 0 --side 1 -o tau_theta.png

For each incident branch (L, SV, SH) of the emitting medium: the fraction of packets in
each sin θ bin that is transmitted into L, SV, SH (markers, with binomial error bars),
and the AMM energy transmission coefficients of the same channels (lines), averaged over
the point's emitted spectrum with the Debye cutoffs applied exactly as the kernel does.
Dotted verticals mark the critical angles. Meant for specular (amm) points; for other
models the lines show the specular part only.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
from matplotlib.figure import Figure

from phononmc import io, landauer
from phononmc.materials import Material
from phononmc.mc.run import KIND
from phononmc.mc.emission import emission_table
from phononmc.quadrature import occupation_weight
from phononmc.transmission import amm


def expected_transmission(m_in, m_out, T, sin_theta, branch):
    """AMM transmission into tL, tSV, tSH at sin θ, averaged over the emitted spectrum of
    `branch` at T with channels closed by the cutoffs (as the kernel applies them); (3, n)."""
    j = amm.BRANCHES.index(branch)
    table = emission_table(m_in, m_out, occupation_weight(T), T)
    mass = table.mass[:, j]
    mid = table.entries[::table.mass.shape[1], 2] + 0.5 * table.entries[::table.mass.shape[1], 3]
    v = m_in.v_long if branch == "L" else m_in.v_trans
    coeff = amm.coefficients_slowness(m_in, m_out, sin_theta / v, branch).as_array()  # (6, n)
    out = np.zeros((3, len(sin_theta)))
    for weight, omega in zip(mass, mid):
        if weight > 0:
            is_open = amm.open_channels(m_in, m_out, branch, omega)[:, None]
            out += weight * amm.apply_cutoffs(coeff, is_open, branch)[3:]
    return out / mass.sum()


def figure(path, point: int, side: int) -> Figure:
    res = io.read(path, kind=KIND)
    g = res.groups[f"point_{point:03d}"]
    mats = json.loads(res.attrs["materials"])
    m1, m2 = (Material(**mats[f"material_{i}"]) for i in (1, 2))
    m_in, m_out = (m1, m2) if side == 1 else (m2, m1)
    T, model = float(g.attrs["T"]), g.attrs["model"]
    counts = g[f"side{side}_angular_sum"].astype(float)  # (3, 6, n_θ)
    edges = g["angle_edges"]
    centres = 0.5 * (edges[1:] + edges[:-1])
    fine = np.linspace(0.0, 0.999, 600)
    crit = amm.critical_angles(m_in, m_out)
    branches = amm.BRANCHES if not m_in.is_liquid else ("L",)
    fig = Figure(figsize=(4.2 * len(branches), 3.8), layout="constrained")
    axes = fig.subplots(1, len(branches), squeeze=False)[0]
    for ax, name in zip(axes, branches):
        j = amm.BRANCHES.index(name)
        emitted = counts[j].sum(axis=0)
        lines = expected_transmission(m_in, m_out, T, fine, name)
        for c, colour in zip(range(3), ("C0", "C1", "C2")):
            frac = np.divide(counts[j, 3 + c], emitted, out=np.full_like(emitted, np.nan), where=emitted > 0)
            err = np.sqrt(np.clip(frac * (1 - frac), 0, None) / np.maximum(emitted, 1))
            label = amm.CHANNELS[3 + c]
            ax.errorbar(centres, frac, yerr=err, fmt="o", ms=3, color=colour, label=f"{label} MC")
            ax.plot(fine, lines[c], "-", color=colour, lw=1, label=f"{label} AMM")
        for key, angle in crit.items():
            if key.startswith(name + "->t"):
                ax.axvline(math.sin(angle), ls=":", color="0.5", lw=0.8)
        ax.set_xlabel(r"sin $\theta$ (incidence)")
        ax.set_title(f"{name} from {m_in.name} into {m_out.name}")
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("transmitted fraction")
    axes[0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{model}, T = {T:g} K (dotted: critical angles)")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="Monte Carlo results file (phononmc run)")
    parser.add_argument("--point", type=int, default=0, help="point index (row of 'phononmc show', from 0)")
    parser.add_argument("--side", type=int, choices=(1, 2), default=1, help="emitting medium")
    parser.add_argument("-o", "--output", default="angular_transmission.png")
    args = parser.parse_args(argv)
    figure(args.results, args.point, args.side).savefig(args.output, dpi=150)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
