"""Specularity crossover: G of a rough interface (Ziman, Soffer) between the AMM and the DMM.

    python analysis/specularity_crossover.py -o crossover.png [--materials Ge GaAs] [--eta 0.1 0.3 1]

Three panels, analytic Landauer G (emitted-phonon temperatures, phonons from medium 1):
(a) G against η/λ_dom at two temperatures: AMM-like where η ≪ λ_dom, DMM-like where η ≫ λ_dom;
(b) G(T)/G_AMM(T) at fixed rms roughness η, with the DMM's: AMM-like at low T, DMM-like at
    high T;
(c) the mean specularity p̄(T) of the phonons medium 1 emits at the same η, weighted by
    their flux ħω D_j v_j ∂n/∂T (Soffer's p also over the Lambert angles): 1 at low T (long
    waves see a smooth interface), 0 at high T. (p̄ rather than (G − G_DMM)/(G_AMM − G_DMM):
    that share is ill-conditioned where G_AMM ≈ G_DMM, e.g. Au|diamond below 10 K.)

λ_dom = 2π ħ v_T,1 / (x_dom k_B T), x_dom = 3.83: the wavelength, in medium 1's transverse
branches (which carry most of the flux), at the peak of the spectral conductance
dG/dω ∝ x⁴eˣ/(eˣ − 1)² (x = ħω/k_B T, Debye density of states).
Ziman: p = exp(−16π³η²/λ²); Soffer: p = exp(−16π²η²cos²θ/λ²) (`transmission/specularity.py`).
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from matplotlib.figure import Figure

import phononmc as pm
from phononmc import landauer
from phononmc.constants import HBAR, K_B
from phononmc.dispersion import branches
from phononmc.models import Model
from phononmc.quadrature import bose_derivative, thermal_frequency_nodes
from phononmc.transmission import specularity
from phononmc.plot import figure_script_output

#: ħω/k_B T at the peak of x⁴eˣ/(eˣ − 1)²: the root of 4/x = (eˣ + 1)/(eˣ − 1).
X_DOMINANT = 3.8300
KINDS = ("ziman", "soffer")


def dominant_wavelength(m, T):
    """λ_dom (m) of the transverse branches of medium m at temperature(s) T (K)."""
    return 2.0 * math.pi * HBAR * m.v_trans / (X_DOMINANT * K_B * np.asarray(T, dtype=float))


def versus_roughness(m1, m2, T, ratios, kind):
    """G (W m⁻² K⁻¹) of model `kind` at T for η = ratio · λ_dom(T), one per ratio."""
    lam = float(dominant_wavelength(m1, T))
    return np.array([float(landauer.conductance(m1, m2, T, Model(kind, roughness=float(r * lam)))) for r in ratios])


def versus_temperature(m1, m2, T, eta, kind):
    """G(T) (W m⁻² K⁻¹) of model `kind` at rms roughness η (m), or of "amm"/"dmm" with eta None."""
    return landauer.conductance(m1, m2, T, kind if eta is None else Model(kind, roughness=float(eta)))


def mean_specularity(m1, T, eta, kind):
    """Flux-weighted p̄(T) of the phonons of m1 at rms roughness η (m): Σ_j ∫ F_j p_j dω / Σ_j ∫ F_j dω
    with F_j = ħω D_j v_j ∂n/∂T; Soffer's p averaged over 2μ dμ (`specularity.soffer_hemispherical`)."""
    bs = branches(m1)
    omega, weight = thermal_frequency_nodes(T, [b.omega_cutoff for b in bs])
    flux = np.stack([b.dos_velocity(omega) for b in bs]) * omega * bose_derivative(omega, np.asarray(T)[:, None])
    k = np.stack([np.nan_to_num(b.wavevector(omega)) for b in bs])
    p = specularity.ziman(k, eta) if kind == "ziman" else specularity.soffer_hemispherical(k, eta)
    return (flux * p * weight).sum(axis=(0, 2)) / (flux * weight).sum(axis=(0, 2))


