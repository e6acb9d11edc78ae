"""Run files: the shipped ones load, a full example parses, and every bad input is a
one-line ValueError naming the field path and the bad value."""

import re
from pathlib import Path

import pytest

from phononmc.config import InterfaceConfig, MonteCarloConfig, RunConfig, TemperaturesConfig, load, parse
from phononmc.models import Model
from phononmc.transmission.inelastic import Inelastic
from phononmc.materials import Material, material

RUNS = Path(__file__).resolve().parents[1] / "runs"

FULL = """
name = "example"
seed = 7
output = "results/example.h5"

[interface]
material_1 = "Si"
material_2 = { name = "X", density = 5000.0, v_long = 5000.0, v_trans = 3000.0, atom_density = 4e28 }
dispersion = "debye"

[[models]]
kind = "amm"
[[models]]
kind = "dmm"
[[models]]
kind = "mixed"
p = 0.5
[[models]]
kind = "ziman"
roughness = 0.5e-9
[[models]]
kind = "soffer"
roughness = 0.5e-9

[temperatures]
values = [10.0, 30, 100.0, 300.0]
delta_T = 2.0

[monte_carlo]
packets_per_batch = 1000
batches = 8
side = 2
rel_err_target = 0.01
checkpoint_every = 4
threads = 3

[tallies]
spectral_bins = 32
angle_bins = 18
"""

MINIMAL = """
seed = 1
[interface]
material_1 = "Si"
material_2 = "Ge"
[[models]]
kind = "amm"
[temperatures]
values = [300.0]
"""


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --------------------------------------------------------------------------- good files


@pytest.mark.parametrize("stem", ["quickstart", "he_cu_lowT", "rough_si_ge", "slab_gray_demo", "slab_si_ge"])
def test_shipped_run_files_load(stem):
    cfg = load(RUNS / f"{stem}.toml")
    assert cfg.name == stem
    assert cfg.output == RUNS / "out" / f"{stem}.h5"
    assert cfg.source == (RUNS / f"{stem}.toml").resolve()
    assert cfg.text == (RUNS / f"{stem}.toml").read_text(encoding="utf-8")


def test_quickstart_contents():
    cfg = load(RUNS / "quickstart.toml")
    assert (cfg.interface.material_1, cfg.interface.material_2) == (material("Si"), material("Ge"))
    assert [m.label for m in cfg.models] == ["amm", "dmm", "mixed(p=0.5)"]
    assert cfg.temperatures.values == (10.0, 30.0, 100.0, 300.0)
    assert (cfg.temperatures.delta_T, cfg.monte_carlo.side, cfg.monte_carlo.packets_per_batch, cfg.monte_carlo.batches,
            cfg.seed) == (0.0, "both", 200000, 20, 20261122)


def test_he_cu_and_rough_contents():
    he = load(RUNS / "he_cu_lowT.toml")
    assert (he.interface.material_1.name, he.interface.material_2.name) == ("Cu", "He4")
    assert he.interface.material_2.is_liquid
    assert [m.label for m in he.models] == ["amm", "dmm"]
    assert he.temperatures.values == (0.5, 1.0, 2.0)
    rough = load(RUNS / "rough_si_ge.toml")
    assert [m.label for m in rough.models] == ["soffer(eta=0.3 nm)", "ziman(eta=0.3 nm)"]
    assert rough.temperatures.values == (30.0, 100.0, 300.0)


def test_full_example_parses(tmp_path):
    cfg = parse(FULL, base_dir=tmp_path)
    assert cfg.name == "example"
    assert cfg.seed == 7
    assert cfg.output == (tmp_path / "results" / "example.h5").resolve()
    assert cfg.output.is_absolute()
    assert cfg.interface.material_1 == material("Si")
    assert cfg.interface.material_2 == Material(name="X", density=5000.0, v_long=5000.0, v_trans=3000.0,
                                                atom_density=4e28)
    assert cfg.interface.dispersion == "debye"
    assert cfg.models == (
        Model("amm"), Model("dmm"), Model("mixed", p=0.5),
        Model("ziman", roughness=0.5e-9), Model("soffer", roughness=0.5e-9),
    )
    assert [m.label for m in cfg.models] == [
        "amm", "dmm", "mixed(p=0.5)", "ziman(eta=0.5 nm)", "soffer(eta=0.5 nm)"]
    assert cfg.temperatures.values == (10.0, 30.0, 100.0, 300.0)
    assert all(type(t) is float for t in cfg.temperatures.values)
    assert cfg.temperatures.delta_T == 2.0
    mc = cfg.monte_carlo
    assert (mc.packets_per_batch, mc.batches, mc.side, mc.sides) == (1000, 8, 2, (2,))
    assert (mc.rel_err_target, mc.checkpoint_every, mc.threads) == (0.01, 4, 3)
    assert (cfg.tallies.spectral_bins, cfg.tallies.angle_bins) == (32, 18)
    assert cfg.text == FULL
    assert cfg.source is None


