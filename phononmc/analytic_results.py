"""Analytic (Landauer) results files: what ``phononmc analytic --h5`` writes and
``phononmc show`` reads, in the `phononmc.io` schema with kind "analytic".

    res = AnalyticResults(si, ge, T, {"amm": {"G": G, "R_K": 1 / G, "lowT_coefficient": c3,
                                               "classical_limit": g_cl}}, side=1, dispersion="debye",
                          temperature="emitted")
    write("sige.h5", res)
    read("sige.h5").models["amm"]["G"]          # W m^-2 K^-1

One group per model: datasets T (K), G (W m⁻² K⁻¹), R_K (m² K W⁻¹); attrs lowT_coefficient
(W m⁻² K⁻⁴) and classical_limit (W m⁻² K⁻¹), both for emitted-phonon temperatures. With
``analytic --sensitivity`` also the relative sensitivities d ln G / d ln x (`sensitivity.h5_content`). The root
holds both materials (JSON), side, dispersion, temperature and the command line.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from phononmc import io, sensitivity
from phononmc.materials import Material

KIND = "analytic"
TEMPERATURE_DEFINITIONS = {
    "emitted": "G for emitted-phonon temperatures (Landauer)",
    "equilibrium": "G for equilibrium temperatures (far-field profiles, as measured)",
}
UNITS = {
    "T": "K",
    "G": "W m^-2 K^-1",
    "R_K": "m^2 K W^-1",
    "lowT_coefficient": "W m^-2 K^-4",
    "classical_limit": "W m^-2 K^-1",
}


def material_record(m: Material) -> dict:
    """A material as a JSON-ready dict: its fields and is_liquid."""
    return {**dataclasses.asdict(m), "is_liquid": m.is_liquid}


def _material(record: dict) -> Material:
    return Material(**{f.name: record[f.name] for f in dataclasses.fields(Material)})


@dataclass(frozen=True)
class AnalyticResults:
    """G(T) of one interface for several models.

    T : temperatures (K). models : {name: {"G": array (W m⁻² K⁻¹), "R_K": array (m² K W⁻¹),
    "lowT_coefficient": G/T³ (W m⁻² K⁻⁴), "classical_limit": (W m⁻² K⁻¹)}}, optionally
    "sensitivity": a `sensitivity.Sensitivities`.
    side : 1 or 2, the emitting medium; temperature : "emitted" or "equilibrium".
    attrs : root attributes of the file it was read from (provenance, command), else empty.
    """

    material_1: Material
    material_2: Material
    T: np.ndarray
    models: dict
    side: int
    dispersion: str
    temperature: str
    attrs: dict = field(default_factory=dict)


def write(path, res: AnalyticResults, command: str | None = None) -> Path:
    """Write `res` as an analytic results file (atomically); returns its path.
    command : the command line that computed it, recorded as root attr ``command``."""
    materials = json.dumps({"m1": material_record(res.material_1), "m2": material_record(res.material_2)})
    groups = {}
    for name, d in res.models.items():
        groups[name] = {
            "attrs": {
                "model": name,
                "lowT_coefficient": d["lowT_coefficient"],
                "lowT_coefficient_units": UNITS["lowT_coefficient"],
                "classical_limit": d["classical_limit"],
                "classical_limit_units": UNITS["classical_limit"],
                "limits_temperature_definition": TEMPERATURE_DEFINITIONS["emitted"],
                "temperature": res.temperature,
                "temperature_definition": TEMPERATURE_DEFINITIONS[res.temperature],
                "materials": materials,
            },
            "datasets": {"T": (res.T, UNITS["T"]), "G": (d["G"], UNITS["G"]), "R_K": (d["R_K"], UNITS["R_K"])},
        }
        if d.get("sensitivity") is not None:
            s_attrs, s_datasets = sensitivity.h5_content(d["sensitivity"])
            groups[name]["attrs"].update(s_attrs)
            groups[name]["datasets"].update(s_datasets)
    attrs = {
        "material_1": res.material_1.name,
        "material_2": res.material_2.name,
        "materials": materials,
        "side": res.side,
        "dispersion": res.dispersion,
        "temperature": res.temperature,
        "temperature_definition": TEMPERATURE_DEFINITIONS[res.temperature],
        "command": command,
    }
    return io.write(path, KIND, groups, attrs=attrs, provenance=io.provenance())


def read(path) -> AnalyticResults:
    """Read an analytic results file written by `write` (ValueError if it is not one)."""
    f = io.read(path, kind=KIND)
    try:
        materials = json.loads(f.attrs["materials"])
        groups = list(f.groups.values())
        models = {g.attrs["model"]: {"G": g["G"], "R_K": g["R_K"], "lowT_coefficient": g.attrs["lowT_coefficient"],
                                     "classical_limit": g.attrs["classical_limit"],
                                     "sensitivity": sensitivity.from_h5(g.attrs, {k: g[k] for k in g.datasets},
                                                                        g["T"], g["G"])} for g in groups}
        return AnalyticResults(_material(materials["m1"]), _material(materials["m2"]),
                               groups[0]["T"] if groups else np.empty(0), models, f.attrs["side"],
                               f.attrs["dispersion"], f.attrs["temperature"], f.attrs)
    except KeyError as exc:
        raise ValueError(f"{path} is not a complete analytic results file: {exc} is missing") from None
