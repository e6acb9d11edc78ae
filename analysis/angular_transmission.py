"""Angle-resolved transmission of a Monte Carlo point against its model, one panel per branch.

    python analysis/angular_transmission.py runs/out/quickstart.h5 --point 0 --side 1 -o tau_theta.png

For each incident branch (L, SV, SH) of the emitting medium: the fraction of packets in
each sin θ bin that is transmitted into L, SV, SH (markers, with binomial error bars),
and the point's model for the same channels (lines): p τ_AMM + (1 − p) τ_DMM averaged
over the emitted spectrum, with the Debye cutoffs applied as the kernel does; p = 1 for
amm, 0 for dmm (flat in angle), the run's p for mixed, the Ziman or Soffer specularity.
Models with a specular part get dotted verticals at the branch's critical angles.
"""

from __future__ import annotations

import argparse
import math
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from phononmc import config, io
from phononmc.constants import HBAR
from phononmc.dispersion import branches
from phononmc.mc.run import KIND, SIDE_PARTS
from phononmc.plot import COLUMN_WIDTH, figure_script_output, one_column
from phononmc.quadrature import occupation_weight, thermal_frequency_nodes
from phononmc.transmission import amm, specularity


def measured(path, point: int, side: int):
    """The Monte Carlo side of the comparison, read from a results file.

    Returns (cfg, model, T, part, sin θ at bin centres, counts (3, 6, n_θ)): packets of each
    incident branch L/SV/SH of medium `side` ending in rL rSV rSH tL tSV tSH. The counts
    are what `PointResult.angular_fractions` divides by the emitted totals.
    """
    res = io.read(path, kind=KIND)
    n = len(res.groups)
    if not 0 <= point < n:
        raise ValueError(f"--point {point} is out of range; {path} has points 0 to {n - 1} (rows of 'phononmc show')")
    g = res.groups[f"point_{point:03d}"]
    sides = [int(s) for s in np.atleast_1d(g.attrs["sides"])]
    if side not in sides:
        emitters = " and ".join(map(str, sides))
        raise ValueError(f"--side {side}: point {point} has packets emitted by side {emitters} only")
    cfg = config.parse(res.attrs["run_file"], Path(path).parent)
    model = next(m for m in cfg.models if str(m) == g.attrs["model"])
    part = dict(SIDE_PARTS[cfg.monte_carlo.side])[side]
    if int(g[f"side{side}_batches"]) == 0:
        raise ValueError(f"point {point} of {path} has no batches yet (the run stopped before it); "
                         "resume the run first")
    edges = np.asarray(g["angle_edges"])
    return cfg, model, float(g.attrs["T"]), part, 0.5 * (edges[1:] + edges[:-1]), np.asarray(g[f"side{side}_angular_sum"])


def expected_transmission(m_in, m_out, model, T, sin_theta, branch, delta_T=0.0, part="full", dispersion="debye"):
    """Expected fractions transmitted into L, SV, SH at sin θ, shape (3, n): the model's
    τ averaged over the spectrum `branch` of m_in emits at T (weight ħω D v w(ω))."""
    bs_in, bs_out = branches(m_in, dispersion), branches(m_out, dispersion)
    b = next(x for x in bs_in if x.name == branch)
    breaks = [x.omega_cutoff for x in bs_in + bs_out]
    omega, dw = (a[0] for a in thermal_frequency_nodes(T + 0.5 * delta_T, breaks))
    weight = HBAR * omega * b.dos_velocity(omega) * occupation_weight(T, delta_T, part)(omega) * dw
    mu2 = 1.0 - np.asarray(sin_theta) ** 2
    k = np.nan_to_num(b.wavevector(omega))[:, None]
    p = {"amm": lambda: np.ones((len(omega), 1)), "dmm": lambda: np.zeros((len(omega), 1)),
         "mixed": lambda: np.full((len(omega), 1), model.p),
         "ziman": lambda: specularity.ziman(k, model.roughness),
         "soffer": lambda: specularity.soffer(k, mu2[None, :], model.roughness)}[model.kind]()
    p = np.broadcast_to(p, (len(omega), len(mu2)))
    # Diffuse: channel c of m_out takes D v_c / (M_in + M_out) of every incident phonon.
    flux_out = {x.name: x.dos_velocity(omega) for x in bs_out}
    total = sum(x.dos_velocity(omega) for x in bs_in) + sum(flux_out.values())
    with np.errstate(invalid="ignore", divide="ignore"):
        diffuse = np.stack([np.where(total > 0, flux_out.get(c, 0.0 * omega) / total, 0.0) for c in amm.BRANCHES])
    out = np.einsum("w,cw,wn->cn", weight, diffuse, 1.0 - p)
    if model.kind != "dmm":
        coeff = amm.coefficients_slowness(m_in, m_out, np.asarray(sin_theta) / b.velocity, branch).as_array()
        for wi, (w, pi) in enumerate(zip(weight, p)):
            if w > 0:
                is_open = amm.open_channels(m_in, m_out, branch, omega[wi])[:, None]
                out += w * pi * amm.apply_cutoffs(coeff, is_open, branch)[3:]
    return out / weight.sum()


