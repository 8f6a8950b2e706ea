"""Imports point down: core imports only itself and backends, and array_api imports core, not the
package's face (so the engine reads from the bottom up)."""

from __future__ import annotations

import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parents[2] / "arraygrad"
# the one upward reference core keeps: Tensor.__array_namespace__ returns the public namespace
ALLOWED = {("core/tensor.py", "arraygrad.array_api")}


def _imports(path: pathlib.Path):
    """(absolute module imported, line) for every import in the file, relative ones resolved."""
    mod = ".".join(("arraygrad",) + path.relative_to(PKG).with_suffix("").parts)
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = pkg.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            if name == "arraygrad" or (node.level and not node.module):
                for a in node.names:  # `from .. import x`: the submodule x
                    yield f"{name}.{a.name}", node.lineno
            else:
                yield name, node.lineno


@pytest.mark.parametrize("area, allowed", [
    ("core", ("arraygrad.core", "arraygrad.backends")),
    ("array_api", ("arraygrad.core", "arraygrad.backends", "arraygrad.array_api")),
])
def test_imports_point_down(area, allowed):
    bad = []
    for path in sorted((PKG / area).rglob("*.py")):
        rel = str(path.relative_to(PKG))
        for name, line in _imports(path):
            if not name.startswith("arraygrad"):
                continue
            if name.startswith(allowed) or (rel, name) in ALLOWED:
                continue
            bad.append(f"{rel}:{line} imports {name}")
    assert not bad, "\n".join(bad)
