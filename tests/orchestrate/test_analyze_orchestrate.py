from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from codeloop.models.backends.scripted import ScriptedModel
from codeloop.models.types import ModelRequest
from codeloop.orchestrate import (
    Analyzer,
    CodegenOptions,
    Orchestrator,
    RunContext,
    read_strategy,
)
from codeloop.store import Store

RunsFactory = Callable[..., RunContext]

ROWS = [{"city": c, "temp": t} for c, t in [("Oslo", 3), ("Rome", 18), ("Oslo", 5), ("Rome", 20)]]
CSV = "city,temp\n" + "\n".join(f"{r['city']},{r['temp']}" for r in ROWS) + "\n"


def fenced(code: str) -> str:
    return f"Here you go:\n```python\n{code}\n```\nDone."


async def test_analyze_retries_after_validation_and_runtime_errors(
    make_runs: RunsFactory, store: Store
) -> None:
    coder = ScriptedModel(
        [
            fenced("import os\nfinish(1)"),
            fenced("final_report = context[99]['temp']"),
            fenced(
                "import pandas as pd\n"
                "df = pd.DataFrame(context)\n"
                "final_report = df.groupby('city')['temp'].mean().to_dict()"
            ),
        ]
    )
    analyzer = Analyzer(make_runs(coder), CodegenOptions(max_retries=2))

    report = await analyzer.analyze(CSV, "csv", "mean temperature per city")

    assert report.ok is True
    assert report.value == {"Oslo": 4.0, "Rome": 19.0}
    assert [a.stage for a in report.attempts] == ["validation", "run", "ok"]
    assert report.attempts[0].error is not None
    first, second, third = report.attempts[0].error.splitlines()
    assert first.startswith("line 1: import: module `os` is not allowed (allowed instead: base64,")
    assert second == "line 2: no-finish: do not call finish(); assign `final_report` instead"
    assert third == "line 2: result-variable: the program never assigns `final_report` at top level"
    assert "IndexError" in (report.attempts[1].error or "")
    retry_prompt = coder.requests[2].messages[-1].content
    assert retry_prompt.startswith("Your previous program failed when it ran:")
    assert coder.requests[2].temperature == 0.7
    assert len(coder.requests[2].messages) == 5  # prompt + two failed turns
    first_prompt = coder.requests[0].messages[0].content
    assert "TASK: mean temperature per city" in first_prompt
    assert 'city: str, 4, e.g. "Oslo"' in first_prompt
    assert "finish(" not in first_prompt.split("Rules:")[0]  # finish is not offered
    run = store.runs.get_run(report.run_id or "")
    assert run.status == "ok"
    assert [s.kind for s in run.steps] == [
        "model_call", "validation",
        "model_call", "validation", "program_run",
        "model_call", "validation", "program_run",
    ]  # fmt: skip


async def test_analyze_gives_up_after_the_bound(make_runs: RunsFactory, store: Store) -> None:
    coder = ScriptedModel([fenced("x = 1")], cycle=True)
    analyzer = Analyzer(make_runs(coder), CodegenOptions(max_retries=1))

    report = await analyzer.analyze(json.dumps(ROWS), "json", "anything")

    assert report.ok is False
    assert len(report.attempts) == 2
    assert report.error == (
        "line 1: result-variable: the program never assigns `final_report` at top level"
    )
    assert store.runs.get_run(report.run_id or "").status == "error"


PLAN_C = """# strategy: C
hot = [r for r in context if r['temp'] > 10]
notes = map_async(lambda r: llm_query('Describe the weather in one word.', r), hot)
final_report = '; '.join(f"{r['city']}: {n}" for r, n in zip(hot, notes))
"""

PLAN_A = """# strategy: A
notes = [llm_query('One word.', r) for r in context]
final_report = ', '.join(notes)
"""


def worker_answer(request: ModelRequest) -> str:
    return "warm" if '"temp": 18' in request.messages[-1].content else "hot"


async def test_orchestrate_reports_strategy_and_cost(make_runs: RunsFactory) -> None:
    planner = ScriptedModel([fenced(PLAN_C)])
    runs = make_runs(planner, worker=ScriptedModel(worker_answer))

    report = await Orchestrator(runs, CodegenOptions()).orchestrate(
        json.dumps(ROWS), "json", "describe warm places"
    )

    assert report.ok is True
    assert report.value == "Rome: warm; Rome: hot"
    assert report.strategy == "C"
    assert report.calls == 3
    assert report.tokens > 0
    prompt = planner.requests[0].messages[0].content
    assert "A) model-extract" in prompt
    assert "B) cluster first" in prompt
    assert "C) filter first" in prompt


async def test_orchestrate_budget_is_enforced(make_runs: RunsFactory) -> None:
    planner = ScriptedModel([fenced(PLAN_A)], cycle=True)
    runs = make_runs(planner, worker=ScriptedModel(["w"], cycle=True), max_calls=3)

    report = await Orchestrator(runs, CodegenOptions(max_retries=3)).orchestrate(
        json.dumps(ROWS), "json", "one word each"
    )

    assert report.ok is False
    assert report.strategy == "A"
    assert report.calls == 3  # the planner call and two worker calls, then refused
    assert report.error is not None
    assert "budget" in report.error
    assert len(report.attempts) == 1  # no retry once the budget is spent
    assert "BUDGET: calls 3" in planner.requests[0].messages[0].content


@pytest.mark.parametrize(
    ("code", "strategy"),
    [("# strategy: B\nx=1", "B"), ("# Strategy = (a)\n", "A"), ("x = 1", "unknown")],
)
def test_read_strategy(code: str, strategy: str) -> None:
    assert read_strategy(code) == strategy