def test_defaults(tmp_path):
    cfg = parse(MINIMAL, base_dir=tmp_path, source=tmp_path / "mini.toml")
    assert cfg.name == "mini"  # the file stem
    assert cfg.output == (tmp_path / "out" / "mini.h5").resolve()
    assert cfg.interface.dispersion == "debye"
    assert cfg.temperatures.delta_T == 0.0
    mc = cfg.monte_carlo
    assert (mc.packets_per_batch, mc.batches, mc.side, mc.sides, mc.rel_err_target) == (200000, 40, "both", (1, 2), 0.0)
    assert (mc.checkpoint_every, mc.threads, cfg.tallies.spectral_bins, cfg.tallies.angle_bins) == (10, 0, 64, 45)
    assert parse(MINIMAL, base_dir=tmp_path).name == "run"


def test_absolute_output_and_side_forms(tmp_path):
    out = tmp_path / "elsewhere" / "x.h5"
    cfg = parse(edit(MINIMAL, "seed = 1", f'seed = 1\noutput = "{out.as_posix()}"'), base_dir="/nonexistent")
    assert cfg.output == out.resolve()
    for written, stored in (("1", 1), ("2", 2), ('"both"', "both"), ('"2"', 2), ('" Both "', "both")):
        assert parse(MINIMAL + f"[monte_carlo]\nside = {written}\n").monte_carlo.side == stored


def test_integral_float_counts_are_accepted():
    cfg = parse(MINIMAL + "[monte_carlo]\npackets_per_batch = 2e5\n")
    assert cfg.monte_carlo.packets_per_batch == 200000 and type(cfg.monte_carlo.packets_per_batch) is int


def test_sine_dispersion_with_dmm():
    text = edit(edit(MINIMAL, 'material_2 = "Ge"', 'material_2 = "Ge"\ndispersion = "sine"'), '"amm"', '"dmm"')
    assert parse(text).interface.dispersion == "sine"


def test_replace_revalidates():
    cfg = parse(MINIMAL)
    changed = cfg.replace(**{"monte_carlo.batches": 4, "monte_carlo.side": "2", "seed": 5})
    assert (changed.monte_carlo.batches, changed.monte_carlo.side, changed.seed) == (4, 2, 5)
    assert changed.monte_carlo.packets_per_batch == 200000 and cfg.monte_carlo.batches == 40
    assert cfg.replace(monte_carlo={"batches": 3}).monte_carlo.batches == 3
    for replace in (lambda: cfg.replace(**{"monte_carlo.batches": 1}), lambda: cfg.monte_carlo.replace(batches=1)):
        with pytest.raises(ValueError, match=re.escape("monte_carlo.batches = 1 is invalid")):
            replace()
    with pytest.raises(ValueError, match=re.escape('interface.dispersion = "sine"')):
        cfg.replace(**{"interface.dispersion": "sine"})
    with pytest.raises(ValueError, match=re.escape("temperatures.delta_T = 600.0 is invalid")):
        cfg.replace(**{"temperatures.delta_T": 600.0})


