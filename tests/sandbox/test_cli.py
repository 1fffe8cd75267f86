"""``codeloop run`` end to end: real sandbox, scripted model, the run recorded in the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app
from codeloop.store import Store


def test_run_json_with_context_and_scripted_model(
    tmp_path: Path, codeloop_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "p.py"
    program.write_text("print(len(context))\nfinish([sum(context), llm_query('name it')])\n")
    (tmp_path / "c.json").write_text("[1, 2, 3]")
    (tmp_path / "replies.json").write_text('["forty-two"]')
    argv = ["run", str(program), "--context", str(tmp_path / "c.json"), "--json",
            "--model", f"scripted:{tmp_path / 'replies.json'}"]  # fmt: skip
    assert run_app(app, argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["value"], out["stdout"]) == ("finished", [6, "forty-two"], "3\n")
    assert out["usage"]["host_calls"] == {"llm_query": 1}
    store = Store(codeloop_home / "codeloop.db")
    run = store.runs.get_run(out["run_id"])
    assert run.status == "ok"
    assert [s.kind for s in run.steps].count("program_run") == 1


def test_run_reports_limits_with_their_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "loop.py"
    program.write_text("import time\ntime.sleep(10)\n")
    assert run_app(app, ["run", str(program), "--timeout", "0.5", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["error"]["kind"]) == ("limit", "wall")


def test_bad_context_file_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "p.py"
    program.write_text("finish(1)\n")
    (tmp_path / "c.json").write_text("{not json")
    assert run_app(app, ["run", str(program), "--context", str(tmp_path / "c.json")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "c.json is not valid JSON" in err
    assert err.endswith("fix it or rename it")
