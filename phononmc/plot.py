"""Matplotlib figures of thermal boundary conductance.

Figures are built with the object API (`matplotlib.figure.Figure`), never through
pyplot's global state and never shown, so they work headless and in threads:

    fig = plot.conductance_figure(T, {"AMM": G_amm, "DMM": G_dmm}, lowT={"AMM": c_amm})
    plot.save(fig, "G.png")
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from phononmc.io import atomic_target

#: An asymptote is drawn only where it lies below this multiple of its curve.
ASYMPTOTE_CLIP = 3.0
MW = 1e6


def _colours(n: int) -> list:
    from matplotlib import rcParams

    cycle = rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def _positive(a: np.ndarray) -> np.ndarray:
    """Copy with non-positive and non-finite values as NaN (gaps on log axes)."""
    a = np.array(a, dtype=float)
    a[~(np.isfinite(a) & (a > 0.0))] = np.nan
    return a


def conductance_figure(T, curves: dict, lowT: dict | None = None, title: str | None = None,
                       points: dict | None = None) -> Figure:
    """Log-log G(T) in MW m⁻² K⁻¹ against T (K).

    Parameters
    ----------
    T : temperatures (K), shape (n,).
    curves : {label: G} with G (W m⁻² K⁻¹) of shape (n,) drawn as a line, or
        {label: (G, G_err)} drawn as markers with error bars (Monte Carlo results).
    lowT : {label: G/T³ (W m⁻² K⁻⁴)}: for these labels a dashed T³ asymptote in the
        curve's colour, drawn only where it is below ~3× the curve.
    title : optional axes title.
    points : {label: (T_points, G, G_err)} drawn as markers with error bars at their own
        temperatures, in the colour of the curve with the same label (Monte Carlo over
        the analytic line); legend entry "<label> (MC)".
    """
    T = np.asarray(T, dtype=float).ravel()
    if T.size == 0 or np.any(~np.isfinite(T)) or np.any(T <= 0.0):
        raise ValueError("T must be a non-empty array of finite temperatures > 0 K")
    order = np.argsort(T)
    Ts = T[order]
    lowT = dict(lowT or {})
    unknown = set(lowT) - set(curves)
    if unknown:
        raise ValueError(f"lowT labels {sorted(unknown)} have no curve; curves are {sorted(curves)}")

    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")

    handles, labels = [], []  # in the order of `curves` (matplotlib would put lines first)
    for colour, (label, value) in zip(_colours(len(curves)), curves.items()):
        err = None
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(f"curve {label!r}: give G or (G, G_err), got a tuple of {len(value)}")
            value, err = value
        G = np.asarray(value, dtype=float).ravel()
        if G.shape != T.shape:
            raise ValueError(f"curve {label!r} has {G.size} values for {T.size} temperatures")
        Gs = _positive(G[order])
        if err is None:
            (handle,) = ax.plot(Ts, Gs / MW, "-", color=colour, label=label)
        else:
            E = np.asarray(err, dtype=float).ravel()
            if E.shape != T.shape:
                raise ValueError(f"curve {label!r} has {E.size} errors for {T.size} temperatures")
            handle = ax.errorbar(Ts, Gs / MW, yerr=E[order] / MW, fmt="o", ms=4, capsize=2, color=colour, label=label)
        handles.append(handle)
        labels.append(str(label))
        if label in lowT:
            _asymptote(ax, Ts, Gs, float(lowT[label]), colour)
        if points and label in points:
            tp, gp, ep = (np.asarray(a, dtype=float).ravel() for a in points[label])
            handles.append(ax.errorbar(tp, gp / MW, yerr=ep / MW, fmt="o", ms=4, capsize=2, color=colour))
            labels.append(f"{label} (MC)")

    if lowT:
        handles.append(Line2D([], [], ls="--", color="0.4"))
        labels.append(r"low-$T$ limit $\propto T^3$")
    if handles:
        ax.legend(handles, labels, frameon=False)
    ax.set_xlabel("T (K)")
    ax.set_ylabel(r"G (MW m$^{-2}$ K$^{-1}$)")
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


def _asymptote(ax, Ts, Gs, coefficient: float, colour) -> None:
    """Dashed coefficient·T³ (W m⁻² K⁻¹) where it stays below ASYMPTOTE_CLIP × the curve."""
    ok = np.isfinite(Gs)
    if coefficient <= 0.0 or not np.isfinite(coefficient) or ok.sum() == 0:
        return
    if ok.sum() == 1:
        grid, curve = Ts[ok], Gs[ok]
    else:
        grid = np.geomspace(Ts[ok][0], Ts[ok][-1], 200)
        curve = np.exp(np.interp(np.log(grid), np.log(Ts[ok]), np.log(Gs[ok])))
    line = coefficient * grid**3
    line[line > ASYMPTOTE_CLIP * curve] = np.nan
    if np.all(np.isnan(line)):
        return
    ax.plot(grid, line / MW, "--", color=colour, lw=1.0, zorder=1.5, label="_nolegend_")


def save(fig: Figure, path) -> Path:
    """Write ``fig`` as PNG (150 dpi) to ``path`` via a temporary file, then close it."""
    path = Path(path)
    try:
        with atomic_target(path) as tmp:
            fig.savefig(tmp, dpi=150, format="png")
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")  # close only if pyplot manages it
        if pyplot is not None:
            pyplot.close(fig)
    return path
