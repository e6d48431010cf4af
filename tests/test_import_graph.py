"""The grader's modules depend one way (issue 16): no import cycle, counting imports inside
functions too (a cycle hidden in a function is still two modules that need each other)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import REPO

GRADER = REPO / "grader"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: grader modules it imports anywhere in its code}, read with ast."""
    modules = {module_name(p): p for p in GRADER.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_reader_sees_imports_inside_functions_and_relative_ones() -> None:
    """Does the graph hold edges that only a function-level import makes (the runner starts the
    sandbox's zygote lazily), so that the cycle test below can fail?"""
    graph = import_graph()
    assert "grader.sandbox.client" in graph["grader.opener"]
    assert "grader.plugin" in graph["grader.runner"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_grader_module_imports_one_that_imports_it_back() -> None:
    """Is the import graph of grader/ free of cycles (each listed with its modules)?"""
    assert cycles(import_graph()) == []


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for other in graph.get(todo.pop(), set()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


LAYERS = {
    # Each module, and what it must never reach, directly or through another module.
    "grader.plugin": {"grader.cli", "grader.runner", "grader.workers"},
    "grader.session": {"grader.cli", "grader.runner", "grader.workers", "grader.plugin"},
    "grader.marker": {"grader.plugin", "grader.session", "grader.submission"},
    "grader.shrinking": {"grader.plugin", "grader.session"},
    "grader.verdicts": {"grader.plugin", "grader.runner"},
    "grader.submission": {"grader.plugin", "grader.session", "grader.runner"},
    "grader.compare": {"grader.plugin", "grader.session", "grader.submission", "grader.probes"},
    "grader.strategies": {"grader.plugin", "grader.submission", "grader.probes"},
    "grader.specs": {"grader.plugin", "grader.submission", "grader.probes"},
}


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_layers_depend_one_way(module: str) -> None:
    """cli -> workers/runner -> plugin (hooks) -> session -> submission/transport -> sandbox;
    checks use compare, strategies and specs, which reach neither the plugin nor a probe."""
    graph = import_graph()
    assert module in graph, f"{module} is not a grader module any more: update LAYERS"
    assert _reaches(graph, module) & LAYERS[module] == set()
