"""The pipeline offers a learned template from its injected source, records it, and can be told not
to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from codeloop.lang import SandboxRunner
from codeloop.models import ScriptedModel
from codeloop.pipeline import GenerationReport, Pipeline, PipelineOptions
from tests.pipeline.helpers import py, route

REQUEST = (
    'Write a function parse_pet(data: dict) -> dict that checks a pet record: parse_pet({"name":'
    ' " Rex"}) == {"name": "Rex"}'
)
GOOD = py('def parse_pet(data: dict) -> dict:\n    return {"name": str(data["name"]).strip()}')
SOURCE = 'if not isinstance(data, dict):\n    raise ValueError("book must be a dict")\n'


@dataclass(frozen=True)
class Match:
    name: str
    source: str
    similarity: float
    uses: int
    seen_in: Sequence[str]


@dataclass
class Learned:
    """Matches when the request mentions a record; remembers what it was asked."""

    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def match(self, language: str, text: str, name: str) -> Match | None:
        self.asked.append((language, text, name))
        if "record" not in text:
            return None
        return Match("learned-block-isinstance", SOURCE, 0.456789, 8, ("parse_book", "parse_song"))


async def _run(
    runner: SandboxRunner, source: Learned | None, request: str = REQUEST, **options: object
) -> tuple[str, GenerationReport]:
    model = ScriptedModel(route(generate=[GOOD]))
    pipeline = Pipeline(
        model,
        runner,
        options=PipelineOptions(samples=1, rounds=0, generate_tests=False, **options),  # type: ignore[arg-type]
        learned=source,
    )
    report = await pipeline.run(request, pattern="typed-function")
    return model.requests[0].messages[-1].content, report


async def test_a_match_is_shown_to_the_model_and_recorded(runner: SandboxRunner) -> None:
    learned = Learned()
    prompt, report = await _run(runner, learned)
    assert learned.asked == [
        ("python", f"{REQUEST}\nfunction parse_pet(data: dict) -> dict", "parse_pet")
    ]
    assert (report.status, report.message) == ("ok", "all checks passed")
    used = report.learned_template
    assert used is not None
    assert used.model_dump() == {
        "name": "learned-block-isinstance",
        "similarity": 0.4568,
        "uses": 8,
        "seen_in": ["parse_book", "parse_song"],
    }
    assert (
        "shares one shape (8 uses, in `parse_book`, `parse_song`). Here it is as written there"
        " once:\n```python\n" + SOURCE + "```\nFollow the same structure"
    ) in prompt
    select = next(s for s in report.stages if s.name == "select")
    assert select.detail == "typed-function; learned learned-block-isinstance (0.46)"


async def test_no_match_off_or_no_source_leave_the_prompt_as_it_was(
    runner: SandboxRunner,
) -> None:
    plain, report = await _run(runner, None)
    assert report.learned_template is None
    assert "shares one shape" not in plain
    unrelated = REQUEST.replace("a pet record", "a pet")
    no_match, report = await _run(runner, Learned(), unrelated)
    assert report.learned_template is None
    assert no_match == plain.replace("a pet record", "a pet")
    learned = Learned()
    off, report = await _run(runner, learned, learned=False)
    assert learned.asked == []
    assert report.learned_template is None
    assert off == plain


async def test_a_stub_is_completed_without_a_learned_example(runner: SandboxRunner) -> None:
    learned = Learned()
    model = ScriptedModel(route(generate=[GOOD]))
    pipeline = Pipeline(
        model,
        runner,
        options=PipelineOptions(samples=1, rounds=0, generate_tests=False),
        learned=learned,
    )
    stub = 'def parse_pet(data: dict) -> dict:\n    """Check a pet record."""\n'
    report = await pipeline.run("", stub=stub)
    assert learned.asked == []
    assert report.learned_template is None
