from __future__ import annotations

from codeloop.store import StepRecord
from codeloop.ui._render import line_chart, step_sections


def test_sections_of_a_repair_step() -> None:
    step = StepRecord(
        kind="repair",
        name="r",
        input={"code": "a = 1\n", "language": "python"},
        output={"code": "a = 2\n", "note": "changed"},
    )
    sections = step_sections(step)
    assert [(s.kind, s.label) for s in sections] == [
        ("code", "input.code"),
        ("diff", "diff input → output"),
        ("code", "output.code"),
        ("json", "output"),
    ]
    assert sections[0].language == "python"
    assert sections[0].text == "a = 1\n"
    assert sections[0].label == "input.code"
    assert sections[1].lines[2:] == [("hunk", "@@ -1 +1 @@"), ("del", "-a = 1"), ("add", "+a = 2")]
    assert sections[3].text == '{\n  "note": "changed"\n}'


def test_explicit_diff_wins_and_errors_come_first() -> None:
    step = StepRecord(
        kind="edit",
        name="e",
        input={"code": "x"},
        output={"code": "y", "diff": "--- a\n+++ b\n-x\n+y"},
        error="boom",
    )
    kinds = [s.kind for s in step_sections(step)]
    assert kinds == ["error", "code", "code", "diff"]


def test_a_message_list_reads_as_a_conversation() -> None:
    step = StepRecord(
        kind="model_call",
        name="generate",
        input=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    )
    (section,) = step_sections(step)
    assert (section.kind, section.label) == ("text", "input messages")
    assert section.text == "[system]\nbe brief\n\n[user]\nhi"


def test_messages_and_odd_diagnostics() -> None:
    step = StepRecord(
        kind="model_call",
        name="m",
        input={"messages": [{"role": "user", "content": "hi"}]},
        output={"diagnostics": ["plain string"]},
    )
    messages, diagnostics = step_sections(step)
    assert messages.text == "[user]\nhi"
    assert diagnostics.rows == [
        {"severity": "", "file": "", "line": "", "code": "", "message": "plain string"}
    ]


def test_line_chart_scales_and_gaps() -> None:
    svg = str(line_chart("ok <rate>", [("d1", 0.5), ("d2", None), ("d3", 1.0)], percent=True))
    assert svg.count("<polyline") == 2  # the missing day splits the line
    assert 'aria-label="ok &lt;rate&gt;"' in svg
    assert "<title>d1: 50%</title>" in svg
    assert "no data" in str(line_chart("x", [("d1", None)]))
