"""Every benchmark module imports (a broken import fails CI) and documents its one invocation."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
NAMES = sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem != "__init__")


def test_the_benchmarks_folder_is_found() -> None:
    assert {"_report", "models", "sandbox"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")

    assert module.__name__ == f"benchmarks.{name}"
    if not name.startswith("_"):
        assert f"python -m benchmarks.{name}" in (module.__doc__ or "")
