from __future__ import annotations

from collections.abc import Callable

from codeloop.errors import ModelTimeout
from codeloop.models.backends.scripted import ScriptedModel
from codeloop.models.types import ModelRequest
from codeloop.orchestrate import RecursiveLM, RLMOptions, RunContext
from codeloop.orchestrate.rlm import keyword_lines, truncate
from codeloop.store import Store

RunsFactory = Callable[..., RunContext]

HAYSTACK = "".join(f"line {i}: nothing here\n" for i in range(40_000))
NEEDLE_AT = len(HAYSTACK) // 2
CONTEXT = HAYSTACK[:NEEDLE_AT] + "the secret code is 4817\n" + HAYSTACK[NEEDLE_AT:]

TURN_1 = """```python
import re
m = re.search(r"secret code is (\\d+)", context)
print(len(context), m.start() if m else None)
print("x" * 5000)
```"""
TURN_2 = """```python
answer = llm_query("What is the secret code? Digits only.", context[m.start() - 50 : m.end() + 50])
finish(answer.strip())
```"""


async def test_rlm_explores_a_large_context_and_finishes(
    make_runs: RunsFactory, store: Store
) -> None:
    root = ScriptedModel([TURN_1, TURN_2])
    worker = ScriptedModel(lambda r: "4817" if "4817" in r.messages[-1].content else "none")
    rlm = RecursiveLM(make_runs(root, worker=worker), RLMOptions(max_output_chars=300))

    report = await rlm.solve("What is the secret code?", CONTEXT)

    assert len(CONTEXT) > 900_000
    assert report.answer == "4817"
    assert report.finished is True
    assert [t.number for t in report.turns] == [1, 2]
    assert report.turns[0].output.startswith(f"{len(CONTEXT)} {NEEDLE_AT + 4}\n")
    assert "characters cut" in report.turns[0].output
    assert len(report.turns[0].output) < 400
    second = root.requests[1]
    assert second.messages[0].role == "system"
    assert "a str of" in second.messages[0].content
    shown = "".join(m.content for m in second.messages)
    assert CONTEXT[:400] in shown  # the preview
    assert CONTEXT[400:600] not in shown
    assert len(shown) < 4000
    assert second.messages[-1].content.startswith("Output of your code (turn 1):")
    assert report.calls == 3
    steps = store.runs.get_run(report.run_id or "").steps
    assert [s.kind for s in steps] == [
        "model_call", "program_run", "model_call", "model_call", "program_run"
    ]  # fmt: skip


async def test_rlm_forces_an_answer_at_the_iteration_limit(make_runs: RunsFactory) -> None:
    def root(request: ModelRequest) -> str:
        last = request.messages[-1].content
        if last.startswith("QUESTION: How long") and "Notes from your exploration" in last:
            return "about 12"
        return "```python\nprint(len(context))\n```"

    rlm_root = ScriptedModel(root)
    rlm = RecursiveLM(make_runs(rlm_root), RLMOptions(max_iterations=3))

    report = await rlm.solve("How long is it?", "x" * 12)

    assert report.finished is False
    assert report.answer == "about 12"
    temperatures = [r.temperature for r in rlm_root.requests]
    assert temperatures[:3] == [0.0, 0.0, 0.8]  # turn 2 repeated turn 1: turn 3 resamples
    assert [t.output for t in report.turns] == ["12\n", "12\n", "12\n"]
    assert report.error is not None
    assert report.error.startswith("no finish(): answer forced")


async def test_rlm_root_timeout_keeps_what_was_seen(make_runs: RunsFactory) -> None:
    def root(request: ModelRequest) -> str:
        if len(request.messages) > 2:  # the turn after the first program ran
            raise ModelTimeout("local:model: no answer in 120s")
        return "```python\nprint(len(context))\n```"

    rlm = RecursiveLM(make_runs(ScriptedModel(root)), RLMOptions(max_iterations=3))
    report = await rlm.solve("How long is it?", "x" * 12)
    assert (report.answer, report.finished) == ("12", False)
    assert report.error is not None


async def test_rlm_accepts_final_in_text(make_runs: RunsFactory) -> None:
    rlm = RecursiveLM(make_runs(ScriptedModel(["FINAL(blue)"])), RLMOptions())
    report = await rlm.solve("Colour?", "the sky is blue")
    assert (report.answer, report.finished, report.turns) == ("blue", True, [])


async def test_rlm_recursion_below_the_depth_limit(make_runs: RunsFactory) -> None:
    def root(request: ModelRequest) -> str:
        system = request.messages[0].content
        if "a str of 9000 characters" in system:  # the root: delegate a big piece
            return "```python\nfinish(llm_query('count the a', context[:8000]))\n```"
        if "a str of 8000 characters" in system:  # the nested RLM on the piece
            return "```python\nfinish(str(context.count('a')))\n```"
        raise AssertionError(system[:200])

    rlm = RecursiveLM(make_runs(ScriptedModel(root)), RLMOptions(max_depth=1, chunk_chars=1000))
    report = await rlm.solve("How many a?", "a" * 8000 + "b" * 1000)
    assert (report.answer, report.finished) == ("8000", True)
    assert [(t.depth, t.number) for t in report.turns] == [(1, 1), (0, 1)]


def test_truncate_keeps_head_and_tail() -> None:
    assert truncate("abc", 10) == "abc"
    cut = truncate("a" * 50 + "b" * 50, 20)
    assert cut == "a" * 10 + "\n... [80 characters cut] ...\n" + "b" * 10


def test_keyword_lines_show_where_question_words_occur() -> None:
    text = "alpha line\nthe secret code is 4817\nomega line\nsecret again\n"
    assert keyword_lines(text, "What is the secret code?") == "the secret code is 4817"
    assert keyword_lines(text, "Which secret, omega?") == "the secret code is 4817\nomega line"
    assert keyword_lines(["not", "text"], "secret?") == ""


async def test_rlm_gives_line_records_and_names_their_keys(make_runs: RunsFactory) -> None:
    context = "".join(
        f"order {i}: shop={'ab'[i % 2]} size={i} comment: {'late' if i % 3 else 'fine'}\n"
        for i in range(30)
    )
    prompts: list[str] = []

    def root(request: ModelRequest) -> str:
        prompts.append(request.messages[0].content + request.messages[-1].content)
        if len(prompts) == 1:  # a key the records do not have: the error names the real ones
            return "```python\nprint(sum(r['colour'] for r in records))\n```"
        return "```python\nfinish(sum(r['size'] for r in records if r['shop'] == 'a'))\n```"

    report = await RecursiveLM(make_runs(ScriptedModel(root)), RLMOptions()).solve("Sum?", context)
    assert (report.answer, report.finished) == (sum(range(0, 30, 2)), True)
    assert "(30 dicts)" in prompts[0]
    assert "shop (str): one of 'a', 'b'" in prompts[0]
    assert "KeyError" in prompts[1]
    assert "have the keys: order, shop, size, comment" in prompts[1]


async def test_rlm_flags_a_program_it_already_ran(make_runs: RunsFactory) -> None:
    seen: list[str] = []

    def root(request: ModelRequest) -> str:
        seen.append(request.messages[-1].content)
        return "```python\nprint(len(context))\n```"

    await RecursiveLM(make_runs(ScriptedModel(root)), RLMOptions(max_iterations=3)).solve(
        "How long?", "abc"
    )
    assert "already ran exactly this code" not in seen[1]
    assert "already ran exactly this code" in seen[2]
