"""``codeloop analyze | orchestrate | rlm | reference`` and ``run PROGRAM.scm`` through the CLI,
on scripted models named in the settings, the real sandbox and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app

ROWS = [{"city": "Oslo", "temp": 3}, {"city": "Rome", "temp": 18}]
ANALYSIS = "```python\nfinal_report = max(r['temp'] for r in context)\n```"
PLAN = """```python
# strategy: C
warm = [r for r in context if r["temp"] > 10]
final_report = ", ".join(llm_query("One word for this weather.", r) for r in warm)
```"""
TURN = "```python\nfinish(context.count('needle'))\n```"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for role, replies in (("planner", [PLAN, TURN]), ("coder", [ANALYSIS]), ("worker", ["balmy"])):
        script = tmp_path / f"{role}.json"
        script.write_text(json.dumps(replies))
        monkeypatch.setenv(f"CODELOOP_MODELS__{role.upper()}", f"scripted:{script}")
    path = tmp_path / "weather.json"
    path.write_text(json.dumps(ROWS))
    return path


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert run_app(app, list(argv)) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_analyze_orchestrate_rlm_as_json(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis = _json(capsys, "analyze", str(data), "--task", "hottest", "--json")
    assert (analysis["ok"], analysis["value"]) == (True, 18)
    plan = _json(
        capsys, "orchestrate", str(data), "--goal", "warm places", "--max-calls", "5", "--json"
    )
    assert (plan["value"], plan["strategy"], plan["calls"]) == ("balmy", "C", 2)
    assert plan["budget"] == {
        "max_calls": 5, "max_tokens": None, "max_cost_usd": None, "max_seconds": None
    }  # fmt: skip
    haystack = tmp_path / "hay.txt"
    haystack.write_text("hay needle hay needle")
    answer = _json(capsys, "rlm", "how many needles?", "--context", str(haystack), "--json")
    assert (answer["answer"], answer["finished"]) == (2, True)


def test_scheme_program_and_reference(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "double.scm"
    program.write_text('(define s (py-eval "len(context)")) (display "hi") (finish (* s 2))')
    ran = _json(capsys, "run", str(program), "--context", str(data), "--json")
    # the context file reaches a Scheme program as text
    assert (ran["value"], ran["stdout"], ran["status"]) == (
        2 * len(data.read_text()),
        "hi",
        "finished",
    )
    assert run_app(app, ["reference", "--language", "scheme"]) == 0
    assert "(llm-query #:instruction" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", "{data}", "-t", "x", "--format", "xml"], "unknown data format 'xml'"),
        (["reference", "--language", "ruby"], "unknown program language 'ruby'"),
        (["analyze", "missing.csv", "-t", "x"], "no such file: missing.csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    data: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = run_app(app, [a.replace("{data}", str(data)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err