@pytest.mark.parametrize("changes, message", [
    ({"batches": 4}, "unknown key 'batches' in RunConfig.replace; valid keys: name, seed, output, interface"),
    ({"monte_carlo.bathces": 4}, "unknown key 'bathces' in MonteCarloConfig.replace; valid keys: packets_per_batch"),
    ({"seed.value": 4}, "seed is not a table"),
])
def test_replace_rejects_unknown_paths(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(MINIMAL).replace(**changes)


def test_differences_name_field_paths():
    cfg = parse(MINIMAL)
    other = cfg.replace(**{"monte_carlo.batches": 4, "interface.material_2": "Si", "tallies.angle_bins": 9}, seed=2)
    assert cfg.differences(other) == ["seed", "interface.material_2", "monte_carlo.batches", "tallies.angle_bins"]
    assert cfg.differences(parse(MINIMAL)) == []


def test_runconfig_is_frozen():
    cfg = parse(MINIMAL)
    with pytest.raises(AttributeError):
        cfg.seed = 2
    assert hash(Model("mixed", p=0.5)) == hash(Model("mixed", p=0.5))


# --------------------------------------------------------------------------- bad input

BAD = [
    # (id, text, pieces the message must contain: field path and bad value)
    ("negative seed", edit(MINIMAL, "seed = 1", "seed = -3"), ["seed = -3 is invalid", "integer in [0, 2^64)"]),
    ("seed beyond 64 bits", edit(MINIMAL, "seed = 1", "seed = 18446744073709551616"),
     ["seed = 18446744073709551616 is invalid", "integer in [0, 2^64)"]),
    ("float seed", edit(MINIMAL, "seed = 1", "seed = 1.5"), ["seed = 1.5 is invalid"]),
    ("string seed", edit(MINIMAL, "seed = 1", 'seed = "1"'), ['seed = "1" is invalid']),
    ("missing seed", edit(MINIMAL, "seed = 1", ""), ["seed is missing"]),
    ("zero batches", MINIMAL + "[monte_carlo]\nbatches = 0\n",
     ["monte_carlo.batches = 0 is invalid", "at least two batches"]),
    ("one batch", MINIMAL + "[monte_carlo]\nbatches = 1\n", ["monte_carlo.batches = 1 is invalid"]),
    ("fractional packets", MINIMAL + "[monte_carlo]\npackets_per_batch = 2.5\n",
     ["monte_carlo.packets_per_batch = 2.5 is invalid"]),
    ("zero packets", MINIMAL + "[monte_carlo]\npackets_per_batch = 0\n", ["monte_carlo.packets_per_batch = 0"]),
    ("zero checkpoint", MINIMAL + "[monte_carlo]\ncheckpoint_every = 0\n", ["monte_carlo.checkpoint_every = 0"]),
    ("negative threads", MINIMAL + "[monte_carlo]\nthreads = -1\n", ["monte_carlo.threads = -1"]),
    ("negative target", MINIMAL + "[monte_carlo]\nrel_err_target = -0.1\n", ["monte_carlo.rel_err_target = -0.1"]),
    ("side 3", MINIMAL + "[monte_carlo]\nside = 3\n", ["monte_carlo.side = 3 is invalid", '"both", 1 or 2']),
    ("side 1.0", MINIMAL + "[monte_carlo]\nside = 1.0\n", ["monte_carlo.side = 1.0 is invalid"]),
    ("side true", MINIMAL + "[monte_carlo]\nside = true\n", ["monte_carlo.side = true is invalid"]),
    ("side left", MINIMAL + '[monte_carlo]\nside = "left"\n', ['monte_carlo.side = "left" is invalid']),
    ("zero spectral bins", MINIMAL + "[tallies]\nspectral_bins = 0\n", ["tallies.spectral_bins = 0 is invalid"]),
    ("zero angle bins", MINIMAL + "[tallies]\nangle_bins = 0\n", ["tallies.angle_bins = 0 is invalid"]),
    ("negative delta_T", MINIMAL + "delta_T = -1.0\n", ["temperatures.delta_T = -1.0 is invalid", ">= 0"]),
    ("delta_T too big", edit(MINIMAL, "values = [300.0]", "values = [300.0, 10.0]\ndelta_T = 20.0"),
     ["temperatures.delta_T = 20.0 is invalid", "lowest temperature 10 K", "< 2 min(T) = 20 K"]),
    ("zero temperature", edit(MINIMAL, "[300.0]", "[300.0, 0.0]"),
     ["temperatures.values[1] = 0.0 is invalid", "> 0"]),
    ("nan temperature", edit(MINIMAL, "[300.0]", "[nan]"), ["temperatures.values[0] = nan is invalid"]),
    ("repeated temperature", edit(MINIMAL, "[300.0]", "[300.0, 300]"), ["temperatures.values[1] = 300 is invalid"]),
    ("no temperatures", edit(MINIMAL, "[300.0]", "[]"), ["temperatures.values = [] is invalid"]),
    ("scalar temperatures", edit(MINIMAL, "[300.0]", "300.0"), ["temperatures.values = 300.0 is invalid"]),
    ("missing temperatures table", edit(MINIMAL, "[temperatures]\nvalues = [300.0]", ""), ["[temperatures] is missing"]),
    ("mixed without p", edit(MINIMAL, 'kind = "amm"', 'kind = "mixed"'), ["models[0].p is missing", '"mixed"']),
    ("mixed p > 1", edit(MINIMAL, 'kind = "amm"', 'kind = "mixed"\np = 1.5'),
     ["models[0].p = 1.5 is invalid", "[0, 1]"]),
    ("mixed p < 0", edit(MINIMAL, 'kind = "amm"', 'kind = "mixed"\np = -0.1'), ["models[0].p = -0.1 is invalid"]),
    ("p on amm", edit(MINIMAL, 'kind = "amm"', 'kind = "amm"\np = 0.5'),
     ["models[0].p = 0.5 is invalid", 'only to kind = "mixed"']),
    ("soffer without roughness", edit(MINIMAL, 'kind = "amm"', 'kind = "soffer"'),
     ["models[0].roughness is missing", '"soffer"']),
    ("ziman negative roughness", edit(MINIMAL, 'kind = "amm"', 'kind = "ziman"\nroughness = -1e-9'),
     ["models[0].roughness = -1e-09 is invalid", "metres"]),
    ("roughness in nm by mistake", edit(MINIMAL, 'kind = "amm"', 'kind = "soffer"\nroughness = 0.5'),
     ["models[0].roughness = 0.5 is invalid", "0.5e-9 for 0.5 nm"]),
    ("roughness on dmm", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\nroughness = 1e-9'),
     ["models[0].roughness = 1e-09 is invalid"]),
    ("inelastic negative A", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = -0.2 }'),
     ["models[0].inelastic.A = -0.2 is invalid", "finite number >= 0"]),
    ("inelastic zero T_ref", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = 0.2, q = 1.0, T_ref = 0.0 }'),
     ["models[0].inelastic.T_ref = 0.0 is invalid", "> 0 (K)"]),
    ("inelastic string m", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = 0.2, m = "one" }'),
     ['models[0].inelastic.m = "one" is invalid']),
    ("inelastic omega_ref", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = 0.2, omega_ref = -1.0 }'),
     ["models[0].inelastic.omega_ref = -1.0 is invalid", "rad/s"]),
    ("inelastic without A", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { q = 1.0 }'),
     ["models[0].inelastic.A is missing"]),
    ("inelastic unknown key", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = 0.2, n = 1.0 }'),
     ["models[0].inelastic has unknown key 'n'", "A, q, m, T_ref, omega_ref"]),
    ("inelastic not a table", edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = 0.2'),
     ["models[0].inelastic = 0.2 is invalid", "{ A = 0.2"]),
    ("unknown model kind", MINIMAL + '[[models]]\nkind = "specular"\n',
     ['models[1].kind = "specular" is invalid', "amm, dmm, mixed, ziman, soffer"]),
    ("model without kind", MINIMAL + "[[models]]\np = 0.5\n", ["models[1].kind is missing"]),
    ("repeated model", MINIMAL + '[[models]]\nkind = "amm"\n', ['models[1] = "amm" is invalid', "repeats models[0]"]),
    ("no models", edit(MINIMAL, '[[models]]\nkind = "amm"', ""), ["models is missing"]),
    ("amm with sine", edit(MINIMAL, 'material_2 = "Ge"', 'material_2 = "Ge"\ndispersion = "sine"'),
     ['models[0].kind = "amm" is invalid with interface.dispersion = "sine"', "Debye"]),
    ("mixed with sine", edit(edit(MINIMAL, 'material_2 = "Ge"', 'material_2 = "Ge"\ndispersion = "sine"'),
                             'kind = "amm"', 'kind = "mixed"\np = 0.2'),
     ['models[0].kind = "mixed" is invalid with interface.dispersion = "sine"']),
    ("unknown dispersion", edit(MINIMAL, 'material_2 = "Ge"', 'material_2 = "Ge"\ndispersion = "bvk"'),
     ['interface.dispersion = "bvk" is invalid', '"debye", "sine"']),
    ("unknown material", edit(MINIMAL, '"Ge"', '"Germanium"'),
     ['interface.material_2 = "Germanium" is invalid', "unknown material", "Si, Ge"]),
    ("material not a name", edit(MINIMAL, '"Ge"', "5"), ["interface.material_2 = 5 is invalid"]),
    ("missing material", edit(MINIMAL, 'material_2 = "Ge"', ""), ["interface.material_2 is missing"]),
    ("bad inline material field",
     edit(MINIMAL, '"Ge"', '{ name = "X", density = -5.0, v_long = 5000.0, v_trans = 3000.0, atom_density = 4e28 }'),
     ["interface.material_2: Material 'X': density = -5.0"]),
    ("inline material v_trans > v_long",
     edit(MINIMAL, '"Ge"', '{ name = "X", density = 5.0, v_long = 5000.0, v_trans = 6000.0, atom_density = 4e28 }'),
     ["interface.material_2: Material 'X': v_trans = 6000"]),
    ("inline material missing field", edit(MINIMAL, '"Ge"', '{ name = "X", density = 5.0 }'),
     ["interface.material_2 is missing key(s) v_long, v_trans, atom_density"]),
    ("inline material unknown key",
     edit(MINIMAL, '"Ge"', '{ name = "X", density = 5.0, vlong = 5000.0, v_trans = 3000.0, atom_density = 4e28 }'),
     ["unknown key 'vlong' in interface.material_2", "did you mean 'v_long'?"]),
    ("bad name", edit(MINIMAL, "seed = 1", 'name = "a/b"\nseed = 1'), ['name = "a/b" is invalid']),
    ("output not HDF5", edit(MINIMAL, "seed = 1", 'seed = 1\noutput = "out/x.txt"'), ['output = "out/x.txt" is invalid']),
    ("table as value", edit(MINIMAL, "seed = 1", "seed = 1\nmonte_carlo = 5"), ["monte_carlo = 5 is invalid"]),
]

