"""Matplotlib figures of thermal boundary conductance.

Figures are built with the object API (`matplotlib.figure.Figure`), never through
pyplot's global state and never shown, so they work headless and in threads:

    fig = plot.conductance_figure(T, {"AMM": G_amm, "DMM": G_dmm}, lowT={"AMM": c_amm})
    plot.save(fig, "G.png")
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from phononmc.io import atomic_target

#: An asymptote is drawn only where it lies below this multiple of its curve.
ASYMPTOTE_CLIP = 3.0
MW = 1e6
#: Width of a one-column journal figure (inches).
COLUMN_WIDTH = 3.4
#: Text sizes (pt) that stay readable at COLUMN_WIDTH: 7 pt text, 6 pt legends.
COLUMN_RC = {"font.size": 7.0, "axes.titlesize": 7.0, "axes.labelsize": 7.0, "xtick.labelsize": 6.5,
             "ytick.labelsize": 6.5, "legend.fontsize": 6.0, "lines.linewidth": 1.0, "lines.markersize": 3.5}


def one_column():
    """Context in which figures are built (and saved) at one-column text sizes (`COLUMN_RC`):
    ``with plot.one_column(): fig = ...; plot.save(fig, path)``."""
    from matplotlib import rc_context

    return rc_context(COLUMN_RC)


def _narrow(width: float | None) -> bool:
    """A figure this wide (inches) stacks its panels and uses smaller text."""
    return width is not None and width < 1.5 * COLUMN_WIDTH


def _text_sizes(width: float | None) -> dict:
    """Font sizes (pt) of the multi-panel figures: as designed for a page-wide figure, or smaller
    for a narrow one (`_narrow`)."""
    if _narrow(width):
        return {"text": 6.0, "legend": 5.5, "small": 5.0, "title": 7.0, "suptitle": 7.0}
    return {"text": 8.0, "legend": 7.0, "small": 6.0, "title": 9.0, "suptitle": 10.0}


def _colours(n: int) -> list:
    from matplotlib import rcParams

    cycle = rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def _positive(a: np.ndarray) -> np.ndarray:
    """Copy with non-positive and non-finite values as NaN (gaps on log axes)."""
    a = np.array(a, dtype=float)
    a[~(np.isfinite(a) & (a > 0.0))] = np.nan
    return a


#: Up to this many temperatures, an analytic curve also marks the temperatures computed.
SPARSE = 40


def conductance_figure(T, curves: dict, lowT: dict | None = None, title: str | None = None,
                       points: dict | None = None, per_T3: bool = False, bounds: dict | None = None,
                       width: float = 6.4, legend: dict | None = None) -> Figure:
    """Log-log G(T) in MW m⁻² K⁻¹ (or G/T³ in W m⁻² K⁻⁴) against T (K).

    Parameters
    ----------
    T : temperatures (K), shape (n,).
    curves : {label: G} with G (W m⁻² K⁻¹) of shape (n,) drawn as a line (with markers at the
        temperatures if n <= SPARSE), or
        {label: (G, G_err)} drawn as markers with error bars (Monte Carlo results).
    lowT : {label: G/T³ (W m⁻² K⁻⁴)}: for these labels a dashed T³ asymptote in the
        curve's colour, drawn only where it is below ~3× the curve.
    title : optional title.
    points : {label: (T_points, G, G_err)} or {label: (T_points, G, G_err, G_analytic)}
        drawn as markers with error bars at their own temperatures, in the colour of the
        curve with the same label (Monte Carlo over the analytic line); legend entry
        "<label> (MC)". With G_analytic, a panel below shows (G − G_analytic)/G_analytic
        in % with error bars G_err/G_analytic.
    per_T3 : plot G/T³ (W m⁻² K⁻⁴), flat at low T: readable where G spans many decades
        (a liquid-helium side).
    bounds : {label: G} (W m⁻² K⁻¹, shape (n,)) drawn as thin black dash-dotted lines, after
        the curves (e.g. the phonon radiation limit).
    width : figure width (inches); `COLUMN_WIDTH` for one journal column (the height scales).
    legend : extra keywords of the legend (e.g. loc, ncols); a loc "outside ..." puts it beside
        the axes (``Figure.legend``), out of the data's way.
    Error bars shorter than the markers are said so in the legend.
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
    points = {label: tuple(np.asarray(a, dtype=float).ravel() for a in value)
              for label, value in (points or {}).items()}
    for label, value in points.items():
        if len(value) not in (3, 4) or any(a.shape != value[0].shape for a in value):
            raise ValueError(f"points {label!r}: give (T, G, G_err) or (T, G, G_err, G_analytic) of equal lengths")
    residuals = any(len(value) == 4 for value in points.values())

    height = width * (1.0 if residuals else 0.75)
    if str((legend or {}).get("loc", "")).startswith("outside lower"):
        height += 0.11 * (len(curves) + len(points) + 2) / (legend or {}).get("ncols", 1)  # room for the legend
    fig = Figure(figsize=(width, height), layout="constrained")
    if residuals:
        ax, ax_res = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    else:
        ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")

    def scaled(t, g):
        """What the y axis shows: G/T³ (W m⁻² K⁻⁴) or G (MW m⁻² K⁻¹)."""
        return g / t**3 if per_T3 else g / MW

    handles, labels, markers = [], [], []  # in the order of `curves` (matplotlib would put lines first)
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
            # the computed temperatures as markers where they are few: a sparse table shows as the
            # points it is (and a single temperature shows at all), not as a kinked curve
            (handle,) = ax.plot(Ts, scaled(Ts, Gs), "-o" if len(Ts) <= SPARSE else "-", ms=3, color=colour, label=label)
        else:
            E = np.asarray(err, dtype=float).ravel()
            if E.shape != T.shape:
                raise ValueError(f"curve {label!r} has {E.size} errors for {T.size} temperatures")
            handle = _markers(ax, Ts, Gs, E[order], colour, scaled, markers)
        handles.append(handle)
        labels.append(str(label))
        if label in lowT:
            _asymptote(ax, Ts, Gs, float(lowT[label]), colour, scaled)
        if label in points:
            tp, gp, ep, *analytic = points[label]
            handles.append(_markers(ax, tp, gp, ep, colour, scaled, markers))
            labels.append(f"{label} (MC)")
            if analytic:
                ax_res.errorbar(tp, 100.0 * (gp / analytic[0] - 1.0), yerr=100.0 * ep / analytic[0], fmt="o", ms=MARKER,
                                capsize=2, color=colour)

    for label, value in (bounds or {}).items():
        G = np.asarray(value, dtype=float).ravel()
        if G.shape != T.shape:
            raise ValueError(f"bound {label!r} has {G.size} values for {T.size} temperatures")
        (handle,) = ax.plot(Ts, scaled(Ts, _positive(G[order])), "-.", color="k", lw=0.9, label=label)
        handles.append(handle)
        labels.append(str(label))
    if lowT:
        handles.append(Line2D([], [], ls="--", color="0.4"))
        labels.append(r"low-$T$ limit $\propto T^3$")
    ax.set_ylabel(r"G/T$^3$ (W m$^{-2}$ K$^{-4}$)" if per_T3 else r"G (MW m$^{-2}$ K$^{-1}$)")
    ax.grid(True, which="major", alpha=0.3)
    _readable_log_ticks(ax)
    if markers and _error_bars_hidden(fig, ax, markers):
        narrow = width < 1.5 * COLUMN_WIDTH  # two lines in a narrow legend
        labels.append(f"MC error bars are{chr(10) if narrow else ' '}smaller than the markers"
                      + (" (see below)" if residuals else ""))
        handles.append(Line2D([], [], ls="none"))
    if handles:
        options = {"frameon": False, **(legend or {})}
        outside = str(options.get("loc", "")).startswith("outside")
        (fig if outside else ax).legend(handles, labels, **options)
    if residuals:
        ax_res.axhline(0.0, color="0.5", lw=0.8)
        ax_res.set_ylabel("MC − Landauer (%)")
        ax_res.grid(True, which="major", alpha=0.3)
        ax_res.set_xlabel("T (K)")
        ax.tick_params(labelbottom=False)
    else:
        ax.set_xlabel("T (K)")
    if title:
        ax.set_title(title)
    return fig


