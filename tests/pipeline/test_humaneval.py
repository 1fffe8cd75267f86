from __future__ import annotations

from codeloop.lang import SandboxRunner
from codeloop.models import ScriptedModel
from codeloop.pipeline.humaneval import load_problems, run_humaneval, select_problems


def test_problems_come_from_the_package_and_split_82_82() -> None:
    problems = load_problems()
    assert len(problems) == 164
    dev = select_problems(problems, "dev", limit=None, seed=0)
    held = select_problems(problems, "heldout", limit=None, seed=0)
    assert (len(dev), len(held)) == (82, 82)
    assert (dev[-1].task_id, held[0].task_id) == ("HumanEval/81", "HumanEval/82")
    subset = select_problems(problems, "heldout", limit=5, seed=7)
    assert subset == select_problems(problems, "heldout", limit=5, seed=7)
    assert all(p.number >= 82 for p in subset)
    assert [p.number for p in subset] == sorted(p.number for p in subset)


async def test_loop_resamples_until_the_docstring_examples_pass(runner: SandboxRunner) -> None:
    problem = next(p for p in load_problems() if p.task_id == "HumanEval/2")
    wrong = "```python\ndef truncate_number(number: float) -> float:\n    return number\n```"
    right = "```python\ndef truncate_number(number: float) -> float:\n    return number % 1.0\n```"
    model = ScriptedModel([wrong, wrong, right])
    single = await run_humaneval(
        model, runner, [problem], mode="single", split="dev", model_name="s"
    )
    assert (single.passed, single.results[0].candidates) == (0, 1)
    model = ScriptedModel([wrong, wrong, right])
    loop = await run_humaneval(
        model, runner, [problem], mode="loop", split="dev", model_name="s", samples=3, rounds=0
    )
    assert loop.passed == 1
    assert loop.results[0].public_passed == loop.results[0].public_total == 1
    assert model.requests[0].temperature == 0.0
    assert "Do not repeat the docstring." in model.requests[0].messages[-1].content