UNKNOWN_KEYS = [
    ("top level", edit(MINIMAL, "seed = 1", "seed = 1\nsed = 2"), "unknown key 'sed' at the top level", "'seed'"),
    ("top-level table", MINIMAL + "[monte-carlo]\nbatches = 4\n", "unknown key 'monte-carlo' at the top level",
     "'monte_carlo'"),
    ("interface", edit(MINIMAL, 'material_2 = "Ge"', 'material_2 = "Ge"\nmaterial_3 = "Si"'),
     "unknown key 'material_3' in [interface]", "material_1, material_2, dispersion"),
    ("models", edit(MINIMAL, 'kind = "amm"', 'kind = "amm"\nrougness = 1e-9'),
     "unknown key 'rougness' in [[models]] number 1 (models[0])", "'roughness'"),
    ("temperatures", MINIMAL + "deltaT = 1.0\n", "unknown key 'deltaT' in [temperatures]", "'delta_T'"),
    ("monte_carlo", MINIMAL + "[monte_carlo]\npacket_per_batch = 10\n",
     "unknown key 'packet_per_batch' in [monte_carlo]", "'packets_per_batch'"),
    ("tallies", MINIMAL + "[tallies]\nenergy_bins = 10\n", "unknown key 'energy_bins' in [tallies]",
     "spectral_bins, angle_bins"),
]


