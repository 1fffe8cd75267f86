"""A store filled through the real store API with the shapes codeloop's runs write: a finished
generation with a nested trace, a failed analysis, a run still going, and code-graph facts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from codeloop.store import StepRecord, Store, Triple
from codeloop.ui import create_app
from codeloop.web import GuardPolicy

FIRST = "def is_prime(n):\n    return n > 1\n"
FIXED = "def is_prime(n: int) -> bool:\n    return n > 1 and all(n % d for d in range(2, n))\n"
DAY = 86400.0


@dataclass(frozen=True)
class Filled:
    store: Store
    gen: str
    analyze: str
    live: str
    old: str


def fill(store: Store) -> Filled:
    runs = store.runs
    gen = runs.start_run("gen", {"prompt": "Write is_prime(n) in Python", "language": "python"})
    stage = runs.add_step(
        StepRecord(run_id=gen, kind="stage", name="generate", input={"k": 1}, seconds=1.5)
    )
    runs.add_step(
        StepRecord(
            run_id=gen,
            parent_id=stage,
            kind="model_call",
            name="local:qwen2.5-coder-0.5b",
            input={"messages": [{"role": "user", "content": "Write is_prime"}]},
            output={"text": FIRST},
            input_tokens=40,
            output_tokens=15,
            cost_usd=0.002,
            seconds=0.9,
        )
    )
    runs.add_step(
        StepRecord(
            run_id=gen,
            parent_id=stage,
            kind="validation",
            name="ruff",
            input={"code": FIRST, "language": "python"},
            output={
                "diagnostics": [
                    {
                        "severity": "error",
                        "file": "candidate.py",
                        "line": 1,
                        "code": "ANN001",
                        "message": "Missing type annotation for n",
                    }
                ]
            },
            error="lint found 1 problem",
            seconds=0.2,
        )
    )
    runs.add_step(
        StepRecord(
            run_id=gen,
            kind="repair",
            name="repair round 1",
            input={"code": FIRST},
            output={"code": FIXED},
            input_tokens=60,
            output_tokens=30,
            cost_usd=0.003,
            seconds=1.1,
        )
    )
    runs.add_step(
        StepRecord(run_id=gen, kind="validation", name="ruff", input={"code": FIXED}, seconds=0.1)
    )
    runs.finish_run(
        gen,
        "ok",
        {
            "code": FIXED,
            "report": {"lint_clean": True, "coverage": 0.9, "tests_passed": 3, "tests_total": 4},
        },
    )

    analyze = runs.start_run("analyze", {"question": "mean of the prices column"})
    runs.add_step(
        StepRecord(
            run_id=analyze,
            kind="program_run",
            name="sandbox",
            input={"program": "result = 1 / 0"},
            error="ExecutionFailed: division by zero",
            seconds=0.05,
        )
    )
    runs.finish_run(analyze, "error", error="ExecutionFailed: division by zero")

    live = runs.start_run("gen", {"prompt": "Write fizzbuzz"})
    runs.add_step(
        StepRecord(
            run_id=live,
            kind="model_call",
            name="local:qwen2.5-coder-0.5b",
            input={"messages": []},
            output={"text": "def fizzbuzz(): ..."},
            input_tokens=10,
            output_tokens=5,
        )
    )

    old = runs.start_run("gen", {"prompt": "Write a slugify function"})
    runs.finish_run(old, "ok", {"report": {"lint_clean": False, "coverage": 50}})
    # History: move this run two days back, as if it had run then.
    store.db.execute(
        "UPDATE runs SET created_at = created_at - ?, finished_at = finished_at - ? WHERE id = ?",
        (2 * DAY, 2 * DAY - 3.0, old),
    )

    store.triples.add(
        [
            Triple(
                subject="py:mod.is_prime",
                predicate="code:kind",
                object="function",
                provenance={"source": "mod.py", "line": 1},
            ),
            Triple(
                subject="py:mod.is_prime",
                predicate="code:returns",
                object="py:bool",
                provenance={"source": "mod.py", "line": 1},
            ),
            Triple(
                subject="py:mod.main",
                predicate="code:calls",
                object="py:mod.is_prime",
                provenance={"source": "mod.py", "line": 5},
            ),
            Triple(
                subject="template:error_type",
                predicate="template:language",
                object="rust",
                provenance={"how": "learned"},
            ),
        ]
    )
    return Filled(store=store, gen=gen, analyze=analyze, live=live, old=old)


def open_policy(**changes: object) -> GuardPolicy:
    values: dict[str, object] = {
        "token": None,
        "max_body_bytes": 4096,
        "rate_per_minute": 6000,
        "burst": 1000,
    }
    values.update(changes)
    return GuardPolicy(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "codeloop.db")
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Store) -> Filled:
    return fill(store)


@pytest.fixture
def client(filled: Filled) -> Iterator[TestClient]:
    with TestClient(create_app(filled.store, open_policy())) as test_client:
        yield test_client