def figure(m1, m2, etas_nm=(0.1, 0.3, 1.0), temperatures=(30.0, 300.0), n=40) -> Figure:
    """The three panels (see the module docstring) for m1 | m2."""
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    ax_a, ax_b, ax_c = fig.subplots(1, 3)
    ratios = np.geomspace(0.01, 3.0, n)
    styles = {"ziman": "-", "soffer": "--"}
    for colour, T in zip(("C0", "C3"), temperatures):
        g_amm, g_dmm = (float(versus_temperature(m1, m2, T, None, k)) for k in ("amm", "dmm"))
        for kind in KINDS:
            ax_a.plot(ratios, versus_roughness(m1, m2, T, ratios, kind) / g_amm, styles[kind], color=colour,
                      label=f"{kind}, {T:g} K")
        ax_a.axhline(g_dmm / g_amm, color=colour, lw=0.8, ls=":", label=f"DMM, {T:g} K")
    ax_a.axhline(1.0, color="k", lw=0.8, label="AMM")
    ax_a.set_xscale("log")
    ax_a.set_xlabel(r"$\eta / \lambda_{dom}$")
    ax_a.set_ylabel(r"$G / G_{AMM}$")
    ax_a.set_title("(a) roughness at fixed T")
    ax_a.legend(fontsize=7, frameon=False)

    T = np.geomspace(1.0, 500.0, n)
    g_amm, g_dmm = versus_temperature(m1, m2, T, None, "amm"), versus_temperature(m1, m2, T, None, "dmm")
    ax_b.axhline(1.0, color="k", lw=0.8, label="AMM")
    ax_b.plot(T, g_dmm / g_amm, "k:", lw=1.5, label="DMM")
    for i, eta in enumerate(etas_nm):
        for kind in KINDS:
            label = f"{kind}, η = {eta:g} nm"
            ax_b.plot(T, versus_temperature(m1, m2, T, eta * 1e-9, kind) / g_amm, styles[kind], color=f"C{i}",
                      label=label)
            ax_c.plot(T, mean_specularity(m1, T, eta * 1e-9, kind), styles[kind], color=f"C{i}", label=label)
    for ax in (ax_b, ax_c):
        ax.set_xscale("log")
        ax.set_xlabel("T (K)")
        ax.legend(fontsize=7, frameon=False)
    ax_b.set_ylabel(r"$G / G_{AMM}$")
    ax_b.set_title("(b) G(T) at fixed roughness")
    ax_c.set_ylim(-0.03, 1.03)
    ax_c.set_ylabel(r"flux-weighted specularity $\bar p$")
    ax_c.set_title(f"(c) mean specularity of {m1.name} phonons")
    fig.suptitle(f"{m1.name} | {m2.name}: specularity crossover (Ziman solid, Soffer dashed)")
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--materials", nargs=2, default=["Ge", "GaAs"], metavar=("M1", "M2"),
                        help="medium 1 and medium 2 (names in the materials database)")
    parser.add_argument("--eta", nargs="+", type=float, default=[0.1, 0.3, 1.0],
                        help="rms roughness values for panels (b) and (c), in nm")
    parser.add_argument("--points", type=int, default=40, help="points per curve (>= 2)")
    parser.add_argument("-o", "--output", default="specularity_crossover.png", help="the figure (.png)")
    args = parser.parse_args(argv)

    def build():
        m1, m2 = (pm.material(name) for name in args.materials)
        if any(not 0 < eta <= 1000 for eta in args.eta):
            raise ValueError(f"--eta {args.eta}: rms roughness values must be in (0, 1000] nm")
        if args.points < 2:
            raise ValueError(f"--points {args.points}: a curve needs at least 2 points")
        return figure(m1, m2, tuple(args.eta), n=args.points)

    return figure_script_output(parser, args.output, build)


if __name__ == "__main__":
    sys.exit(main())