@pytest.mark.parametrize("text, pieces", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_values_name_field_and_value(text, pieces):
    with pytest.raises(ValueError, match=re.escape(pieces[0])) as info:
        parse(text, source="runs/bad.toml")
    message = str(info.value)
    assert message.startswith("run file runs/bad.toml: ")
    for piece in pieces:
        assert piece in message
    assert "\n" not in message


@pytest.mark.parametrize("text, head, hint", [u[1:] for u in UNKNOWN_KEYS], ids=[u[0] for u in UNKNOWN_KEYS])
def test_unknown_keys_are_errors(text, head, hint):
    with pytest.raises(ValueError, match=re.escape(head)) as info:
        parse(text, source="runs/bad.toml")
    assert "valid keys:" in str(info.value) and hint in str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ValueError, match=re.escape(f"run file {path}: no such file")):
        load(path)


def test_directory_is_not_a_run_file(tmp_path):
    with pytest.raises(ValueError, match="not a file"):
        load(tmp_path)


def test_malformed_toml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('seed = 1\n[interface]\nmaterial_1 = "Si\n', encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"run file {path}: not valid TOML")) as info:
        load(path)
    assert re.search(r"line 3, column \d+", str(info.value))


def test_bad_file_reports_its_path(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(MINIMAL + "[monte_carlo]\nbatches = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"run file {path}: monte_carlo.batches = 0 is invalid")):
        load(path)


# --------------------------------------------------------------------------- models.Model alone


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "mixed"}, "p is missing"),
    ({"kind": "mixed", "p": 2.0}, "p = 2.0 is invalid"),
    ({"kind": "mixed", "p": True}, "p = true is invalid"),
    ({"kind": "soffer"}, "roughness is missing"),
    ({"kind": "ziman", "roughness": 0.0}, "roughness = 0.0 is invalid"),
    ({"kind": "amm", "roughness": 1e-9}, "roughness = 1e-09 is invalid"),
    ({"kind": "phonon"}, 'kind = "phonon" is invalid'),
])
def test_modelspec_validation(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        Model(**kwargs)


def test_modelspec_labels_and_normalisation():
    assert Model("AMM").kind == "amm"
    assert Model("mixed", 1).p == 1.0 and Model("mixed", 1).label == "mixed(p=1)"
    assert Model("ziman", roughness=0.3e-9).label == "ziman(eta=0.3 nm)"
    assert str(Model("dmm")) == "dmm"
    assert not Model("dmm").needs_debye and Model("soffer", roughness=1e-9).needs_debye


def test_models_with_the_inelastic_channel():
    text = edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\n[[models]]\nkind = "dmm"\n'
                'inelastic = { A = 0.2, q = 1.0, m = 1.0, T_ref = 300.0, omega_ref = 1e13 }\n'
                '[[models]]\nkind = "mixed"\np = 0.5\ninelastic = { A = 0 }')
    cfg = parse(text)
    assert [m.label for m in cfg.models] == ["dmm", "dmm+inelastic(A=0.2, q=1, m=1)", "mixed(p=0.5)+inelastic(A=0, q=0, m=0)"]
    assert cfg.models[1].inelastic == Inelastic(0.2, q=1.0, m=1.0, T_ref=300.0, omega_ref=1e13)
    assert cfg.models[2].inelastic.omega_ref == 1e13 and cfg.models[0].inelastic is None
    repeated = edit(MINIMAL, 'kind = "amm"', 'kind = "dmm"\ninelastic = { A = 0.2 }\n'
                    '[[models]]\nkind = "dmm"\ninelastic = { A = 0.2, T_ref = 100.0 }')  # q = 0: T_ref is moot
    with pytest.raises(ValueError, match=re.escape("repeats models[0]")):
        parse(repeated)


