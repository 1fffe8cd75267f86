"""End-to-end runs of the pipeline on the scripted model: every stage and every failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from codeloop.config import BudgetSettings
from codeloop.errors import UserInputError
from codeloop.lang import PythonSupport, SandboxRunner
from codeloop.lang import types as lang_types
from codeloop.models import Budget, ManagedModel, ScriptedModel
from codeloop.pipeline import Pipeline, PipelineOptions
from tests.pipeline.helpers import py, route

ADD = "Write a function add(a, b) that adds two integers: add(1, 2) == 3, add(2, 2) == 4"
GOOD = py("def add(a: int, b: int) -> int:\n    return a + b")
WRONG = py("def add(a: int, b: int) -> int:\n    return a * b")
TESTS = py(
    "from solution import add\n\n"
    "def test_zero():\n    assert add(0, 0) == 0\n\n"
    "def test_negative():\n    assert add(-1, 1) == 0\n\n"
    "def test_wrong_expectation():\n    assert add(2, 3) == 6\n"
)

Make = Callable[..., tuple[Pipeline, ScriptedModel]]


async def test_happy_path_every_stage(make_pipeline: Make) -> None:
    pipeline, model = make_pipeline(route(generate=[GOOD], tests=[TESTS]))
    report = await pipeline.run(ADD)
    assert report.status == "ok"
    assert [s.name for s in report.stages] == [
        "analyze",
        "select",
        "generate[0]",
        "validate[0]",
        "testgen",
        "tests",
        "format",
    ]  # fmt: skip  (no second coverage run: the tests run recorded which test ran which line)
    assert report.pattern == "typed-function"
    assert report.files["add.py"] == (
        'def add(a: int, b: int) -> int:\n    """Adds two integers."""\n    return a + b\n'
    )
    assert report.lint is not None
    assert report.lint.clean
    assert report.typecheck is not None
    assert report.typecheck.clean
    assert (report.public_passed, report.public_total) == (2, 2)
    assert report.tests_kept == ["test_example_1", "test_example_2", "test_zero", "test_negative"]
    assert [(o.name, o.message) for o in report.tests_discarded] == [
        ("test_wrong_expectation", "assert 5 == 6")
    ]
    tests = report.files["test_add.py"]
    assert "def test_zero" in tests
    assert "test_wrong_expectation" not in tests
    assert "from add import add" in tests
    assert report.coverage_percent == 100.0
    assert report.adherence == 1.0
    assert len(model.requests) == 2
    assert model.requests[0].temperature == 0.0
    assert model.requests[0].stop == ("\n```\n",)
    assert report.stages[2].model_calls == 1


async def test_failing_example_then_samples_then_repair(make_pipeline: Make) -> None:
    responder = route(generate=[WRONG, WRONG], repair=[GOOD], tests=[TESTS])
    pipeline, model = make_pipeline(responder, samples=2, rounds=1)
    report = await pipeline.run(ADD)
    assert report.status == "ok"
    assert [(c.origin, c.round, c.public_passed, c.chosen) for c in report.candidates] == [
        ("greedy", 0, 1, False),
        ("sample", 0, 1, False),
        ("repair", 1, 2, True),
        ("sample", 1, 1, False),
    ]
    repair_prompt = next(
        r.messages[-1].content
        for r in model.requests
        if "attempt is wrong" in r.messages[-1].content
    )
    assert "add(1, 2) must be 3; got: assert 2 == 3" in repair_prompt
    sampled = [r for r in model.requests if r.temperature > 0]
    assert {r.temperature for r in sampled} == {0.8, 0.6}
    assert len({r.seed for r in sampled}) == len(sampled)


async def test_lint_failure_is_repaired(make_pipeline: Make) -> None:
    mutable_default = py(
        "def add(a: int, b: int, seen: list[int] = []) -> int:\n"
        "    seen.append(a)\n    return a + b"
    )
    pipeline, model = make_pipeline(
        route(generate=[mutable_default], repair=[GOOD], tests=["no tests"]), samples=1, rounds=1
    )
    report = await pipeline.run(ADD)
    assert report.status == "ok"
    assert report.candidates[0].lint_findings == 1
    repair_prompt = model.requests[1].messages[-1].content
    assert "B006" in repair_prompt
    assert report.lint is not None
    assert report.lint.clean
    assert report.candidates[-1].chosen


async def test_unparseable_output_everywhere_fails_with_the_syntax_error(
    make_pipeline: Make,
) -> None:
    garbage = py("def add(a, b)\n    return a +")
    pipeline, _ = make_pipeline(route(generate=[garbage], repair=[garbage]), samples=1, rounds=1)
    report = await pipeline.run(ADD)
    assert report.status == "failed"
    assert report.message.startswith("no candidate passed: <code>:1: syntax")
    assert report.files["add.py"] == "def add(a, b)\n    return a +\n"
    assert "def test_example_1():" in report.files["test_add.py"]
    assert [c.parsed for c in report.candidates] == [False, False]
    assert report.rounds == 2


async def test_tests_that_fail_on_correct_code_are_discarded(make_pipeline: Make) -> None:
    all_wrong = py("from solution import add\n\ndef test_bad():\n    assert add(1, 1) == 3\n")
    pipeline, _ = make_pipeline(route(generate=[GOOD], tests=[all_wrong]))
    report = await pipeline.run(ADD)
    assert report.status == "ok"
    assert [o.name for o in report.tests_discarded] == ["test_bad"]
    assert "test_bad" not in report.files["test_add.py"]
    assert report.tests_kept == ["test_example_1", "test_example_2"]


async def test_generated_tests_that_do_not_import_are_reported(make_pipeline: Make) -> None:
    broken = py("from nowhere import add\n\ndef test_a():\n    assert add(1, 1) == 2\n")
    pipeline, _ = make_pipeline(route(generate=[GOOD], tests=[broken]))
    report = await pipeline.run(ADD)
    assert [o.name for o in report.tests_discarded] == ["test_a"]
    assert report.tests_discarded[0].message.startswith("did not run: ")


async def test_budget_exhausted_keeps_what_was_produced(runner: SandboxRunner) -> None:
    backend = ScriptedModel(route(generate=[WRONG], repair=[GOOD]))
    model = ManagedModel("scripted:t", backend, budget=Budget(BudgetSettings(max_calls=1)))
    pipeline = Pipeline(model, runner, options=PipelineOptions(samples=1, rounds=2))
    report = await pipeline.run(ADD)
    assert report.status == "budget_exhausted"
    assert (
        report.message == "budget exceeded: calls limit 1, used 1; kept the best candidate so far"
    )
    assert report.files == {
        "add.py": "def add(a: int, b: int) -> int:\n"
        '    """Adds two integers."""\n    return a * b\n'
    }
    assert (report.public_passed, report.public_total) == (1, 2)


async def test_budget_running_out_mid_round_keeps_the_samples_that_arrived(
    runner: SandboxRunner,
) -> None:
    backend = ScriptedModel(route(generate=[WRONG, GOOD, WRONG]))
    model = ManagedModel("scripted:t", backend, budget=Budget(BudgetSettings(max_calls=3)))
    pipeline = Pipeline(model, runner, options=PipelineOptions(samples=4, rounds=1))
    report = await pipeline.run(ADD)
    assert report.status == "budget_exhausted"
    # greedy, then two of the three samples before the limit: all three validated, GOOD chosen
    assert [(c.origin, c.public_passed) for c in report.candidates] == [
        ("greedy", 1),
        ("sample", 2),
        ("sample", 1),
    ]
    assert [c.index for c in report.candidates] == [0, 1, 2]
    assert "return a + b" in report.files["add.py"]


async def test_model_error_is_reported_not_raised(make_pipeline: Make) -> None:
    pipeline, _ = make_pipeline(route())
    with pytest.raises(AssertionError, match="no scripted reply left"):
        await pipeline.run(ADD)
    model = ScriptedModel([GOOD])
    pipeline = Pipeline(model, make_pipeline(route())[0]._runner, options=PipelineOptions(rounds=0))
    report = await pipeline.run(ADD)
    assert report.status == "model_error"
    assert report.message == (
        "the model failed: ModelResponseError: "
        "scripted model 'scripted' has no reply #2 (it holds 1)"
    )
    assert "add.py" in report.files


async def test_unknown_pattern_and_unsupported_language(make_pipeline: Make) -> None:
    pipeline, _ = make_pipeline(route(generate=[GOOD]))
    with pytest.raises(UserInputError, match="unknown pattern 'visitor' for python"):
        await pipeline.run(ADD, pattern="visitor")
    with pytest.raises(UserInputError, match="unsupported language 'haskell'"):
        await pipeline.run(ADD, language="haskell")


async def test_dual_agreement_picks_the_consensus_program(make_pipeline: Make) -> None:
    description = "Write a function sign(x) returning -1, 0 or 1 for the sign of an integer x"
    right = py("def sign(x: int) -> int:\n    return (x > 0) - (x < 0)")
    right_too = py(
        "def sign(x: int) -> int:\n    if x > 0:\n        return 1\n"
        "    if x < 0:\n        return -1\n    return 0"
    )
    wrong = py("def sign(x: int) -> int:\n    return 1 if x >= 0 else -1")
    tests = py(
        "from sign import sign\n\ndef test_pos():\n    assert sign(5) == 1\n\n"
        "def test_zero():\n    assert sign(0) == 0\n\ndef test_neg():\n    assert sign(-3) == -1\n"
    )
    pipeline, _ = make_pipeline(
        route(generate=[wrong, right, right_too, right], tests=[tests]), samples=4, adaptive=False
    )
    report = await pipeline.run(description)
    chosen = next(c for c in report.candidates if c.chosen)
    assert chosen.origin == "sample"
    assert [c.agreement for c in report.candidates] == [1 * 2, 3 * 3, 3 * 3, 3 * 3]
    assert "(x > 0) - (x < 0)" in report.files["sign.py"]
    assert "rank" in [s.name for s in report.stages]


async def test_pattern_skeleton_and_rules_reach_the_prompt(make_pipeline: Make) -> None:
    model_code = py(
        "from pydantic import BaseModel\n\nclass User(BaseModel):\n    name: str\n    age: int"
    )
    pipeline, model = make_pipeline(route(generate=[model_code], tests=["none"]))
    report = await pipeline.run(
        "a pydantic model User with a name and an age", pattern="pydantic-model"
    )
    prompt = model.requests[0].messages[-1].content
    assert "class User(BaseModel):" in prompt
    assert "- defines a class derived from BaseModel" in prompt
    assert report.pattern == "pydantic-model"
    assert report.adherence == 1.0
    assert report.status == "ok"
    assert '"""A pydantic model User with a name and an age."""' in report.files["user.py"]


class _OverlapProbe(PythonSupport):
    """mypy waits until the public tests have started: only a concurrent run gets past it."""

    def __init__(self) -> None:
        super().__init__()
        self.tests_started = asyncio.Event()

    async def test(self, *args: Any, **kwargs: Any) -> lang_types.TestRun:
        self.tests_started.set()
        return await super().test(*args, **kwargs)

    async def typecheck(self, code: str) -> lang_types.CheckResult:
        await asyncio.wait_for(self.tests_started.wait(), timeout=10)
        return await super().typecheck(code)


async def test_python_public_tests_run_while_mypy_checks(runner: SandboxRunner) -> None:
    model = ScriptedModel(route(generate=[GOOD], tests=[TESTS]))
    pipeline = Pipeline(
        model,
        runner,
        options=PipelineOptions(samples=1, rounds=0),
        languages={"python": _OverlapProbe()},
    )
    report = await pipeline.run(ADD)
    await pipeline.aclose()
    assert report.status == "ok"
    chosen = next(c for c in report.candidates if c.chosen)
    assert (chosen.public_passed, chosen.public_total) == (2, 2)


async def test_no_examples_and_every_generated_test_dropped_means_no_coverage(
    make_pipeline: Make,
) -> None:
    wrong_only = py("from add import add\n\ndef test_wrong():\n    assert add(2, 3) == 6\n")
    pipeline, _ = make_pipeline(route(generate=[GOOD], tests=[wrong_only]))
    report = await pipeline.run("Write a function add(a, b) that adds two integers")
    assert [o.name for o in report.tests_discarded] == ["test_wrong"]
    assert report.tests_kept == []
    assert report.coverage_percent is None
    assert list(report.files) == ["add.py"]


async def test_a_parametrized_generated_test_is_kept_or_dropped_as_one(make_pipeline: Make) -> None:
    tests = py(
        "import pytest\nfrom add import add\n\n"
        "@pytest.mark.parametrize('a', [0, 1])\n"
        "def test_right(a):\n    assert add(a, 0) == a\n\n"
        "@pytest.mark.parametrize('a', [0, 1])\n"
        "def test_half_wrong(a):\n    assert add(a, a) == 0\n"
    )
    pipeline, _ = make_pipeline(route(generate=[GOOD], tests=[tests]))
    report = await pipeline.run(ADD)
    assert [o.name for o in report.tests_discarded] == ["test_half_wrong[1]"]
    assert report.tests_kept == ["test_example_1", "test_example_2", "test_right"]
    assert "def test_half_wrong" not in report.files["test_add.py"]
    assert report.coverage_percent == 100.0
