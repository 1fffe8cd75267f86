"""The README cannot lie: its set-up commands are the ones CI runs, and its tour commands run."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def sh_blocks() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    return [[line.split("#")[0].strip() for line in b.splitlines() if line.strip()] for b in blocks]


def test_the_readme_opens_with_exactly_two_setup_commands() -> None:
    assert sh_blocks()[0] == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.strip() and line[0] != "#"]
    assert "make test" in commands


def test_the_tour_commands_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["def is_prime(n):\n    return n > 1"]))
    monkeypatch.setenv("CODELOOP_MODELS__CODER", f"scripted:{script}")
    tour = [c for c in sh_blocks()[1] if c.startswith(".venv/bin/codeloop ")]
    assert len(tour) >= 4
    run_id = ""
    for command in tour:
        argv = shlex.split(command.replace("<RUN-ID>", run_id or "missing"))[1:]
        code = run_app(app, argv)
        out, err = capsys.readouterr()
        assert code in (0, 1) if argv[0] == "doctor" else code == 0, (command, err)
        if argv[0] == "ask":
            assert "def is_prime" in out
            run_id = re.findall(r"run ([0-9a-f]{12})", " ".join(err.split()))[0]


def test_every_other_readme_command_exists_and_parses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The capability commands need data or the model; CI checks each one parses with --help."""
    commands = [c for c in sh_blocks()[2] if c.startswith(".venv/bin/codeloop ")]
    assert len(commands) >= 12
    for command in commands:
        argv = shlex.split(command)[1:]
        words = [w for w in argv if not w.startswith("-")][:2]
        sub = words[:2] if words[0] in ("kg", "patterns", "library", "bench") else words[:1]
        code = run_app(app, [*sub, "--help"])
        out, _ = capsys.readouterr()
        assert code == 0, command
        for option in (w.split("=")[0] for w in argv if w.startswith("--")):
            assert option in out, f"{command}: {option} is not an option of {' '.join(sub)}"


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Python blocks run as written (scripted models, the real sandbox); the roles'
    models are scripted too, so the example never depends on the embedded model."""
    script = tmp_path / "unused.json"
    script.write_text("[]")
    for role in ("PLANNER", "CODER", "WORKER"):
        monkeypatch.setenv(f"CODELOOP_MODELS__{role}", f"scripted:{script}")
    blocks = re.findall(r"```python\n(.*?)\n```\n", README, flags=re.S)
    assert len(blocks) == 1
    assert "from codeloop import api" in blocks[0]
    exec(compile(blocks[0], "README.md", "exec"), {})