def test_runconfig_direct_construction(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = RunConfig(name="direct", seed=3, interface=InterfaceConfig(material_1="Si", material_2=material("Ge")),
                    models=(Model("dmm"),), temperatures=TemperaturesConfig(values=(300.0,)))
    assert cfg.output == (tmp_path / "out" / "direct.h5").resolve()
    assert cfg.interface.material_1 == material("Si")
    assert cfg.monte_carlo == MonteCarloConfig() and cfg.monte_carlo.batches == 40
    with pytest.raises(ValueError, match=re.escape("interface.material_1 = 5 is invalid")):
        InterfaceConfig(material_1=5, material_2="Ge")
    with pytest.raises(ValueError, match=re.escape("temperatures = [300.0] is invalid: temperatures must be a table")):
        RunConfig(name="d", seed=3, interface=cfg.interface, models=cfg.models, temperatures=[300.0])


# --------------------------------------------------------------------------- [slab]

SLAB = MINIMAL + """[slab]
thickness = [1e-7, 1e-7]
scattering_1 = { mfp = 1e-8 }
"""
ONE_LAYER = """
seed = 1
[interface]
material_1 = "Si"
[temperatures]
values = [300.0]
[slab]
thickness = [1e-7]
"""


def test_slab_tables_read():
    cfg = parse(SLAB)
    assert cfg.slab.thickness == ((1e-7, 1e-7),) and cfg.slab.layered and cfg.slab.cells == (40, 40)
    assert cfg.scattering(1).mfp == 1e-8 and cfg.scattering(2).impurity > 0  # Ge from the database
    one = parse(ONE_LAYER)
    assert not one.slab.layered and one.interface.material_2 is None and one.models == ()
    series = parse(edit(SLAB, "thickness = [1e-7, 1e-7]", "thickness = [[1e-7, 1e-7], [2e-7, 1e-7]]\ncells = 10"))
    assert series.slab.thickness == ((1e-7, 1e-7), (2e-7, 1e-7)) and series.slab.cells == (10, 10)
    assert parse(MINIMAL).slab is None


SLAB_BAD = [
    ("negative thickness", edit(SLAB, "[1e-7, 1e-7]", "[-1e-7, 1e-7]"), ["slab.thickness[0] = -1e-07 is invalid"]),
    ("three thicknesses", edit(SLAB, "[1e-7, 1e-7]", "[1e-7, 1e-7, 1e-7]"), ["slab.thickness = [1e-07, 1e-07, 1e-07]"]),
    ("text thickness", edit(SLAB, "[1e-7, 1e-7]", '"100 nm"'), ['slab.thickness = "100 nm" is invalid']),
    ("mixed series", edit(SLAB, "[1e-7, 1e-7]", "[[1e-7, 1e-7], [1e-7]]"), ["not a mix"]),
    ("repeated thickness", edit(SLAB, "[1e-7, 1e-7]", "[[1e-7, 1e-7], [1e-7, 1e-7]]"), ["slab.thickness[1]", "repeats"]),
    ("zero cells", SLAB + "cells = 0\n", ["slab.cells = 0 is invalid"]),
    ("bad scattering", edit(SLAB, "{ mfp = 1e-8 }", "{ mfp = -1.0 }"), ["slab.scattering_1", "mfp = -1.0"]),
    ("gray and rates", edit(SLAB, "{ mfp = 1e-8 }", "{ mfp = 1e-8, impurity = 1e-45 }"), ["slab.scattering_1", "gray"]),
    ("unknown scattering key", edit(SLAB, "{ mfp = 1e-8 }", "{ mfpp = 1e-8 }"), ["unknown key 'mfpp'", "did you mean 'mfp'"]),
    ("scattering word", edit(SLAB, "{ mfp = 1e-8 }", '"gray"'), ['slab.scattering_1 = "gray" is invalid', '"database"']),
    ("no coefficients", edit(SLAB, 'material_2 = "Ge"', 'material_2 = "GaAs"'),
     ["slab.scattering_2", "no built-in scattering coefficients for 'GaAs'", "mfp = 1e-7"]),
    ("negative exclude", SLAB + "exclude = -1\n", ["slab.exclude = -1 is invalid"]),
    ("thickness in nm by mistake", edit(SLAB, "[1e-7, 1e-7]", "[100, 1e-7]"),
     ["slab.thickness[0] = [100.0, 1e-07] is invalid", "1e+10 mean free paths", "metres"]),
    ("one layer with material_2", edit(ONE_LAYER, 'material_1 = "Si"', 'material_1 = "Si"\nmaterial_2 = "Ge"'),
     ['interface.material_2 = "Ge" is invalid', "single-layer"]),
    ("one layer with models", ONE_LAYER + '[[models]]\nkind = "dmm"\n', ["models", "no interface"]),
    ("bilayer without models", edit(SLAB, '[[models]]\nkind = "amm"\n', ""), ["models is missing"]),
    ("bilayer without material_2", edit(SLAB, 'material_2 = "Ge"\n', ""), ["interface.material_2 is missing"]),
    ("sine slab", edit(SLAB, 'material_2 = "Ge"', 'material_2 = "Ge"\ndispersion = "sine"'),
     ['interface.dispersion = "sine" is invalid', "Debye"]),
    ("one side", SLAB + "[monte_carlo]\nside = 1\n", ["monte_carlo.side = 1 is invalid", "both walls"]),
    ("unknown slab key", SLAB + "cels = 3\n", ["unknown key 'cels' in [slab]", "did you mean 'cells'"]),
]


@pytest.mark.parametrize("text, pieces", [b[1:] for b in SLAB_BAD], ids=[b[0] for b in SLAB_BAD])
def test_slab_errors_name_the_field(text, pieces):
    with pytest.raises(ValueError) as err:
        parse(text)
    message = str(err.value)
    assert "\n" not in message
    for piece in pieces:
        assert piece in message, message


# --------------------------------------------------------------------------- [layers]

LAYERS = MINIMAL + """[layers]
stack = [{ material = "GaAs", thickness = 2e-9 }, { graded = true, thickness = [5e-9, 1e-8], sublayers = 4 }]
"""


def test_layers_tables_read():
    cfg = parse(LAYERS)
    gaas, graded = cfg.layers.stack
    assert gaas.material == material("GaAs") and gaas.thickness == (2e-9,) and gaas.scattering is None
    assert graded.material is None and graded.sublayers == 4 and graded.cells == 4
    assert cfg.layers.variants == ((2e-9, 5e-9), (2e-9, 1e-8))
    gray = parse(edit(LAYERS, "thickness = 2e-9 }", "thickness = 2e-9, scattering = { mfp = 1e-8 } }"))
    assert gray.stack_scattering(0).mfp == 1e-8 and gray.stack_scattering(1) is None


LAYERS_BAD = [
    ("no stack", MINIMAL + "[layers]\n", ["layers.stack is missing"]),
    ("empty stack", edit(LAYERS, LAYERS.split("stack = ")[1].strip(), "[]"), ["layers.stack = [] is invalid"]),
    ("negative thickness", edit(LAYERS, "thickness = 2e-9", "thickness = -2e-9"),
     ["layers.stack[0].thickness = -2e-09 is invalid", "> 0"]),
    ("material and graded", edit(LAYERS, 'material = "GaAs", thickness', 'material = "GaAs", graded = true, thickness'),
     ["layers.stack[0]", "not both"]),
    ("neither", edit(LAYERS, 'material = "GaAs", ', ""), ["layers.stack[0]", "not neither"]),
    ("unknown material", edit(LAYERS, '"GaAs"', '"Unobtainium"'), ['layers.stack[0].material = "Unobtainium"']),
    ("two series", edit(LAYERS, "thickness = 2e-9", "thickness = [2e-9, 3e-9]"),
     ["layers.stack[1].thickness", "only one layer may have a thickness series"]),
    ("graded side by side", edit(LAYERS, 'material = "GaAs", thickness = 2e-9', "graded = true, thickness = 2e-9"),
     ["layers.stack[1].graded", "side by side"]),
    ("too many sublayers", edit(LAYERS, "sublayers = 4", "sublayers = 500"), ["layers.stack[1].sublayers = 500"]),
    ("sublayers on a plain layer", edit(LAYERS, "thickness = 2e-9 }", "thickness = 2e-9, sublayers = 3 }"),
     ["layers.stack[0].sublayers = 3 is invalid", "graded"]),
    ("database for a graded layer", edit(LAYERS, "sublayers = 4", 'sublayers = 4, scattering = "database"'),
     ["layers.stack[1].scattering", "graded layer's sublayers are not in the database"]),
    ("database without coefficients", edit(LAYERS, "thickness = 2e-9 }", 'thickness = 2e-9, scattering = "database" }'),
     ["layers.stack[0].scattering", "no built-in scattering coefficients for 'GaAs'"]),
    ("unknown layer key", edit(LAYERS, "thickness = 2e-9 }", "thickness = 2e-9, mfp = 3 }"),
     ["unknown key 'mfp' in layers.stack[0]"]),
    ("liquid half-space", edit(LAYERS, 'material_2 = "Ge"', 'material_2 = "He4"'),
     ['interface.material_2 = "He4" is invalid', "liquids are not supported"]),
    ("with a slab", LAYERS + "[slab]\nthickness = [1e-7, 1e-7]\nscattering_1 = { mfp = 1e-8 }\n",
     ["[layers] and [slab] exclude each other"]),
    ("inelastic in a stack", edit(LAYERS, 'kind = "amm"', 'kind = "amm"\ninelastic = { A = 0.1 }'),
     ["models[0].inelastic", "not with [layers]"]),
    ("one side", LAYERS + "[monte_carlo]\nside = 2\n", ["monte_carlo.side = 2 is invalid", "both half-spaces"]),
]


@pytest.mark.parametrize("text, pieces", [b[1:] for b in LAYERS_BAD], ids=[b[0] for b in LAYERS_BAD])
def test_layers_errors_name_the_field(text, pieces):
    with pytest.raises(ValueError) as err:
        parse(text)
    message = str(err.value)
    assert "\n" not in message
    for piece in pieces:
        assert piece in message, message
