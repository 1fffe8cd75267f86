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


def test_rlms_baseline_failure_is_a_result(tmp_path: Path) -> None:
    """The rlms library runs in a subprocess; without it the cell records why, and no crash."""
    from benchmarks.rlm import make_case, rlms_answer, score

    case = make_case("needle", 2_000)
    cell = rlms_answer(str(tmp_path), "http://127.0.0.1:9/v1", case, 1, 60)

    assert cell["answer"] is None
    assert "No module named 'rlm'" in cell["error"]
    assert not score(case, cell["answer"])


def test_rlm_data_seed_gives_fresh_data_with_its_own_truth() -> None:
    from benchmarks.rlm import make_case

    first, fresh = make_case("count", 20_000), make_case("count", 20_000, data_seed=1)

    assert first.context != fresh.context
    assert first == make_case("count", 20_000)
    paris_failed = [
        line
        for line in fresh.context.splitlines()
        if "city=Paris" in line and "status=failed" in line
    ]
    assert fresh.truth == len(paris_failed) > 0
