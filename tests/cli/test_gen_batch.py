"""``codeloop gen --batch``: the same results locally and on Ray; a killed batch resumes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from codeloop.cli import app
from codeloop.cli._app import run_app
from codeloop.executors import RayExecutor
from codeloop.store import Store
from tests.executors.conftest import ray_executor

__all__ = ["ray_executor"]  # the module-scoped private Ray, started once for this module

ROOT = Path(__file__).resolve().parents[2]
GOOD = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"
TESTS = "```python\nfrom add import add\n\ndef test_zero():\n    assert add(0, 0) == 0\n```"
REQUEST = "Write a function add(a, b) that adds two integers: add(1, 2) == 3"


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps([GOOD, TESTS]))
    monkeypatch.setenv("CODELOOP_MODELS__CODER", f"scripted:{path}")
    return f"scripted:{path}"


def _tasks(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "tasks.jsonl"
    lines = [
        json.dumps({"id": f"t{i}", "description": REQUEST, "samples": 1, "rounds": 0})
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _outcome(report: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the backend: everything but timings."""
    return {
        task: (r["status"], r["files"], r["tests_kept"], r["public_passed"], r["public_total"])
        for task, r in report["results"].items()
    }


def _batch(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = run_app(app, ["gen", *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report: dict[str, Any] = json.loads(captured.out)
    return report


def test_local_and_ray_give_the_same_results(
    tmp_path: Path,
    scripted: str,
    ray_executor: RayExecutor,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tasks = _tasks(tmp_path, 3)
    local = _batch(["--batch", str(tasks), "--backend", "local"], capsys)
    ray_executor._ray()  # the module's Ray is already up: the command joins it
    ray = _batch(["--batch", str(tasks), "--backend", "ray"], capsys)
    assert (local["backend"], ray["backend"]) == ("local", "ray")
    assert (local["total"], local["ran"], local["failed"]) == (3, 3, 0)
    assert (ray["total"], ray["ran"], ray["failed"]) == (3, 3, 0)
    assert _outcome(local) == _outcome(ray)
    assert set(_outcome(local)) == {"t0", "t1", "t2"}
    assert all(r["status"] == "ok" for r in local["results"].values())
    assert local["results"]["t0"]["files"]["add.py"].startswith("def add(a: int, b: int)")
    store = Store(Path(os.environ["CODELOOP_HOME"]) / "codeloop.db")
    runs = store.runs.list_runs(kind="batch:gen")
    assert sorted(r.id for r in runs) == sorted([local["run_id"], ray["run_id"]])
    assert {r.status for r in runs} == {"ok"}
    store.close()


def test_the_summary_table_and_a_failed_task(
    tmp_path: Path, scripted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps({"id": "good", "description": REQUEST, "samples": 1, "rounds": 0})
        + "\n\n"
        + json.dumps({"id": "bad", "description": REQUEST, "lang": "cobol"})
        + "\n"
    )
    code = run_app(app, ["gen", "--batch", str(tasks), "--backend", "local"])
    captured = capsys.readouterr()
    out, err = (" ".join(text.split()) for text in (captured.out, captured.err))
    assert code == 1
    assert "│ good │ ok │ 1/1 │ 1 │" in out
    assert "│ bad │ failed │ - │ - │ - │" in out
    assert "bad UserInputError: unsupported language 'cobol'" in err
    assert "2 tasks: 2 ran, 0 resumed from an earlier run, 1 failed · local" in err
    assert "ValidationFailed: 1 of 2 tasks did not pass: bad" in err

    store = Store(Path(os.environ["CODELOOP_HOME"]) / "codeloop.db")
    (run,) = store.runs.list_runs(kind="batch:gen")
    store.close()
    assert run.status == "error"
    assert run_app(app, ["gen", "--batch", str(tasks), "--resume", "nope"]) == 2
    assert "no gen batch run 'nope'" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    other = _tasks(tmp_path / "other", 1)
    assert run_app(app, ["gen", "--batch", str(other), "--resume", run.id]) == 2
    assert f"run {run.id} ran a different batch" in capsys.readouterr().err
    assert run_app(app, ["gen", "--batch", str(tasks), "--resume", run.id, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["run_id"] == run.id
    assert (report["skipped"], report["ran"], report["failed"]) == (1, 1, 1)
    assert sorted(report["results"]) == ["good"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"description": "x"}\nnot json\n', "line 2 is not JSON"),
        ('{"description": "x", "colour": 1}\n', "line 1: colour: Extra inputs are not permitted"),
        ('{"description": "x", "samples": 0}\n', "line 1: samples: Input should be greater"),
        ('{"lang": "python"}\n', "line 1: description: Field required"),
        ('{"description": "a"}\n{"description": "b", "id": "line-1"}\n', "used twice: line-1"),
        ("\n\n", "holds no tasks"),
    ],
)
def test_bad_batch_files_name_the_line(
    tmp_path: Path, scripted: str, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(text)
    assert run_app(app, ["gen", "--batch", str(tasks)]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_batch_option_misuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = _tasks(tmp_path, 1)
    assert run_app(app, ["gen", REQUEST, "--batch", str(tasks)]) == 2
    assert "give a description or --batch FILE, not both" in capsys.readouterr().err
    assert run_app(app, ["gen", "--batch", str(tasks), "--backend", "dask"]) == 2
    assert "unknown backend 'dask': use --backend local or ray" in capsys.readouterr().err
    assert run_app(app, ["gen", REQUEST, "--backend", "ray"]) == 2
    assert "--backend and --resume apply to --batch only" in " ".join(
        capsys.readouterr().err.split()
    )
    assert run_app(app, ["gen"]) == 2
    assert "missing description" in capsys.readouterr().err


def _finished(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            rows = conn.execute(
                "SELECT count(*) FROM steps WHERE kind = 'batch_task' AND error IS NULL"
            ).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return 0
    return int(rows[0][0])


def test_a_killed_batch_resumes_without_redoing_or_losing_work(
    tmp_path: Path, scripted: str
) -> None:
    tasks = _tasks(tmp_path, 4)
    home = Path(os.environ["CODELOOP_HOME"])
    db = home / "codeloop.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CODELOOP_BATCH__CONCURRENCY": "1",  # one task at a time, each recorded as it finishes
    }
    command = [sys.executable, "-m", "codeloop", "gen", "--batch", str(tasks), "--json"]
    child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _finished(db) < 1:
        assert time.monotonic() < deadline and child.poll() is None, "the batch never got going"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.stdout is not None
    child.stdout.close()

    store = Store(db)
    (run,) = store.runs.list_runs(kind="batch:gen")
    assert run.status == "running"
    finished = {s.name for s in store.runs.steps(run.id) if s.error is None}
    store.close()
    assert 0 < len(finished) < 4

    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["run_id"], report["skipped"], report["failed"]) == (run.id, len(finished), 0)
    assert report["ran"] == 4 - len(finished)
    assert sorted(report["results"]) == ["t0", "t1", "t2", "t3"]
    assert {r["status"] for r in report["results"].values()} == {"ok"}

    store = Store(db)
    names = [s.name for s in store.runs.steps(run.id) if s.kind == "batch_task"]
    assert sorted(names) == ["t0", "t1", "t2", "t3"]  # each task run and recorded exactly once
    assert store.runs.get_run(run.id).status == "ok"
    store.close()
