"""The largest modules and functions of core/, storage/ and bots/, in lines, for a checkout.

Usage: ``python bench/code_sizes.py [DIR]`` (DIR defaults to this checkout; for an older
commit, ``git archive COMMIT core storage bots | tar -x -C DIR`` first).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOMS = ("core", "storage", "bots")
SHOWN = 6


def sizes(root: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(lines, module) and (lines, module:function), largest first."""
    modules, functions = [], []
    for room in ROOMS:
        for path in sorted((root / room).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(root))
            modules.append((len(text.splitlines()), name))
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    functions.append((length, f"{name}:{node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    modules, functions = sizes(root)
    print(f"{len(modules)} modules, {sum(n for n, _ in modules):,} lines")
    for lines, name in modules[:SHOWN]:
        print(f"  {lines:5}  {name}")
    print(f"{len(functions)} functions; the largest:")
    for lines, name in functions[:SHOWN]:
        print(f"  {lines:5}  {name}")


if __name__ == "__main__":
    main()
