"""The house layout holds: layers import only downwards, no import cycle between modules or packages,
the core never names a plugin package, and no module is over 400 lines.

Every `import` and `from … import` of every module is read from its syntax tree, function-level
imports included (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("radar", "spiders", "notifier")
MAX_LINES = 400

# Each layer may import the layers before it in this list, never one after it.
LAYERS = ["radar.domain", "radar.detect", "radar.store", "radar.app", "radar.board", "radar.cli"]
# Plugin packages sit beside the core: they may import the core's lower layers; the core imports them
# only through entry points (radar.app.plugins), never by name.
PLUGINS = {"spiders": {"radar", "radar.domain", "radar.detect", "radar.app"},
           "notifier": {"radar", "radar.domain"}}


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (a name imported from a package counts as its module when
    it is one, else as the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def unit(module: str) -> str:
    """The package a module belongs to for layering: a radar layer, a plugin package, or `radar`."""
    for layer in LAYERS:
        if module == layer or module.startswith(layer + "."):
            return layer
    top = module.split(".")[0]
    return top if top in PLUGINS else "radar"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_lazy_and_relative_imports():
    edges = graph()
    assert "radar.app.plugins" in edges["radar.app.config"]  # a module-level import
    assert "radar.cli.commands" in edges["radar.cli.launch"]  # an import inside a function
    assert "notifier.webhook" in edges["notifier"]  # a relative `from .webhook import …`


def test_no_import_cycle_between_modules():
    assert cycles(graph()) == []


def test_no_import_cycle_between_packages():
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        edges.setdefault(unit(module), set()).update(unit(t) for t in targets if unit(t) != unit(module))
    assert cycles(edges) == []


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for module, targets in graph().items():
        here = unit(module)
        for target in targets:
            there = unit(target)
            if here == there or there == "radar":
                continue
            if here in PLUGINS:
                allowed = there in PLUGINS[here]
            elif there in PLUGINS:
                allowed = False  # the core finds kinds through their registries, never by name
            else:
                allowed = here != "radar" and LAYERS.index(there) < LAYERS.index(here)
            if not allowed:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_400_lines(package):
    long = {str(path.relative_to(ROOT)): n for name, path in module_files().items()
            if name.split(".")[0] == package and (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}
