"""Spectral transmission of a Monte Carlo point against its model, at one-column size (3.4 in).

    python analysis/spectral_transmission.py runs/out/quickstart.h5 --point 0 -o spectral.png

For each medium s that emits packets in the point: the fraction of the packets in each
frequency bin that cross the interface (markers, binomial error bars), against the model's
mode-averaged transmission ᾱ_s(ω) = Σ_j D_j v_j α_j(ω) / Σ_j D_j v_j of that medium (line,
`models.transmission_spectrum` through `landauer._flux_spectrum`). Packets carry equal energy, so
a bin's fraction estimates ᾱ averaged over the bin with the weight ħω M(ω) w(ω) of the
emission (`bin_average`). The emitted spectrum ħω M(ω) w(ω) is shaded (right axis, arbitrary
units) to show where the heat is. Elastic models only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from phononmc import config, io, landauer, plot
from phononmc.constants import HBAR
from phononmc.mc.run import KIND, SIDE_PARTS
from phononmc.quadrature import occupation_weight
from phononmc.transmission import dmm

THZ = 1e-12 / (2.0 * np.pi)  # rad s⁻¹ → THz of ω/2π
#: Frequency points per bin of the bin averages (midpoint rule; ᾱ has kinks at the cutoffs only).
PER_BIN = 400


def measured(path, point: int) -> dict:
    """The Monte Carlo side, read from results file `path`.

    Returns {"cfg", "model", "T", "edges" (rad s⁻¹), "sides": {s: (part, emitted counts, transmitted
    counts)}}: packets emitted by medium s and those transmitted, per frequency bin.
    """
    res = io.read(path, kind=KIND)
    n = len(res.groups)
    if not 0 <= point < n:
        raise ValueError(f"--point {point} is out of range; {path} has points 0 to {n - 1} (rows of 'phononmc show')")
    g = res.groups[f"point_{point:03d}"]
    cfg = config.parse(res.attrs["run_file"], Path(path).parent)
    model = next(m for m in cfg.models if str(m) == g.attrs["model"])
    if model.inelastic is not None:
        raise ValueError(f"point {point} ({model}) has an inelastic channel; this figure compares the elastic "
                         "transmission")
    sides = {}
    for s, part in SIDE_PARTS[cfg.monte_carlo.side]:
        if int(g[f"side{s}_batches"]) == 0:
            raise ValueError(f"point {point} of {path} has no batches yet (the run stopped before it); resume the run")
        emitted, transmitted = np.asarray(g[f"side{s}_spectral_sum"], dtype=float)
        sides[s] = (part, emitted, transmitted)
    return {"cfg": cfg, "model": model, "T": float(g.attrs["T"]), "edges": np.asarray(g["spectral_edges"]),
            "sides": sides}


def media(cfg, side: int):
    """(emitting medium, receiving medium) for packets from `side`."""
    m1, m2 = cfg.interface.material_1, cfg.interface.material_2
    return (m1, m2) if side == 1 else (m2, m1)


def alpha(m_in, m_out, model, omega, dispersion="debye") -> np.ndarray:
    """ᾱ(ω) = Σ_j D_j v_j α_j / Σ_j D_j v_j of m_in (NaN where m_in has no phonon)."""
    num = landauer._flux_spectrum(m_in, m_out, omega, model, dispersion)
    den = dmm.flux_density(m_in, omega, dispersion)
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


def emission(m_in, omega, T, delta_T, part, dispersion="debye") -> np.ndarray:
    """ħω M(ω) w(ω): the emitted energy spectrum of m_in (J m⁻² K⁻¹ per rad s⁻¹ up to a constant)."""
    return HBAR * omega * dmm.flux_density(m_in, omega, dispersion) * occupation_weight(T, delta_T, part)(omega)


def bin_average(m_in, m_out, model, edges, T, delta_T, part, dispersion="debye") -> np.ndarray:
    """ᾱ averaged over each bin with the emission weight: what a bin's fraction of packets estimates."""
    lo, hi = edges[:-1, None], edges[1:, None]
    omega = lo + (hi - lo) * (np.arange(PER_BIN) + 0.5) / PER_BIN
    w = emission(m_in, omega, T, delta_T, part, dispersion)
    a = np.nan_to_num(alpha(m_in, m_out, model, omega, dispersion))
    total = w.sum(axis=1)
    return np.divide((w * a).sum(axis=1), total, out=np.full(len(total), np.nan), where=total > 0)


def figure(data: dict) -> Figure:
    """The one-column figure of `measured(...)`; build it inside `plot.one_column()`."""
    cfg, model, T, edges = data["cfg"], data["model"], data["T"], data["edges"]
    dispersion, delta_T = cfg.interface.dispersion, cfg.temperatures.delta_T
    fig = Figure(figsize=(plot.COLUMN_WIDTH, 2.8), layout="constrained")
    ax = fig.subplots()
    shade = ax.twinx()
    fine = np.linspace(edges[0], edges[-1], 800)[1:]
    centres = 0.5 * (edges[1:] + edges[:-1])
    for (s, (part, emitted, transmitted)), colour in zip(data["sides"].items(), ("C0", "C3")):
        m_in, m_out = media(cfg, s)
        frac = np.divide(transmitted, emitted, out=np.full(len(emitted), np.nan), where=emitted > 0)
        err = np.sqrt(np.clip(frac * (1 - frac), 0, None) / np.maximum(emitted, 1))
        ax.errorbar(centres * THZ, frac, yerr=err, fmt="o", ms=2.5, capsize=1.2, color=colour,
                    label=f"MC, from {m_in.name}")
        ax.plot(fine * THZ, alpha(m_in, m_out, model, fine, dispersion), "-", color=colour,
                label=f"{model}, from {m_in.name}")
        spectrum = emission(m_in, fine, T, delta_T, part, dispersion)
        shade.fill_between(fine * THZ, spectrum / spectrum.max(), color=colour, alpha=0.12, lw=0)
        ax.fill_between([], [], color=colour, alpha=0.12, lw=0, label=f"emitted by {m_in.name} (a.u.)")
    shade.set_ylim(0.0, 1.05)
    shade.set_yticks([])
    ax.set_zorder(shade.get_zorder() + 1)  # markers above the shading
    ax.patch.set_visible(False)
    ax.set_xlabel("frequency ω/2π (THz)")
    ax.set_ylabel("mode-averaged transmission ᾱ(ω)")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(0.0, edges[-1] * THZ)
    m1, m2 = cfg.interface.material_1, cfg.interface.material_2
    ax.set_title(f"{m1.name} | {m2.name}, {model}, T = {T:g} K")
    ax.legend(loc="upper right", frameon=False)
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="Monte Carlo results file of a bare interface (phononmc run)")
    parser.add_argument("--point", type=int, default=0, help="point index (row of 'phononmc show', from 0)")
    parser.add_argument("-o", "--output", default="spectral_transmission.png", help="the figure (.png)")
    args = parser.parse_args(argv)
    with plot.one_column():
        return plot.figure_script_output(parser, args.output, lambda: figure(measured(args.results, args.point)))


if __name__ == "__main__":
    sys.exit(main())
