"""G(T) of diamond | Pb with the inelastic channel, against the elastic models and the radiation limit.

    python analysis/inelastic_conductance.py -o inelastic.png [--materials diamond Pb]
        [--A 0.02 --q 0 --m 0 --T-ref 300 --omega-ref 1e13] [--T-range 2 500] [--points 30]

Analytic Landauer G (emitted-phonon temperatures, phonons from medium 1), two panels:
(a) G(T), log–log: the elastic DMM and AMM (dashed), each with the inelastic channel
    τ_inel = A (T/T_ref)^q (ω/ω_ref)^m (solid), and the phonon radiation limit (dotted), the
    bound on every elastic model;
(b) the fraction of the heat carried inelastically, G_inel / G.

Medium 1 is the stiff side: its phonons above the soft side's cutoffs have no elastic
partner, which is what the channel adds (docs/theory.md, "Inelastic channel"). Detailed balance
bounds A by what medium 2 can return; a too large A stops with that error.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from matplotlib.figure import Figure

import phononmc as pm
from phononmc import landauer
from phononmc.models import Model
from phononmc.plot import figure_script_output
from phononmc.transmission.inelastic import Inelastic

KINDS = ("dmm", "amm")
COLOURS = {"dmm": "C0", "amm": "C3"}


def curves(m1, m2, T, channel: Inelastic) -> dict:
    """{label: G(T) (W m⁻² K⁻¹)} for the elastic DMM and AMM, each with `channel`, and the radiation limit."""
    out = {}
    for kind in KINDS:
        out[kind] = landauer.conductance(m1, m2, T, kind)
        model = Model(kind, inelastic=channel)
        out[model.label] = landauer.conductance(m1, m2, T, model)
    out["radiation limit"] = landauer.radiation_limit(m1, m2, T)
    return out


def figure(m1, m2, T, channel: Inelastic) -> Figure:
    """The two panels (see the module docstring)."""
    g = curves(m1, m2, T, channel)
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax_g, ax_f = fig.subplots(1, 2)
    for kind in KINDS:
        label = Model(kind, inelastic=channel).label
        ax_g.plot(T, g[kind], "--", color=COLOURS[kind], label=f"{kind.upper()} (elastic)")
        ax_g.plot(T, g[label], "-", color=COLOURS[kind], label=f"{kind.upper()} + inelastic")
        ax_f.plot(T, 1.0 - g[kind] / g[label], "-", color=COLOURS[kind], label=f"{kind.upper()} + inelastic")
    ax_g.plot(T, g["radiation limit"], "k:", lw=1.5, label="phonon radiation limit")
    ax_g.set_xscale("log")
    ax_g.set_yscale("log")
    ax_g.set_xlabel("T (K)")
    ax_g.set_ylabel("G (W m⁻² K⁻¹)")
    ax_g.set_title("(a) thermal boundary conductance")
    ax_g.legend(fontsize=8, frameon=False)
    ax_f.set_xscale("log")
    ax_f.set_ylim(0.0, 1.0)
    ax_f.set_xlabel("T (K)")
    ax_f.set_ylabel("G_inel / G")
    ax_f.set_title("(b) fraction of the heat carried inelastically")
    ax_f.legend(fontsize=8, frameon=False)
    fig.suptitle(f"{m1.name} | {m2.name}, channel on the phonons of {m1.name}: τ_inel = A (T/{channel.T_ref:g} K)^q "
                 f"(ω/{channel.omega_ref:.3g} rad/s)^m with A = {channel.A:g}, q = {channel.q:g}, m = {channel.m:g}")
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--materials", nargs=2, default=["diamond", "Pb"], metavar=("M1", "M2"),
                        help="medium 1 (the stiff side, whose phonons the channel takes) and medium 2")
    parser.add_argument("--A", type=float, default=0.02, help="amplitude of tau_inel (>= 0)")
    parser.add_argument("--q", type=float, default=0.0, help="temperature exponent of tau_inel")
    parser.add_argument("--m", type=float, default=0.0, help="frequency exponent of tau_inel")
    parser.add_argument("--T-ref", type=float, default=300.0, help="reference temperature (K)")
    parser.add_argument("--omega-ref", type=float, default=1e13, help="reference angular frequency (rad/s)")
    parser.add_argument("--T-range", nargs=2, type=float, default=[2.0, 500.0], metavar=("TMIN", "TMAX"),
                        help="temperature range (K), log-spaced")
    parser.add_argument("--points", type=int, default=30, help="points per curve (>= 2)")
    parser.add_argument("-o", "--output", default="inelastic_conductance.png", help="the figure (.png)")
    args = parser.parse_args(argv)

    def build():
        m1, m2 = (pm.material(name) for name in args.materials)
        channel = Inelastic(args.A, q=args.q, m=args.m, T_ref=args.T_ref, omega_ref=args.omega_ref)
        tmin, tmax = args.T_range
        if not 0 < tmin < tmax:
            raise ValueError(f"--T-range {tmin:g} {tmax:g}: need 0 < TMIN < TMAX (K)")
        if args.points < 2:
            raise ValueError(f"--points {args.points}: a curve needs at least 2 points")
        return figure(m1, m2, np.geomspace(tmin, tmax, args.points), channel)

    return figure_script_output(parser, args.output, build)


if __name__ == "__main__":
    sys.exit(main())
