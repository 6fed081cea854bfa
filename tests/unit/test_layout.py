"""The layout the README draws, kept by a test: the domain (``service.core``) imports neither the
Flask adapters (``service.web``), the entry points (``service`` itself) nor the workers; the web
side never imports the workers' check code; the workers never import the web adapters."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import import_graph  # noqa: E402  (tools/ is not a package)

FORBIDDEN = [
    ("service.core", "service.web"),
    ("service.core", "service"),  # create_app, cli, runner: the entry points sit above the domain
    ("service.core", "workers"),
    ("service.web", "workers"),
    ("workers", "service.web"),
]


def _imports() -> list[tuple[str, str]]:
    return list(import_graph.module_imports(ROOT))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _top_level_of_service(module: str) -> bool:
    """``service`` itself and its plain modules (cli, runner, ...), not its subpackages."""
    return module == "service" or (
        module.startswith("service.") and not module.startswith(("service.core", "service.web"))
    )


@pytest.mark.parametrize(("importer", "imported"), FORBIDDEN)
def test_no_import_against_the_layers(importer: str, imported: str) -> None:
    found = []
    for source, target in _imports():
        if not _within(source, importer):
            continue
        hit = _top_level_of_service(target) if imported == "service" else _within(target, imported)
        if hit:
            found.append(f"{source} -> {target}")
    assert not found, f"{importer} must not import {imported}: {found[:10]}"


def test_the_graph_sees_the_imports_it_checks() -> None:
    # A test of the tool itself: an empty graph would make every rule above pass vacuously.
    edges = import_graph.package_graph(ROOT, 2)
    assert edges[("service.web", "service.core")] > 10
    assert edges[("workers", "service.core")] > 5


def test_no_module_imports_itself_round_a_circle() -> None:
    # Strongly connected components of the module graph (every import, also those inside a
    # function): a circle means two modules that cannot be read, or changed, one without the other.
    graph: dict[str, set[str]] = {}
    for source, target in _imports():
        if source != target and not target.startswith(source + "."):
            graph.setdefault(source, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in list(graph):
        if module not in index:
            visit(module)
    assert not circles, circles
