"""The layers contract must see every module: an upward import planted anywhere breaks the lint.

Each case copies the package as the wheel lays it out (tools/lint_imports.py), adds one import
that points the wrong way to one module, and runs `lint-imports` with the repository's own
contracts on the copy. The cases are derived from the contract itself, so a layer added to
pyproject.toml is planted into as well.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_imports", ROOT / "tools" / "lint_imports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lint_imports = _tool()


def _contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c.get("id") == contract_id)


def _layers() -> list[list[str]]:
    """The layers contract, top first, each layer's independent members apart."""
    layers = _contract("layers")["layers"]
    assert isinstance(layers, list)
    return [[member.strip() for member in layer.split("|")] for layer in layers]


def _plants() -> list[tuple[str, str]]:
    """(module that gets the import, module it imports): every one points the wrong way."""
    layers = _layers()
    top = f"atende.{layers[0][0]}"
    plants = []
    for index, layer in enumerate(layers):
        for member in layer:
            for sibling in layer:
                if sibling != member:  # siblings of a layer are independent
                    plants.append((f"atende.{member}", f"atende.{sibling}"))
            if index == 0:
                continue
            plants.append((f"atende.{member}", top))
            plants.append((f"atende.{member}", f"atende.{layers[index - 1][0]}"))
    return list(dict.fromkeys(plants))


def _source_of(tree: Path, module: str) -> Path:
    """The first module of a package (by name), or the module itself."""
    path = tree.joinpath(*module.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    modules = sorted(p for p in path.glob("*.py") if p.name != "__init__.py")
    return modules[0] if modules else path / "__init__.py"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lint_imports.assemble(tmp_path_factory.mktemp("pristine"), copy=True)


def test_the_untouched_tree_keeps_every_contract(pristine: Path) -> None:
    result = lint_imports.lint(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_the_assembled_tree_holds_the_mapped_packages(pristine: Path) -> None:
    for name, source in lint_imports.package_dirs().items():
        inside = pristine.joinpath(*name.split("."))
        assert inside.is_dir(), name
        assert {p.name for p in inside.glob("*.py")} == {p.name for p in source.glob("*.py")}


@pytest.mark.parametrize(("importer", "imported"), _plants(), ids=lambda value: value.removeprefix("atende."))
def test_an_upward_import_breaks_the_layers(tmp_path: Path, importer: str, imported: str) -> None:
    tree = lint_imports.assemble(tmp_path / "tree", copy=True)
    victim = _source_of(tree, importer)
    victim.write_text(victim.read_text(encoding="utf-8") + f"\nimport {imported}  # planted\n", encoding="utf-8")

    result = lint_imports.lint(tree)

    assert result.returncode != 0, f"{importer} importing {imported} passed the lint:\n{result.stdout}"
    assert "Dependencies point inward" in result.stdout
    assert f"{importer.removeprefix('atende.')}" in result.stdout


def _production() -> list[str]:
    sources = _contract("no-stand-ins-in-production")["source_modules"]
    assert isinstance(sources, list)
    return sources


@pytest.mark.parametrize("importer", _production(), ids=lambda value: value.removeprefix("atende."))
def test_production_code_cannot_import_the_graph_stand_in(tmp_path: Path, importer: str) -> None:
    tree = lint_imports.assemble(tmp_path / "tree", copy=True)
    victim = _source_of(tree, importer)
    victim.write_text(victim.read_text(encoding="utf-8") + "\nimport atende.standin  # planted\n", encoding="utf-8")

    result = lint_imports.lint(tree)

    assert result.returncode != 0
    assert "Production code never imports the stand-ins BROKEN" in result.stdout
