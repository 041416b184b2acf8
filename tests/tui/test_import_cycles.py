"""The console's modules import one way: no cycle among tui/ and widgets/, counting the
imports made inside functions (they run too) and not those made only for type checking."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("tui", "widgets"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `name` imports at run time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[:len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in child.names:
                    add(f"{base}.{alias.name}")
            else:
                visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return out


def test_no_import_cycle_in_the_console():
    known = _modules()
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    cycles = []

    def walk(node: str, trail: list[str], done: set[str]) -> None:
        for target in sorted(graph[node]):
            if target in trail:
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in done:
                walk(target, [*trail, target], done)
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            walk(name, [name], done)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