def figure(path, point: int, side: int, column: bool = False) -> Figure:
    """The figure of `point` seen from the medium `side` (1 or 2) of results file `path`; column:
    one journal column (panels stacked; build it inside `plot.one_column()`)."""
    return _figure(side, *measured(path, point, side), column=column)


def _figure(side, cfg, model, T, part, centres, counts, column=False) -> Figure:
    m_in, m_out = (cfg.interface.material_1, cfg.interface.material_2)[::1 if side == 1 else -1]
    fine = np.linspace(0.0, 0.999, 600)
    crit = amm.critical_angles(m_in, m_out) if model.kind != "dmm" else {}
    names = ("L",) if m_in.is_liquid else amm.BRANCHES
    if column:
        fig = Figure(figsize=(COLUMN_WIDTH, 0.3 + 2.1 * len(names)), layout="constrained")
        axes = fig.subplots(len(names), 1, squeeze=False, sharex=True)[:, 0]
    else:
        fig = Figure(figsize=(4.2 * len(names), 3.8), layout="constrained")
        axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        j = amm.BRANCHES.index(name)
        emitted = counts[j].sum(axis=0)
        lines = expected_transmission(m_in, m_out, model, T, fine, name, cfg.temperatures.delta_T, part, cfg.interface.dispersion)
        top = 0.0
        for c, colour in zip(range(len(amm.BRANCHES) if not m_out.is_liquid else 1), ("C0", "C1", "C2")):
            frac = np.divide(counts[j, 3 + c], emitted, out=np.full_like(emitted, np.nan, dtype=float),
                             where=emitted > 0)
            err = np.sqrt(np.clip(frac * (1 - frac), 0, None) / np.maximum(emitted, 1))
            label = amm.CHANNELS[3 + c]
            ax.errorbar(centres, frac, yerr=err, fmt="o", ms=3, color=colour, label=f"{label} MC")
            ax.plot(fine, lines[c], "-", color=colour, lw=1, label=f"{label} {model}")
            top = max(top, np.nanmax(lines[c]), np.nanmax(np.where(np.isfinite(frac), frac + err, 0.0)))
        for key, angle in crit.items():
            if key.startswith(name + "->"):
                ax.axvline(math.sin(angle), ls=":", color="0.5", lw=0.8)
        if not column or ax is axes[-1]:
            ax.set_xlabel(r"sin $\theta$ (incidence)")
        if column:
            ax.set_ylabel("transmitted fraction")
        ax.set_title(f"{name} from {m_in.name} into {m_out.name}")
        ax.set_ylim(-0.02 * top, 1.05 * top if top > 0 else 1.0)  # a small τ (helium) stays readable
    axes[0].set_ylabel("transmitted fraction")
    axes[0].legend(fontsize=6 if column else 7, frameon=False, ncols=2 if column else 1)
    fig.suptitle(f"{model}, T = {T:g} K" + ("  (dotted: critical angles)" if crit else ""),
                 fontsize=7 if column else None)
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="Monte Carlo results file (phononmc run)")
    parser.add_argument("--point", type=int, default=0, help="point index (row of 'phononmc show', from 0)")
    parser.add_argument("--side", type=int, choices=(1, 2), default=1, help="emitting medium")
    parser.add_argument("-o", "--output", default="angular_transmission.png", help="the figure (.png)")
    parser.add_argument("--column", action="store_true", help="one journal column (3.4 in), branches stacked")
    args = parser.parse_args(argv)
    # not a results file, no such point or side, not a PNG: a one-line error
    with one_column() if args.column else nullcontext():
        return figure_script_output(parser, args.output, lambda: figure(args.results, args.point, args.side,
                                                                        args.column))


if __name__ == "__main__":
    sys.exit(main())
