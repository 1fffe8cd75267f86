"""``codeloop gen --batch`` and ``codeloop bench humaneval``: the same results locally and on Ray;
files written once per task; a killed batch or bench resumes without redoing or losing work."""

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
from codeloop.pipeline.humaneval import load_problems, select_problems
from codeloop.store import Store
from tests.executors.conftest import ray_executor

__all__ = ["ray_executor"]  # the module-scoped private Ray, started once for this module

ROOT = Path(__file__).resolve().parents[2]
GOOD = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"
TESTS = "```python\nfrom add import add\n\ndef test_zero():\n    assert add(0, 0) == 0\n```"
WRONG = "```python\ndef add(a: int, b: int) -> int:\n    return a - b\n```"
REQUEST = "Write a function add(a, b) that adds two integers: add(1, 2) == 3"
BENCH = ["bench", "humaneval", "--split", "dev", "--limit", "4", "--seed", "1", "--mode", "single"]


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


@pytest.fixture
def solutions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A scripted coder whose one reply solves the four problems ``BENCH`` picks."""
    problems = select_problems(load_problems(), "dev", limit=4, seed=1)
    reply = "\n\n".join(p.prompt + p.canonical_solution for p in problems)
    path = tmp_path / "solutions.json"
    path.write_text(json.dumps([f"```python\n{reply}```"]))
    monkeypatch.setenv("CODELOOP_MODELS__CODER", f"scripted:{path}")
    return [p.task_id for p in problems]


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


def _files(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` with its modification time: equal means nothing rewritten."""
    return {
        str(path.relative_to(folder)): path.stat().st_mtime_ns
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_batch_writes_each_task_under_out_only_with_write(
    tmp_path: Path, scripted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps([WRONG]))
    tasks = _tasks(tmp_path, 2)
    with tasks.open("a") as handle:
        line = {"id": "wrong", "description": REQUEST, "samples": 1, "rounds": 0}
        handle.write(json.dumps({**line, "model": f"scripted:{wrong}"}) + "\n")
    out = tmp_path / "out"

    assert run_app(app, ["gen", "--batch", str(tasks), "--out", str(out)]) == 1
    assert not out.exists()
    assert "nothing written; add --write to write each task under --out" in " ".join(
        capsys.readouterr().err.split()
    )

    argv = ["gen", "--batch", str(tasks), "--out", str(out), "--write", "--json"]
    assert run_app(app, argv) == 1  # the wrong task failed its public test
    report = json.loads(capsys.readouterr().out)
    assert (report["out"], report["written"]) == (str(out), ["t0", "t1", "wrong"])
    assert report["results"]["wrong"]["status"] != "ok"
    assert _files(out).keys() == {
        "t0/add.py",
        "t0/test_add.py",
        "t0/report.json",
        "t1/add.py",
        "t1/test_add.py",
        "t1/report.json",
        "wrong/report.json",  # code that failed its checks is never written, its verdict is
    }
    for task in ("t0", "wrong"):
        record = json.loads((out / task / "report.json").read_text())
        assert record == {
            "task_id": task,
            "run_id": report["run_id"],
            "report": report["results"][task],
        }
    assert (out / "t0" / "add.py").read_text() == report["results"]["t0"]["files"]["add.py"]
    assert (out / "t1" / "test_add.py").read_text() == report["results"]["t1"]["files"][
        "test_add.py"
    ]
    assert "def test_zero():" in (out / "t1" / "test_add.py").read_text()


def test_a_resumed_batch_writes_only_what_is_missing(
    tmp_path: Path, scripted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps({"id": "good", "description": REQUEST, "samples": 1, "rounds": 0})
        + "\n"
        + json.dumps({"id": "bad", "description": REQUEST, "lang": "cobol"})
        + "\n"
    )
    out = tmp_path / "out"
    argv = ["gen", "--batch", str(tasks), "--out", str(out), "--write", "--json"]
    assert run_app(app, argv) == 1
    first = json.loads(capsys.readouterr().out)
    assert (first["written"], first["failed"]) == (["good"], 1)
    before = _files(out)
    assert before.keys() == {"good/add.py", "good/test_add.py", "good/report.json"}

    assert run_app(app, argv) == 1  # resumes the same run: good is skipped, bad retried
    second = json.loads(capsys.readouterr().out)
    assert (second["run_id"], second["skipped"], second["written"]) == (first["run_id"], 1, [])
    assert _files(out) == before  # not one file rewritten

    (out / "good" / "report.json").unlink()  # as if killed after recording, before writing
    assert run_app(app, argv) == 1
    third = json.loads(capsys.readouterr().out)
    assert (third["run_id"], third["written"]) == (first["run_id"], ["good"])
    assert _files(out).keys() == before.keys()


def _bench(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = run_app(app, [*BENCH, *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary: dict[str, Any] = json.loads(captured.out)
    return summary


def _judged(summary: dict[str, Any]) -> list[tuple[str, bool, str, int]]:
    """What must not depend on the backend, the pipeline's status included (HumanEval/32 ends
    "failed" on its docstring examples while its hidden tests pass)."""
    return [(r["task_id"], r["passed"], r["status"], r["candidates"]) for r in summary["results"]]


def test_bench_on_ray_gives_the_local_results(
    solutions: list[str], ray_executor: RayExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    local = _bench(["--backend", "local"], capsys)
    ray_executor._ray()  # the module's Ray is already up: the command joins it
    ray = _bench(["--backend", "ray"], capsys)
    assert (local["backend"], ray["backend"]) == ("local", "ray")
    assert _judged(local) == _judged(ray)
    assert [(t, passed) for t, passed, _, _ in _judged(ray)] == [(t, True) for t in solutions]
    assert (ray["problems"], ray["passed"], ray["pass_at_1"], ray["ran"]) == (4, 4, 1.0, 4)

    store = Store(Path(os.environ["CODELOOP_HOME"]) / "codeloop.db")
    run = store.runs.get_run(ray["run_id"])
    store.close()
    assert (run.kind, run.status) == ("batch:humaneval", "ok")
    assert (run.request["split"], run.request["mode"], run.request["limit"]) == ("dev", "single", 4)
    assert (run.result["pass_at_1"], run.result["problems"]) == (
        1.0,
        4,
    )  # what the dashboard charts
    assert "results" not in run.result


def test_bench_option_misuse(solutions: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(app, [*BENCH, "--backend", "dask"]) == 2
    assert "unknown backend 'dask': use --backend local or ray" in capsys.readouterr().err
    assert run_app(app, [*BENCH, "--resume", "nope"]) == 2
    assert "no humaneval batch run 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"description": "x"}\nnot json\n', "line 2 is not JSON"),
        ('{"description": "x", "colour": 1}\n', "line 1: colour: Extra inputs are not permitted"),
        ('{"description": "x", "samples": 0}\n', "line 1: samples: Input should be greater"),
        ('{"description": "x", "id": "../up"}\n', "line 1: id: String should match pattern"),
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


def _kill_after_first_task(command: list[str], cwd: Path, env: dict[str, str], db: Path) -> None:
    """Start the command and SIGKILL it once the store holds a finished task."""
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _finished(db) < 1:
        assert time.monotonic() < deadline and child.poll() is None, "the batch never got going"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.stdout is not None
    child.stdout.close()


@pytest.mark.parametrize("kind", ["gen", "humaneval"])
def test_a_killed_batch_resumes_without_redoing_or_losing_work(
    tmp_path: Path, scripted: str, solutions: list[str], kind: str
) -> None:
    """A real ``codeloop`` process killed with SIGKILL mid-batch, then the same command again."""
    db = Path(os.environ["CODELOOP_HOME"]) / "codeloop.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CODELOOP_BATCH__CONCURRENCY": "1",  # one task at a time, each recorded as it finishes
    }
    out = tmp_path / "out"
    if kind == "gen":
        ids = ["t0", "t1", "t2", "t3"]
        env["CODELOOP_MODELS__CODER"] = scripted
        batch = ["gen", "--batch", str(_tasks(tmp_path, 4)), "--out", str(out), "--write"]
    else:
        ids = solutions
        batch = BENCH
    command = [sys.executable, "-m", "codeloop", *batch, "--json"]
    _kill_after_first_task(command, tmp_path, env, db)

    store = Store(db)
    (run,) = store.runs.list_runs(kind=f"batch:{kind}")
    assert run.status == "running"
    finished = {s.name for s in store.runs.steps(run.id) if s.error is None}
    store.close()
    assert 0 < len(finished) < 4
    written = {t: _files(out / t) for t in ids if (out / t / "report.json").is_file()}

    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["run_id"], report["skipped"], report["ran"]) == (
        run.id,
        len(finished),
        4 - len(finished),
    )
    assert report["errors"] == {}

    store = Store(db)
    names = [s.name for s in store.runs.steps(run.id) if s.kind == "batch_task"]
    assert sorted(names) == sorted(ids)  # each task run and recorded exactly once
    assert store.runs.get_run(run.id).status == "ok"
    store.close()
    if kind == "humaneval":
        assert [r["task_id"] for r in report["results"]] == ids  # nothing lost
        assert (report["problems"], report["passed"]) == (4, 4)
        return
    assert sorted(report["results"]) == ids  # nothing lost
    assert {r["status"] for r in report["results"].values()} == {"ok"}
    assert sorted(report["written"]) == sorted(set(ids) - set(written))
    for task in ids:  # every task's folder complete, and those written before the kill untouched
        assert _files(out / task).keys() == {"add.py", "test_add.py", "report.json"}
        assert json.loads((out / task / "report.json").read_text())["run_id"] == run.id
        if task in written:
            assert _files(out / task) == written[task]