#: Marker size (points) of Monte Carlo results.
MARKER = 4.0


def _markers(ax, t, g, err, colour, scaled, registry):
    """Markers with ±err bars (G, err in W m⁻² K⁻¹) on the scaled y axis; recorded in `registry`."""
    y = scaled(t, g)
    handle = ax.errorbar(t, y, yerr=(y - scaled(t, g - err), scaled(t, g + err) - y), fmt="o", ms=MARKER,
                         capsize=2, color=colour)
    registry.append((t, y, scaled(t, g + err)))
    return handle


def _error_bars_hidden(fig, ax, markers) -> bool:
    """True when every error bar reaches less than a marker radius beyond its centre (on screen)."""
    fig.draw_without_rendering()  # the final axes size, after the constrained layout
    radius = 0.5 * MARKER * fig.dpi / 72.0
    for t, y, top in markers:
        ok = np.isfinite(y) & np.isfinite(top) & (y > 0)
        if not ok.any():
            continue
        centre = ax.transData.transform(np.column_stack([t[ok], y[ok]]))[:, 1]
        upper = ax.transData.transform(np.column_stack([t[ok], top[ok]]))[:, 1]
        if np.any(upper - centre >= radius):
            return False
    return True


def _tick_label(value, _pos=None) -> str:
    """1, 0.5, 200 plainly; very small or large values as m×10ⁿ."""
    if 1e-3 <= value < 1e4:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    power = rf"10^{{{int(exponent)}}}"
    return rf"${power}$" if mantissa == "1" else rf"${mantissa}\times{power}$"


