"""`lint-imports` on the package as the wheel lays it out, so that the layers contract sees everything.

`cli/` and `simulator/` are installed as `atende.cli` and `atende.simulator` (setuptools
`package-dir`). grimp, which import-linter uses, walks the directory of `atende` in the source
tree and never finds those two: an `import atende.cli.main` planted in the domain would pass
unseen. So this assembles the import tree the wheel would have — `src/atende` with each mapped
package in its place — out of symlinks (grimp follows them) and runs `lint-imports` on it, with
the repository's own contracts. `--copy` copies instead, for trees that are to be edited (the
planted-import test does that).

    python tools/lint_imports.py            # what CI runs
    python tools/lint_imports.py --keep     # and leave the assembled tree behind to look at
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def package_dirs(pyproject: Path = PYPROJECT) -> dict[str, Path]:
    """Package name → its directory in the repository, from `[tool.setuptools] package-dir`."""
    setuptools = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapping: dict[str, str] = setuptools.get("package-dir", {})
    base = pyproject.parent / mapping.get("", ".")
    top_level = {name.split(".")[0] for name in setuptools["packages"]}
    dirs = {name: base / name for name in sorted(top_level)}
    dirs.update({name: pyproject.parent / folder for name, folder in mapping.items() if name})
    return dirs


def assemble(destination: Path, *, copy: bool = False, pyproject: Path = PYPROJECT) -> Path:
    """Lay out the installed import tree under `destination`; returns it.

    Symlinks by default (cheap, and edits in the repository show at once); `copy` for a tree
    of its own. Parents come before the packages mapped into them, which replace nothing: a
    mapped package whose name already exists in its parent's directory is an error.
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name, source in sorted(package_dirs(pyproject).items(), key=lambda item: item[0].count(".")):
        target = destination.joinpath(*name.split("."))
        if target.exists() or target.is_symlink():
            raise FileExistsError(f"{name} is both in its parent package and mapped from {source}")
        if "." not in name:
            target.mkdir(parents=True)
            entries = [entry for entry in source.iterdir() if entry.name != "__pycache__"]
            for entry in entries:
                _place(entry, target / entry.name, copy=copy, ignore=ignore)
        else:
            _place(source, target, copy=copy, ignore=ignore)
    return destination


def _place(source: Path, target: Path, *, copy: bool, ignore: shutil.IgnorePattern) -> None:
    if not copy:
        target.symlink_to(source.resolve(), target_is_directory=source.is_dir())
    elif source.is_dir():
        shutil.copytree(source, target, ignore=ignore)
    else:
        shutil.copy2(source, target)


def lint(tree: Path, pyproject: Path = PYPROJECT) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` with the repository's contracts over an assembled tree.

    import-linter puts its working directory first on `sys.path`, ahead of the editable
    install's finder, so running it from `tree` makes grimp read the assembled package.
    """
    command = [_lint_imports(), "--no-cache", "--no-logo", str(pyproject)]
    environment = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True, check=False)


def _lint_imports() -> str:
    beside = Path(sys.executable).with_name("lint-imports")
    return str(beside) if beside.exists() else (shutil.which("lint-imports") or "lint-imports")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the assembled tree and print where it is")
    arguments = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="atende-imports-"))
    try:
        result = lint(assemble(folder))
        print(result.stdout, end="")
        print(result.stderr, end="", file=sys.stderr)
        if arguments.keep:
            print(f"assembled tree: {folder}")
        return result.returncode
    finally:
        if not arguments.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
