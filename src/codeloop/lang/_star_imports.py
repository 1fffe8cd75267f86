"""Star imports from well-known standard modules (``from typing import *``, a habit of small code
models) become explicit imports of the names the code uses; ruff can flag them (F403) but not fix.

Only the modules in :data:`EXPANDABLE` are looked into: they are imported in this process to read
their public names, so the list holds standard modules whose import has no side effects.
"""

from __future__ import annotations

import ast
import importlib

__all__ = ["EXPANDABLE", "expand_star_imports"]

EXPANDABLE = frozenset(
    {
        "bisect",
        "collections",
        "collections.abc",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "functools",
        "heapq",
        "itertools",
        "math",
        "operator",
        "random",
        "re",
        "statistics",
        "string",
        "typing",
    }
)


def expand_star_imports(code: str) -> str:
    """``code`` with each expandable star import replaced by the names it actually supplies (the
    line is dropped when it supplies none); unparseable code comes back unchanged."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    stars = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        and node.level == 0
        and node.module in EXPANDABLE
        and [alias.name for alias in node.names] == ["*"]
    ]
    if not stars:
        return code
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - _bound(tree)
    lines = code.splitlines(keepends=True)
    taken: set[str] = set()
    for node in reversed(stars):  # bottom-up, so earlier line numbers stay valid
        names = sorted((used & _public(node.module or "")) - taken)
        taken.update(names)
        replacement = f"from {node.module} import {', '.join(names)}\n" if names else ""
        lines[node.lineno - 1 : node.end_lineno or node.lineno] = [replacement]
    return "".join(lines)


def _public(module: str) -> set[str]:
    loaded = importlib.import_module(module)
    names = getattr(loaded, "__all__", None)
    if names is None:
        names = [name for name in dir(loaded) if not name.startswith("_")]
    return set(names)


def _bound(tree: ast.Module) -> set[str]:
    """Names the module binds at its top level (definitions, assignments, other imports): those
    shadow a star import. Names local to a function do not; an import they leave unused is
    removed by ruff's F401 fix afterwards."""
    bound: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update(
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if alias.name != "*"
            )
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return bound