def _readable_log_ticks(ax) -> None:
    """Label major ticks only; on an axis spanning under two decades put them at 1, 2, 5 × 10ⁿ
    (under 0.7 decade at every integer × 10ⁿ) so that some are labelled and none overlap."""
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        axis.set_minor_formatter(NullFormatter())
        decades = math.log10(hi / lo)
        if decades < 2.0:
            subs = (1.0, 2.0, 5.0) if decades >= 0.7 else tuple(range(1, 10))
            axis.set_major_locator(LogLocator(subs=subs))
        if decades < 2.0 or axis is ax.xaxis:
            axis.set_major_formatter(FuncFormatter(_tick_label))


def _asymptote(ax, Ts, Gs, coefficient: float, colour, scaled) -> None:
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
    ax.plot(grid, scaled(grid, line), "--", color=colour, lw=1.0, zorder=1.5, label="_nolegend_")


def check_path(path) -> Path:
    """``path`` as a Path; ValueError unless it names a .png file (figures are written as PNG)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path}: a figure is written as PNG; the file name must end in .png")
    return path


def save(fig: Figure, path) -> Path:
    """Write ``fig`` as PNG (150 dpi) to ``path`` (.png) via a temporary file, then close it.

    A failure raises OSError naming ``path``, never the temporary file.
    """
    path = check_path(path)
    try:
        if not path.parent.is_dir():
            raise FileNotFoundError(f"directory {path.parent} does not exist")
        with atomic_target(path) as tmp:
            fig.savefig(tmp, dpi=150, format="png")
    except OSError as exc:
        if exc.strerror is None:
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")  # close only if pyplot manages it
        if pyplot is not None:
            pyplot.close(fig)
    return path


def profile_figure(records, title: str | None = None, width: float | None = None) -> Figure:
    """Temperature profiles of slab points (`mc.slab.point_record`s), one panel each:
    (T − T_ref)/ΔT against z (nm), the energy-density temperature with error bars and the
    pseudo-temperature as a line, the wall temperatures; for bilayers the far-field fits
    (solid over the fitted cells), their extrapolation to the interface (dashed) and the jump
    between them, annotated with the measured G beside the Landauer and textbook G.
    width: figure width (inches; default 7.5), e.g. `COLUMN_WIDTH` with smaller text."""
    n = len(records)
    fs = _text_sizes(width)
    width = width or 7.5
    fig = Figure(figsize=(width, (1.0 + 3.4 * n) * min(1.0, width / 5.0)), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    nm = 1e9
    for i, (ax, r) in enumerate(zip(axes, records)):
        z = np.asarray(r["z"]) * nm
        size = f"{r['L1'] * nm:g} | {r['L2'] * nm:g} nm" if r["L2"] > 0 else f"{r['L1'] * nm:g} nm"
        ax.errorbar(z, r["theta_energy"], yerr=r["theta_energy_err"], fmt="o", ms=3, color="C0", capsize=1.5,
                    label="energy-density temperature")
        ax.plot(z, r["theta_pseudo"], "-", lw=0.8, color="C1", label="pseudo-temperature")
        ax.plot([-r["L1"] * nm, r["L2"] * nm], [0.5, -0.5], "s", ms=6, mfc="none", color="k",
                label="wall temperatures (the gap to the profile is the boundary slip)")
        if "fit_lines" in r and np.isfinite(r["G"]):
            for k, ((a, b, lo, hi), end) in enumerate(zip(r["fit_lines"], (-r["L1"], r["L2"]))):
                inner = np.array([lo, hi])
                ax.plot(inner * nm, a + b * inner, "-", color="k", lw=1.3,
                        label="far-field fits; dashed: extrapolated to the interface" if k == 0 else "_nolegend_")
                out = np.array([0.0, lo if end < 0 else hi])
                ax.plot(out * nm, a + b * out, "--", color="k", lw=1.0)
            t1, t2 = (line[0] for line in r["fit_lines"])
            ax.annotate("", xy=(0, t2), xytext=(0, t1), arrowprops={"arrowstyle": "<->", "color": "C3", "lw": 1.5})
            ax.text(0.02, 0.04, f"jump {r['jump']:.4f} ± {r['jump_err']:.4f} ΔT\n"
                    f"G measured = {r['G'] / MW:.4g} ± {r['G_err'] / MW:.2g} MW m⁻² K⁻¹\n"
                    f"Landauer {r['G_landauer'] / MW:.4g}, textbook equilibrium {r['G_equilibrium'] / MW:.4g}",
                    transform=ax.transAxes, va="bottom", ha="left", fontsize=fs["text"], color="C3")
        ax.axvline(0.0, color="0.6", lw=0.8, zorder=0)
        ax.axhline(0.0, color="0.85", lw=0.6, zorder=0)
        ax.set_title(f"{r['model']}, T = {r['T']:g} K, {size}", fontsize=fs["title"])
        ax.set_ylabel("(T(z) − T) / ΔT")
        if i == 0:
            ax.legend(fontsize=fs["legend"], loc="upper right")
    axes[-1].set_xlabel("z (nm): wall 1 (T + ΔT/2) at left, wall 2 (T − ΔT/2) at right")
    if title:
        fig.suptitle(title, fontsize=fs["suptitle"])
    return fig


def figure_script_output(parser, output, build) -> int:
    """The end of a figure script's main: check that -o `output` is a .png in an existing folder,
    build the figure (`build()`, a `Figure`) and `save` it. A ValueError or KeyError (bad
    input, unknown material) exits with a one-line error and status 2, a failed write with 1."""
    try:
        if not check_path(output).parent.is_dir():
            raise ValueError(f"-o {output}: the folder {Path(output).parent} does not exist")
        fig = build()
    except (ValueError, KeyError) as exc:
        parser.exit(2, f"{parser.prog}: error: {' '.join(str(exc).split())}\n")
    try:
        save(fig, output)
    except OSError as exc:
        parser.exit(1, f"{parser.prog}: error: -o {output}: cannot write: {exc.strerror or exc}\n")
    print(f"wrote {output}")
    return 0


def roughness_figure(records, title: str | None = None, width: float | None = None) -> Figure:
    """Rough-interface points (`mc.rough.read_points` records): (a) G against the surfaces'
    rms slope, per model and temperature, with error bars, beside the flat interface's Landauer
    G (dashed); (b) the angular transmission τ(θ) of every surface, flat surfaces included.
    width: figure width (inches; default 11); a narrow one (`COLUMN_WIDTH`) stacks the panels."""
    fs = _text_sizes(width)
    fig = Figure(figsize=(width, 2.2 * width) if _narrow(width) else (width or 11.0, 4.4), layout="constrained")
    ax_g, ax_t = fig.subplots(2, 1) if _narrow(width) else fig.subplots(1, 2)
    groups = {}
    for r in records:
        groups.setdefault((r["model"], r["T"]), []).append(r)
    for ((model, T), rs), colour in zip(groups.items(), _colours(len(groups))):
        rs = sorted(rs, key=lambda r: r["rms_slope"])
        ax_g.errorbar([r["rms_slope"] for r in rs], [r["G"] / MW for r in rs], yerr=[r["G_err"] / MW for r in rs],
                      fmt="o", ms=MARKER, color=colour, capsize=2, label=f"{model}, T = {T:g} K: rough")
        ax_g.axhline(rs[0]["G_flat"] / MW, color=colour, ls="--", lw=1.0, label=f"{model}: flat interface (Landauer)")
    ax_g.set_xlabel("rms slope of the surface")
    ax_g.set_ylabel("G (MW m⁻² K⁻¹)")
    ax_g.legend(fontsize=fs["legend"])
    ax_g.set_title("(a) conductance against roughness", fontsize=fs["title"])
    for r, colour in zip(records, _colours(len(records))):
        edges = np.asarray(r["angle_edges"])
        theta = np.degrees(np.arcsin(0.5 * (edges[1:] + edges[:-1])))
        kind = str(r["surface"]).split(" (")[0]
        ax_t.plot(theta, r["tau"], "-", color=colour, lw=1.2,
                  label=f"{r['model']}, {r['T']:g} K, {kind}, rms slope {r['rms_slope']:.2g}")
    ax_t.set_xlabel(f"angle of incidence θ (deg), packets from medium {records[0]['tau_side'] if records else 1}")
    ax_t.set_ylabel("transmission τ(θ)")
    ax_t.set_ylim(0.0, None)
    ax_t.legend(fontsize=fs["small"])
    ax_t.set_title("(b) angular transmission, flat and rough", fontsize=fs["title"])
    if title:
        fig.suptitle(title, fontsize=fs["suptitle"])
    return fig


def layers_figure(records, title: str | None = None, width: float | None = None) -> Figure:
    """Multilayer points (`mc.multilayer.read_points` records): (a) the mode-averaged
    transmission ᾱ(ω) of material_1's phonons — coherent through the stack (one line per
    thickness of a series), the bare interface, and the incoherent stack — for the first model;
    (b) G against the thickness of the swept layer (or one column per point without a series):
    Monte Carlo (incoherent) with error bars, the analytic incoherent and the coherent G
    (lines), and the bare interface (dashed).
    width: figure width (inches; default 13); a narrow one (`COLUMN_WIDTH`) stacks the panels."""
    fs = _text_sizes(width)
    narrow = _narrow(width)
    fig = Figure(figsize=(width, 2.4 * width) if narrow else (width or 13.0, 4.6), layout="constrained")
    ax_a, ax_g = fig.subplots(2, 1) if narrow else fig.subplots(1, 2)
    first = [r for r in records if r["model"] == records[0]["model"] and r["T"] == records[0]["T"]]
    thz = 1e-12 / (2.0 * math.pi)
    for r, colour in zip(first, _colours(len(first))):
        size = f", layer {r['swept'] * 1e9:g} nm" if math.isfinite(r["swept"]) else ""
        ax_a.plot(np.asarray(r["omega"]) * thz, r["alpha_coherent"], "-", color=colour, lw=1.0,
                  label=f"coherent, with the stack{size}")
    r0 = first[0]
    ax_a.plot(np.asarray(r0["omega"]) * thz, r0["alpha_bare"], "--", color="k", lw=1.2, label="bare interface (AMM)")
    if np.all(np.isfinite(r0["alpha_incoherent"])):
        ax_a.plot(np.asarray(r0["omega"]) * thz, r0["alpha_incoherent"], ":", color="C3", lw=1.8,
                  label=f"incoherent stack ({r0['model']})")
    ax_a.set_xlabel("frequency ω/2π (THz)")
    ax_a.set_ylabel("mode-averaged transmission ᾱ(ω)")
    ax_a.set_ylim(0.0, 1.02)
    ax_a.legend(fontsize=fs["legend"])
    ax_a.set_title("(a) transmission spectra, phonons from material 1", fontsize=fs["title"])
    groups = {}
    for r in records:
        groups.setdefault((r["model"], r["T"]), []).append(r)
    series = all(math.isfinite(r["swept"]) for r in records)
    coherent_done = set()
    for k, (((model, T), rs), colour) in enumerate(zip(groups.items(), _colours(len(groups)))):
        rs = sorted(rs, key=lambda r: r["swept"]) if series else rs
        x = np.array([r["swept"] * 1e9 for r in rs]) if series else np.full(len(rs), float(k))
        style = {"marker": "_", "ms": 14} if not series else {}
        ax_g.errorbar(x, np.array([r["G"] for r in rs], dtype=float) / MW,
                      yerr=np.array([r["G_err"] for r in rs], dtype=float) / MW, fmt="o", ms=MARKER,
                      color=colour, capsize=2, label=f"{model}, {T:g} K: Monte Carlo")
        g_inc = np.array([r["G_incoherent"] for r in rs]) / MW
        if np.all(np.isfinite(g_inc)):
            ax_g.plot(x, g_inc, ":", color=colour, lw=1.5, label=f"{model}, {T:g} K: incoherent, analytic", **style)
        ax_g.plot(x, np.full(len(x), rs[0]["G_interface"] / MW), "--", color=colour, lw=0.8,
                  label=f"{model}, {T:g} K: bare interface", **style)
        if T not in coherent_done:
            coherent_done.add(T)
            ax_g.plot(x, np.array([r["G_coherent"] for r in rs], dtype=float) / MW, "-", color="k", lw=1.0,
                      label=f"{T:g} K: coherent (waves, any model)", **style)
    if series:
        ax_g.set_xlabel("thickness of the swept layer (nm)")
    else:
        ax_g.set_xticks(range(len(groups)), [f"{m}\n{T:g} K" for m, T in groups], fontsize=fs["legend"])
    ax_g.set_yscale("log")
    ax_g.set_ylabel("G (MW m⁻² K⁻¹), emitted-phonon temperatures")
    ax_g.legend(fontsize=fs["small"], **({"loc": "best"} if narrow else {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}))
    ax_g.set_title("(b) conductance of the stack", fontsize=fs["title"])
    if title:
        fig.suptitle(title, fontsize=fs["suptitle"])
    return fig


#: Most temperatures of a layer-thickness sweep drawn as panels against the thickness.
SWEEP_PANELS = 4


def sweep_figure(groups: dict, title: str | None = None, width: float | None = None) -> Figure:
    """G of a sweep's points (`{index: {"attrs", "datasets"}}` as `sweep` writes them) on log–log
    axes: against T, one line per (material pair, model, layer thickness); or, for a sweep of layer
    thicknesses at up to `SWEEP_PANELS` temperatures, against the thickness, one panel per T and
    one line per (pair, model). Monte Carlo points carry their error bars; a stack's coherent G
    is a dashed line. One legend below the panels. width: inches (default 6.5)."""
    fs = _text_sizes(width)
    width = width or 6.5
    attrs = [g["attrs"] for g in groups.values()]
    temps = sorted({float(a["T"]) for a in attrs})
    by_thickness = len(temps) <= SWEEP_PANELS and len({float(a.get("layer_thickness", 0.0)) for a in attrs}) > 1
    panels = temps if by_thickness else [None]
    series, coherent = {}, {}
    for _, g in sorted(groups.items()):
        a, d = g["attrs"], g["datasets"]
        h = float(a.get("layer_thickness", math.nan)) * 1e9
        pair = f"{a['material_1']} | {a['material_2']}"
        x, panel, other = (h, float(a["T"]), "") if by_thickness else (float(a["T"]), None,
                                                                         f"layer {h:g} nm" if h == h else "")
        err = float(d["G_err"][0]) if "G_err" in d else 0.0
        series.setdefault((pair, a["model"], other), {}).setdefault(panel, []).append((x, float(d["G"][0]), err))
        if "G_coherent" in d:
            coherent.setdefault((pair, "coherent (waves)", other), {}).setdefault(panel, {})[x] = float(d["G_coherent"][0])
    n_labels = len(series) + len(coherent)
    fig = Figure(figsize=(width, width * (0.2 + 0.5 * len(panels)) + 0.12 * n_labels / 2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0])
    for ax, panel in zip(axes, panels):
        for key, colour in zip(series, _colours(len(series))):
            x, G, err = (np.array(v, dtype=float) for v in zip(*sorted(series[key][panel])))
            ax.errorbar(x, G / MW, yerr=err / MW, fmt="o-", ms=MARKER, lw=1.0, color=colour, capsize=2,
                        label=", ".join(filter(None, key)))
        for key, style in zip(coherent, ("--", ":", "-.") * len(coherent)):
            line = coherent[key][panel]
            x = sorted(line)
            ax.plot(x, np.array([line[v] for v in x]) / MW, style, color="k", lw=1.0, label=", ".join(filter(None, key)))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("G (MW m⁻² K⁻¹)")
        _readable_log_ticks(ax)  # a sweep often spans under a decade: no crowded minor labels
        if panel is not None:
            ax.set_title(f"T = {panel:g} K", fontsize=fs["title"])
    axes[-1].set_xlabel("thickness of the swept layer (nm)" if by_thickness else "T (K)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=fs["small"],
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=fs["suptitle"])
    return fig
