"""Fail when the built wheel lacks a module or data file that the source tree has."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOTS = {Path("src/atende"): "atende", Path("cli"): "atende/cli", Path("simulator"): "atende/simulator"}
SHIPPED = {".py", ".tcss", ".mako", ".typed", ".toml"}


def expected() -> set[str]:
    names = set()
    for root, prefix in ROOTS.items():
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in SHIPPED and "__pycache__" not in path.parts:
                names.add(f"{prefix}/{path.relative_to(root).as_posix()}")
    return names


def main(wheel: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        present = set(archive.namelist())
    missing = sorted(expected() - present)
    for name in missing:
        print(f"missing from wheel: {name}", file=sys.stderr)
    print(f"wheel {Path(wheel).name}: {len(present)} files, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
