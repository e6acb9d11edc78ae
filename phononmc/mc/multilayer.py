"""Incoherent multilayer Monte Carlo: a stack of layers between two half-spaces.

Geometry: material_1 | layer 1 | … | layer n | material_2, the first interface at z = 0.
The half-spaces are ballistic leads (no bulk scattering) closed by black walls at
T ± ΔT/2: a packet that re-enters a lead never returns, as into a half-space, and each
lead emits its emitted-phonon temperature. The slab kernel (`mc.slab`) carries the
packets: at every internal interface `events._interface_event` applies the model's rules
(AMM with mode conversion and cutoffs, DMM, mixtures …) with that interface's own tables;
inside a layer a packet flies ballistically, or scatters where the layer has bulk
scattering (`bulk.Scattering`, re-emission ∝ C_j/τ_j as in the slab). A graded layer is
`transmission.multilayer.graded` between its neighbours: uniform Debye sublayers.

The net flux per kelvin between the leads is the Landauer conductance of the stack,
G_stack = q/ΔT (emitted-phonon temperatures), the particle (incoherent) counterpart of the
coherent `transmission.multilayer.conductance` and equal, without bulk scattering, to the
analytic `transmission.incoherent.incoherent_conductance`: phases are never followed, so
a ballistic stack's G does not depend on the layer thicknesses. q is scored at the first
interface; steady state makes every interface and both walls carry the same q (a check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phononmc import io, landauer
from phononmc.dispersion import branches
from phononmc.mc.slab import CORRELATED, geometry, heat_capacity, plan_walls, stack_interfaces
from phononmc.mc.tallies import ScoreTally
from phononmc.transmission import incoherent, multilayer

#: Thickness (m) of each ballistic lead; nothing scatters in a lead, so any value gives the same G.
LEAD = 1e-9
#: Frequencies of the stored transmission spectra, evenly spaced up to material_1's highest cutoff.
N_SPECTRUM = 120


@dataclass(frozen=True)
class Sublayer:
    """One uniform layer of the expanded stack: material, thickness (m), `bulk.Scattering` or
    None (ballistic), tally cells."""

    material: object
    thickness: float
    scattering: object
    cells: int


def expand(cfg, thicknesses) -> list[Sublayer]:
    """The uniform layers of cfg.layers.stack for one variant of thicknesses (m, one per
    stack entry): a graded entry becomes its sublayers, graded linearly between the
    materials next to it (material_1 / material_2 at the ends)."""
    stack = cfg.layers.stack
    ends = [cfg.interface.material_1, *(layer.material for layer in stack), cfg.interface.material_2]
    out = []
    for i, (layer, h) in enumerate(zip(stack, thicknesses)):
        scat = cfg.stack_scattering(i)
        if layer.sublayers:
            out += [Sublayer(sub.material, sub.thickness, scat, layer.cells)
                    for sub in multilayer.graded(ends[i], ends[i + 2], h, layer.sublayers)]
        else:
            out.append(Sublayer(layer.material, h, scat, layer.cells))
    return out


@dataclass
class StackPoint:
    """A stack at one (model, T, thicknesses): tallies of both walls and what follows.

    names, thickness : the uniform layers between the half-spaces (m). swept : thickness (m)
    of the layer of a thickness series (NaN without one). heat_capacity : C per medium,
    leads included (J m⁻³ K⁻¹). spectra : ᾱ(ω) of the stack (`coherent_spectra` and
    "alpha_incoherent", `incoherent_analytic`). emitted : (g₁/2, g₂/2) per kelvin of ΔT (W m⁻² K⁻¹).
    tallies : [wall 1, wall 2] `ScoreTally`. G_interface : Landauer G of the bare
    material_1 | material_2 interface under the model; G_coherent : coherent wave G of the
    stack; G_incoherent : analytic incoherent G (NaN where it does not apply: bulk scattering,
    or a model without a closed form). All W m⁻² K⁻¹, emitted-phonon temperatures.
    """

    model: str
    T: float
    delta_T: float
    names: tuple
    thickness: tuple
    swept: float
    cells: tuple
    heat_capacity: tuple
    emitted: tuple
    tallies: list
    G_interface: float
    G_coherent: float
    G_incoherent: float
    spectra: dict
    complete: bool = False

    @property
    def batches(self) -> int:
        return min(t.batches for t in self.tallies)

    @property
    def edges(self) -> np.ndarray:
        """Cell edges (m), leads included, from wall 1 at −LEAD."""
        bounds = np.concatenate([[-LEAD, 0.0], np.cumsum(self.thickness), [sum(self.thickness) + LEAD]])
        parts = [np.linspace(a, b, n + 1)[:-1] for a, b, n in zip(bounds[:-1], bounds[1:], self.cells)]
        return np.concatenate([*parts, bounds[-1:]])

    def crossed(self) -> tuple[np.ndarray, np.ndarray]:
        """(q_k, σ_k): net flux through each interface per kelvin of ΔT (W m⁻² K⁻¹), both walls."""
        mean = sum(t.mean("crossed") for t in self.tallies)
        return mean, np.sqrt(sum(t.stderr("crossed") ** 2 for t in self.tallies))

    def profile(self) -> tuple[np.ndarray, np.ndarray]:
        """(θ_k, σ_k): cell temperatures (T_k − T)/ΔT from the energy density (leads included)."""
        width = np.diff(self.edges)
        c = np.repeat(self.heat_capacity, self.cells)
        mean = sum(t.mean("energy") for t in self.tallies) / (width * c)
        err = np.sqrt(sum(t.stderr("energy") ** 2 for t in self.tallies)) / (width * c)
        return mean, err

    # ------------------------------------------------------------ run protocol (mc.run)
    @property
    def label(self) -> str:
        size = f" layer {self.swept * 1e9:g} nm" if math.isfinite(self.swept) else ""
        return f"{self.model} T={self.T:g} K{size}"

    def measured(self) -> tuple[float, float]:
        """(G_stack, σ) = net flux per kelvin through the first interface (W m⁻² K⁻¹)."""
        q, err = self.crossed()
        return float(q[0]), float(err[0])

    def group(self) -> dict:
        g = "W m^-2 K^-1"
        q, q_err = self.crossed()
        theta, theta_err = self.profile()
        G, G_err = self.measured()
        ds = {"G": (np.float64(G), g), "G_err": (np.float64(G_err), g),
              "q_interfaces": (q, g), "q_interfaces_err": (q_err, g),
              "edges": (self.edges, "m"), "theta_energy": (theta, "K/K"), "theta_energy_err": (theta_err, "K/K"),
              "thickness": (np.array(self.thickness), "m"),
              "G_interface": (np.float64(self.G_interface), g), "G_coherent": (np.float64(self.G_coherent), g),
              "G_incoherent": (np.float64(self.G_incoherent), g),
              **{name: (value, "rad s^-1" if name == "omega" else "1") for name, value in self.spectra.items()}}
        for wall, t in zip((1, 2), self.tallies):
            ds.update(t.datasets(f"wall{wall}_", g))
        attrs = {"model": self.model, "T": self.T, "delta_T": self.delta_T, "layers": list(self.names),
                 "swept": self.swept, "cells": np.array(self.cells), "heat_capacity": np.array(self.heat_capacity),
                 "emitted": np.array(self.emitted), "complete": self.complete,
                 "temperature_definition": "G = q / (T1 - T2) between the emitted-phonon temperatures of the two "
                                           "half-spaces (Landauer); G_coherent, G_incoherent, G_interface likewise"}
        return {"attrs": attrs, "datasets": ds}

    def restore(self, group) -> None:
        self.tallies = [t.restored(group, f"wall{wall}_") for wall, t in zip((1, 2), self.tallies)]


def wave_stack(layers) -> list:
    """The `transmission.multilayer.Layer`s (material, thickness) of expanded `Sublayer`s."""
    return [multilayer.Layer(s.material, s.thickness) for s in layers]


def has_incoherent(layers, model) -> bool:
    """True where the analytic incoherent stack applies: AMM or DMM, and no bulk scattering."""
    return model.kind in ("amm", "dmm") and all(s.scattering is None for s in layers)


def _frequencies(m1) -> tuple[np.ndarray, np.ndarray]:
    """The `N_SPECTRUM` frequencies of the stored spectra (rad s⁻¹) and the weights D_1j v_1j (3, n)."""
    bs = branches(m1)
    omega = np.linspace(0.0, max(b.omega_cutoff for b in bs), N_SPECTRUM + 1)[1:]
    return omega, np.stack([b.dos_velocity(omega) for b in bs])


def _mode_average(m1, alpha) -> np.ndarray:
    """ᾱ(ω) = Σ_j D_1j v_1j α_1j / Σ_j D_1j v_1j of per-branch α (3, n) on `_frequencies`."""
    weight = _frequencies(m1)[1]
    return (weight * alpha).sum(axis=0) / weight.sum(axis=0)


def coherent_spectra(m1, m2, layers, n_angle: int) -> dict:
    """Mode-averaged transmissions ᾱ(ω) (`_mode_average`) on `_frequencies` ("omega", rad s⁻¹):
    "alpha_coherent" through the stack and "alpha_bare" of the bare m1 | m2 interface (coherent,
    i.e. the AMM)."""
    omega = _frequencies(m1)[0]
    stack = wave_stack(layers)
    return {"omega": omega, "alpha_coherent": _mode_average(m1, multilayer.alpha(m1, m2, stack, omega, n_angle)),
            "alpha_bare": _mode_average(m1, multilayer.alpha(m1, m2, [], omega, n_angle))}


def incoherent_analytic(m1, m2, layers, temps, model, n_angle: int) -> tuple[np.ndarray, np.ndarray]:
    """(G(T) per temperature, ᾱ(ω) on `_frequencies`) of the analytic incoherent stack; NaN where
    `has_incoherent` is false. Neither depends on the thicknesses (no phases, no scattering)."""
    if not has_incoherent(layers, model):
        return np.full(len(temps), np.nan), np.full(N_SPECTRUM, np.nan)
    stack = wave_stack(layers)
    alpha = incoherent.incoherent_alpha(m1, m2, stack, _frequencies(m1)[0], model.kind, n_angle)
    return np.atleast_1d(incoherent.incoherent_conductance(m1, m2, stack, temps, model.kind)), _mode_average(m1, alpha)


def stack_points(cfg) -> tuple[list, list]:
    """The points of a [layers] run (models × temperatures × thickness variants) and, for
    each, its two `slab.WallPlan`s."""
    m1, m2, lay, mc = cfg.interface.material_1, cfg.interface.material_2, cfg.layers, cfg.monte_carlo
    variants = lay.variants
    series = next((i for i, layer in enumerate(lay.stack) if len(layer.thickness) > 1), None)
    expanded = [expand(cfg, v) for v in variants]
    media = [m1, *(s.material for s in expanded[0]), m2]
    scattering = [None, *(s.scattering for s in expanded[0]), None]
    cells = (1, *(s.cells for s in expanded[0]), 1)
    temps = np.array(cfg.temperatures.values)
    coherent = [multilayer.conductance(m1, m2, wave_stack(layers), temps,
                                       lay.n_omega, lay.n_angle) for layers in expanded]
    spectra = [coherent_spectra(m1, m2, layers, lay.n_angle) for layers in expanded]
    points, plans = [], []
    for model in cfg.models:
        ifs = stack_interfaces(media, model)
        g_inc, alpha_inc = incoherent_analytic(m1, m2, expanded[0], temps, model, lay.n_angle)
        for it, T in enumerate(cfg.temperatures.values):
            g_bare = float(landauer.conductance(m1, m2, T, model, delta_T=cfg.temperatures.delta_T))
            geometries = [geometry((LEAD, *(s.thickness for s in layers), LEAD), cells) for layers in expanded]
            walls, _ = plan_walls(media, scattering, model, T, cfg.temperatures.delta_T, geometries, ifs)
            C = tuple(heat_capacity(m, T) for m in media)
            for v, layers, pair, g_coh, spec in zip(variants, expanded, walls, coherent, spectra):
                tallies = [ScoreTally(w.layout, w.unit / mc.packets_per_batch, CORRELATED) for w in pair]
                points.append(StackPoint(str(model), T, cfg.temperatures.delta_T, tuple(s.material.name for s in layers),
                                         tuple(s.thickness for s in layers),
                                         v[series] if series is not None else math.nan, cells, C,
                                         tuple(w.unit for w in pair), tallies, g_bare, float(g_coh[it]),
                                         float(g_inc[it]), {**spec, "alpha_incoherent": alpha_inc}))
                plans.append(pair)
    return points, plans


# ---------------------------------------------------------------- reading results
def read_points(path) -> tuple[dict, list[dict]]:
    """Root attributes and one plain record per point (attributes and results) of a layers file."""
    res = io.read(path, kind="layers")
    records = []
    for _, g in sorted(res.groups.items()):
        rec = dict(g.attrs)
        rec.update({k: np.asarray(g[k])[()] for k in g.datasets if not k.startswith("wall")})
        rec["batches"] = int(min(np.asarray(g[f"wall{w}_batches"]) for w in (1, 2)))
        records.append(rec)
    return res.attrs, records


def format_table(records) -> str:
    """Stack points as a text table: the Monte Carlo G_stack with its error beside the analytic
    incoherent G, the coherent G and the bare interface (MW m⁻² K⁻¹)."""
    mw = 1e6
    head = (f"{'model':<14} {'T [K]':>7} {'layer [nm]':>10} {'G_MC (incoherent)':>20} {'z':>6} "
            f"{'G_incoherent':>12} {'G_coherent':>11} {'G_interface':>11} {'batches':>8}")
    lines = [head, "-" * len(head)]
    for r in records:
        z = (r["G"] - r["G_incoherent"]) / r["G_err"] if math.isfinite(r["G_incoherent"]) else math.nan
        swept = f"{r['swept'] * 1e9:10.4g}" if math.isfinite(r["swept"]) else f"{'-':>10}"
        lines.append(f"{r['model']:<14} {r['T']:>7.4g} {swept} {r['G'] / mw:>10.5g} ± {r['G_err'] / mw:<7.2g} "
                     f"{z:>6.2f} {r['G_incoherent'] / mw:>12.5g} {r['G_coherent'] / mw:>11.5g} "
                     f"{r['G_interface'] / mw:>11.5g} {r['batches']:>8d}")
    return "\n".join(lines)
