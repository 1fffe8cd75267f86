"""The CLI edge: exit codes, one-line errors, JSON output, runs recorded in the real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_app(app, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(["def add(a, b):\n    return a + b", "second"]))
    return path


def test_ask_streams_records_and_lists_the_run(
    capsys: pytest.CaptureFixture[str], script: Path
) -> None:
    code, out, err = cli(capsys, "ask", "write add", "--model", f"scripted:{script}")
    assert code == 0
    assert "def add(a, b):" in out
    assert "scripted:" in err and "tokens" in err

    code, out, _ = cli(capsys, "runs", "list", "--json")
    runs = json.loads(out)
    assert code == 0 and len(runs) == 1
    assert runs[0]["kind"] == "ask" and runs[0]["status"] == "ok"

    code, out, _ = cli(capsys, "runs", "show", runs[0]["id"], "--json")
    shown = json.loads(out)
    assert shown["steps"][0]["kind"] == "model_call"
    assert shown["steps"][0]["output"]["text"].startswith("def add")

    code, out, _ = cli(capsys, "runs", "show", runs[0]["id"][:5])
    assert code == 0 and "model_call" in out


def test_ask_json(capsys: pytest.CaptureFixture[str], script: Path) -> None:
    code, out, _ = cli(capsys, "ask", "q", "--model", f"scripted:{script}", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["text"].startswith("def add")
    assert data["usage"]["output_tokens"] > 0
    assert len(data["run_id"]) == 12


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "q", "--model", "gpt-4"], "unknown model 'gpt-4'"),
        (["ask", "q", "--model", "openai:gpt-4.1"], "set OPENAI_API_KEY"),
        (["ask", "q", "--model", "scripted:missing.json"], "cannot read script missing.json"),
        (["ask", "q", "--temperature", "5"], "Invalid value"),
        (["runs", "show", "doesnotexist"], "codeloop runs list"),
        (["model", "install", "nope"], "unknown embedded model 'nope'"),
        (["ask", "q", "--bogus"], "No such option"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_a_failed_call_is_recorded_as_a_failed_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    code, _, err = cli(capsys, "ask", "q", "--model", f"scripted:{empty}")
    assert code == 1
    assert "ModelResponseError" in err
    _, out, _ = cli(capsys, "runs", "list", "--json")
    assert json.loads(out)[0]["status"] == "error"


def test_doctor_json_lists_every_component(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "doctor", "--json")
    names = [c["name"] for c in json.loads(out)]
    for expected in (
        "python",
        "store",
        "embedded model",
        "llama.cpp",
        "sandbox: bubblewrap",
        "sandbox: unprivileged uid",
        "sandbox: rlimits",
        "sandbox: seccomp",
        "sandbox: landlock",
        "rustc",
        "cargo",
        "rust coverage",
        "ruff",
        "node",
    ):
        assert expected in names
    assert code in (0, 1)


def test_every_command_has_help_with_an_example() -> None:
    for argv in (["ask"], ["doctor"], ["runs", "list"], ["runs", "show"], ["model", "install"]):
        done = subprocess.run(
            [sys.executable, "-m", "codeloop", *argv, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Example:" in done.stdout


def test_invalid_settings_are_a_config_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODELOOP_MODELS__TIMEOUT_S", "-1")
    code, _, err = cli(capsys, "runs", "list")
    assert code == 2
    assert "invalid settings" in err
