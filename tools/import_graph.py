"""Which package imports which: every ``import``/``from`` of ``service`` or ``workers`` (top level or
inside a function), counted per pair of packages.

    python tools/import_graph.py [ROOT] [DEPTH]     # DEPTH 2: service.core, workers.checks, ...

Used for the layout's picture in the README and by ``tests/unit/test_layout.py``.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

TOPS = ("service", "workers")


def module_imports(root: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(importing module, imported module)`` for every import of a project module, with
    both as dotted module names that exist under ``root`` (``service.core.store``)."""
    for top in TOPS:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            source = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [f"{node.module}.{a.name}" for a in node.names]
                else:
                    continue
                for name in names:
                    target = _existing_module(root, name)
                    if target:
                        yield source, target


def _existing_module(root: Path, dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] not in TOPS:
        return None
    while parts:
        base = root.joinpath(*parts)
        if base.is_dir() or base.with_suffix(".py").exists():
            return ".".join(parts)
        parts.pop()
    return None


def package_of(root: Path, module: str, depth: int) -> str:
    """The package ``module`` belongs to, cut to ``depth`` names (a package is its own package)."""
    parts = module.split(".")
    if not root.joinpath(*parts).is_dir():
        parts = parts[:-1] or parts
    return ".".join(parts[:depth])


def package_graph(root: Path, depth: int = 2) -> Counter[tuple[str, str]]:
    """``{(importing package, imported package): number of imports}``, same-package imports left out."""
    edges: Counter[tuple[str, str]] = Counter()
    for source, target in module_imports(root):
        a, b = package_of(root, source, depth), package_of(root, target, depth)
        if a != b:
            edges[(a, b)] += 1
    return edges


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    for (a, b), n in sorted(package_graph(root, depth).items()):
        print(f"{a:18} -> {b:18} ({n})")


if __name__ == "__main__":
    main()
