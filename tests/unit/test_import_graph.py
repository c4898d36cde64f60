"""What may import what (docs/architecture.md), checked on the source: every import counts,
module-level or inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("core", "storage", "bots")
PLATFORM_LIBRARIES = ("telegram", "discord", "aiosqlite", "sqlite3", "aiohttp", "tornado", "httpx")
WIRING = "bots.runtime"


def modules() -> dict[str, Path]:
    found = {}
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, name: str) -> Iterator[str]:
    """Every module ``path`` imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {target for target in imports(path, name) if target in known and target != name}
        for name, path in known.items()
    }


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = [*trail[trail.index(name) :], name]
            raise AssertionError("import cycle: " + " → ".join(cycle))
        if name in done:
            return
        for target in sorted(edges[name]):
            visit(target, [*trail, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])


def test_core_knows_no_platform_no_storage_and_no_adapter() -> None:
    for name, path in modules().items():
        if not name.startswith("core"):
            continue
        for target in imports(path, name):
            top = target.split(".")[0]
            assert top not in ("bots", "storage", *PLATFORM_LIBRARIES), f"{name} imports {target}"


def test_storage_knows_no_adapter() -> None:
    for name, path in modules().items():
        if name.startswith("storage"):
            assert not [t for t in imports(path, name) if t.split(".")[0] == "bots"], name


def test_only_the_wiring_module_of_bots_knows_storage() -> None:
    for name, path in modules().items():
        if name.startswith("bots") and name != WIRING:
            found = [t for t in imports(path, name) if t.split(".")[0] == "storage"]
            assert not found, f"{name} imports {found}: go through {WIRING}"
