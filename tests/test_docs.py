"""The documentation against the code: document references, run-file keys and defaults, README examples."""

import ast
import dataclasses
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import phononmc as pm
from phononmc import config
from phononmc.models import Model

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUN_FILES = ROOT / "docs" / "run-files.md"

#: A document reference: a path ending in .md, maybe with a section, as in (docs/theory.md, "1D chain").
REFERENCE = re.compile(r'([\w./-]*\w\.md)(?:\)?, "([^"]+)")?')


def _project_files():
    """Files that may name a document: README, docs, and the package, run files and scripts."""
    files = [README, *sorted((ROOT / "docs").glob("*.md"))]
    for folder in ("phononmc", "runs", "analysis", "benchmarks"):
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".toml", ".md"))
    return files


def _headings(path):
    return {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)}


@pytest.mark.parametrize("path", _project_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_document_reference_names_an_existing_document_and_section(path):
    text = path.read_text(encoding="utf-8")
    for name, section in REFERENCE.findall(text):
        target = next((t for t in (path.parent / name, ROOT / name) if t.is_file()), None)
        assert target is not None, f"{path.relative_to(ROOT)} names {name}, which is not in the repository"
        if section:
            assert section in _headings(target), f"{path.relative_to(ROOT)}: {name} has no section {section!r}"


def _blocks(path, language):
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.parametrize("path", [README, RUN_FILES], ids=lambda p: p.name)
def test_run_files_shown_in_the_documentation_are_valid(path, tmp_path):
    blocks = _blocks(path, "toml")
    assert blocks
    for text in blocks:
        config.parse(text, base_dir=tmp_path)


def _tables(text):
    """{header of the first column: {first cell: second cell}} over every Markdown table."""
    out = {}
    for table in re.finditer(r"(?:^\|.*\|\n)+", text, re.M):
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.group(0).splitlines()]
        out.setdefault(rows[0][0], {}).update({r[0].strip("`"): r[1] for r in rows[2:]})
    return out


def _literal(cell):
    """The TOML value written in backticks in a table cell."""
    found = re.fullmatch(r"`(.+)`", cell)
    assert found, f"{cell!r} is not a TOML literal in backticks"
    return tomllib.loads(f"v = {found.group(1)}")["v"]


#: Stands for a run-file key whose default is not one value (it depends on the surface kind).
_NO_DEFAULT_CHECK = type("NoDefaultCheck", (), {"default": None, "default_factory": None})()


def _run_file_fields() -> dict:
    """Run-file key path ("monte_carlo.batches", "models.kind", "seed") -> its dataclass field,
    read from config's table dataclasses."""
    out = {}
    for f in dataclasses.fields(config.RunConfig):
        if not f.metadata["run_file"]:
            continue
        if "table" in f.metadata:
            out.update({f"{f.name}.{g.name}": g for g in dataclasses.fields(f.metadata["table"])})
        elif f.name == "models":
            out.update({f"models.{g.name}": g for g in dataclasses.fields(Model)})
        elif f.name == "surfaces":  # keys per kind; defaults differ between kinds, so none is checked
            keys = {"kind", *(k for params in config.SURFACE_KINDS.values() for k in params)}
            out.update({f"surfaces.{k}": _NO_DEFAULT_CHECK for k in keys})
        else:
            out[f.name] = f
    return out


def test_run_files_page_documents_every_key_with_its_default():
    text = RUN_FILES.read_text(encoding="utf-8")
    tables = _tables(text)
    keys, fields = tables["key"], tables["field"]
    documented = _run_file_fields()
    valid = set(documented)
    assert set(keys) == valid

    for path, f in documented.items():
        if path == "name":  # its default (the file's stem) is not a field default
            continue
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            assert keys[path].startswith("required"), path
        elif f.default not in (None, dataclasses.MISSING):
            default = list(f.default) if isinstance(f.default, tuple) else f.default
            assert _literal(keys[path]) == default, path

    # the examples "with every key" (the first, and those of [slab], [[surfaces]], [layers]) use every key
    blocks = [tomllib.loads(b) for b in _blocks(RUN_FILES, "toml")]
    used = set()
    for example in [blocks[0]] + [b for b in blocks if "slab" in b or "surfaces" in b or "layers" in b]:
        used |= {k for k, v in example.items() if not isinstance(v, (dict, list))}
        used |= {f"{s}.{k}" for s, table in example.items() if isinstance(table, dict) for k in table}
        used |= {f"{s}.{k}" for s in ("models", "surfaces") for entry in example.get(s, []) for k in entry}
    assert used == valid

    # inline materials: every Material field, with its default
    assert list(fields) == [f.name for f in dataclasses.fields(pm.Material)]
    for f in dataclasses.fields(pm.Material):
        if f.default is dataclasses.MISSING:
            assert fields[f.name] == "required", f.name
        elif f.default is None:
            assert fields[f.name] == "none", f.name
        else:
            assert _literal(fields[f.name]) == f.default, f.name


#: A README line that shows its value: ``expression  # → 0.623 ...`` (a number, list or dict).
SHOWN = re.compile(r"# → (\{[^}]*\}|\[[^\]]*\]|[-+0-9.eE]+)")


def _matches(value, shown):
    """True when `value` agrees with the 3-digit `shown` (for a dict: on the keys shown)."""
    if isinstance(shown, dict):
        return all(_matches(value[k], v) for k, v in shown.items())
    return np.allclose(np.asarray(value, dtype=float), np.asarray(shown, dtype=float), rtol=5e-3, atol=0.0)


def test_readme_python_example_runs_and_shows_the_values_it_returns(monkeypatch):
    monkeypatch.chdir(ROOT)
    # simulate stands in for the Monte Carlo (a test of its own): it only reads the run
    monkeypatch.setattr(pm, "simulate", lambda run, **_: run if isinstance(run, config.RunConfig) else config.load(run))
    (block,) = _blocks(README, "python")
    assert run_and_check_shown(block, "README.md") == block.count("# →")


def run_and_check_shown(block: str, name: str) -> int:
    """Run the Python `block` statement by statement, asserting that each line marked
    ``# → value`` returns that value; the number of lines checked. `name` names the document."""
    lines = block.splitlines()
    namespace, checked = {}, 0
    for stmt in ast.parse(block).body:
        shown = SHOWN.search(lines[stmt.lineno - 1])
        if shown:
            value = eval(compile(ast.Expression(stmt.value), name, "eval"), namespace)
            assert _matches(value, ast.literal_eval(shown.group(1))), f"{name}: {lines[stmt.lineno - 1]} (is {value})"
            checked += 1
        exec(compile(ast.Module([stmt], []), name, "exec"), namespace)
    return checked
