"""``codeloop ui`` as users start it: a real process over a store filled by a real ``ask`` run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def dashboard(*argv: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "codeloop", "ui", "--port", "0", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("codeloop dashboard on http://"), process.stderr.read()
        yield line.split()[3], process
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()


def test_serves_a_real_ask_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["def add(a, b):\n    return a + b"]))
    assert run_app(app, ["ask", "write add", "--model", f"scripted:{script}"]) == 0
    capsys.readouterr()

    with dashboard() as (url, process):
        assert url.startswith("http://127.0.0.1:")
        runs = httpx.get(f"{url}api/runs").json()["runs"]
        assert [(r["kind"], r["status"], r["title"]) for r in runs] == [("ask", "ok", "write add")]
        trace = httpx.get(f"{url}api/runs/{runs[0]['id']}").json()
        steps = [n["step"] for n in trace["roots"]]
        assert [s["kind"] for s in steps] == ["model_call"]
        page = httpx.get(f"{url}runs/{runs[0]['id']}").text
        assert "def add(a, b):" in page
    assert process.returncode in (0, 130)  # Ctrl+C: uvicorn stops, then re-raises SIGINT


def test_beyond_localhost_a_token_is_printed_and_required() -> None:
    with dashboard("--host", "0.0.0.0") as (url, _):
        assert "?token=" in url
        token = url.split("?token=")[1]
        port = url.split(":")[2].split("/")[0]
        local = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{local}/api/runs").status_code == 401
        authorised = httpx.get(f"{local}/api/runs", headers={"Authorization": f"Bearer {token}"})
        assert authorised.status_code == 200


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token", "short"], "--token must be at least 16 characters"),
        (["--port", "70000"], "--port 70000 is not a port: give 0 to 65535"),
    ],
)
def test_bad_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run_app(app, ["ui", *argv]) == 2
    assert message in capsys.readouterr().err


def test_port_in_use_names_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run_app(app, ["ui", "--port", str(port)]) == 2
    assert "pick another --port or --host" in " ".join(capsys.readouterr().err.split())


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(app, ["ui", "--help"]) == 0
    assert "codeloop ui --port 8765" in capsys.readouterr().out
