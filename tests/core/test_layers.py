"""ARCHITECTURE's layers, checked on the source: a package imports only its own layer or lower
ones, so no capability or service ever reaches an edge (api, cli, server, ui)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "codeloop"
LAYERS = {
    "core": ("errors", "config", "telemetry", "otel"),
    "services": ("models", "sandbox", "lang", "store", "executors", "web"),
    "capabilities": ("pipeline", "orchestrate", "knowledge", "patterns"),
    "edges": ("api", "cli", "server", "ui", "__main__"),
}
RANK = {package: rank for rank, members in enumerate(LAYERS.values()) for package in members}


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _imported(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            base = node.module
            names = [f"{base}.{a.name}" for a in node.names] if base == "codeloop" else [base]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("codeloop.")}
    return found


def _violations() -> list[str]:
    bad: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        package = _package(path)
        if package == "__init__":
            continue
        for target in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            if target in RANK and RANK[target] > RANK[package]:
                bad.append(f"{path.relative_to(SRC)} imports codeloop.{target}")
    return bad


def test_every_package_has_a_layer() -> None:
    packages = {_package(p) for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()}
    packages -= {"__init__", "__pycache__", "prompts"}
    assert sorted(packages - set(RANK)) == []


def test_no_package_imports_a_higher_layer() -> None:
    assert _violations() == []


def test_the_check_sees_every_import_form() -> None:
    tree = ast.parse(
        "from codeloop.api import Session\nimport codeloop.cli\nfrom codeloop import api"
    )
    assert _imported(tree) == {"api", "cli"}
