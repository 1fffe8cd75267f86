from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.executors import BatchRunner, BatchTask, LocalExecutor, TaskResult
from codeloop.store import Store
from tests.executors import tasks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "codeloop.db")


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "executions.log"
    monkeypatch.setenv("CODELOOP_TEST_LOG", str(path))
    return path


def batch(n: int) -> list[BatchTask]:
    return [BatchTask(id=f"t{i}", input=i) for i in range(n)]


async def test_a_batch_records_every_task(store: Store, log: Path) -> None:
    report = await BatchRunner(store, LocalExecutor(3), chunk=4).run(
        "square", batch(10), tasks.logged_square
    )
    assert report.results == {f"t{i}": i * i for i in range(10)}
    assert (report.total, report.skipped, report.ran, report.failed) == (10, 0, 10, 0)
    run = store.runs.get_run(report.run_id)
    assert (run.kind, run.status) == ("batch:square", "ok")
    assert [s.name for s in run.steps] == [f"t{i}" for i in range(10)]
    assert run.result["ran"] == 10


async def test_a_failed_batch_retries_only_its_failures(store: Store, log: Path) -> None:
    runner = BatchRunner(store, LocalExecutor(2))
    first = await runner.run("flaky", batch(6), tasks.flaky_once)
    assert first.errors == {f"t{i}": f"RuntimeError: transient failure on {i}" for i in (1, 3, 5)}
    assert store.runs.get_run(first.run_id).status == "error"
    second = await runner.run("flaky", batch(6), tasks.flaky_once)
    assert second.run_id == first.run_id
    assert (second.skipped, second.ran, second.failed) == (3, 3, 0)
    assert second.results == {f"t{i}": i * i for i in range(6)}
    assert store.runs.get_run(first.run_id).status == "ok"
    third = await runner.run("flaky", batch(6), tasks.flaky_once)
    assert third.run_id != first.run_id  # a finished batch is not resumed: it is run anew


async def test_on_result_sees_each_finished_task_once_per_call(store: Store, log: Path) -> None:
    seen: list[TaskResult] = []
    runner = BatchRunner(store, LocalExecutor(2), chunk=2)
    first = await runner.run(
        "flaky",
        batch(4),
        tasks.flaky_once,
        on_result=seen.append,
        request={"label": "squares"},
        summarize=lambda r: {"sum": sum(r.results.values()), "ran": -1},
    )
    assert [(r.task_id, r.value, r.resumed) for r in seen] == [("t0", 0, False), ("t2", 4, False)]
    assert {r.run_id for r in seen} == {first.run_id}
    run = store.runs.get_run(first.run_id)
    assert run.request["label"] == "squares"
    assert (run.result["sum"], run.result["ran"]) == (4, 4)  # the runner's own fields win
    seen.clear()
    second = await runner.run("flaky", batch(4), tasks.flaky_once, on_result=seen.append)
    assert second.run_id == first.run_id
    assert [(r.task_id, r.value, r.resumed) for r in seen] == [
        ("t0", 0, True),
        ("t2", 4, True),
        ("t1", 1, False),
        ("t3", 9, False),
    ]


async def test_task_ids_must_be_unique(store: Store) -> None:
    with pytest.raises(UserInputError, match="task ids must be unique"):
        await BatchRunner(store, LocalExecutor()).run(
            "x", [BatchTask(id="a"), BatchTask(id="a")], tasks.digest
        )


def test_a_killed_batch_resumes_without_redoing_or_losing_work(tmp_path: Path, log: Path) -> None:
    db = tmp_path / "batch.db"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "CODELOOP_TEST_LOG": str(log),
    }
    command = [sys.executable, "-m", "tests.executors.batch_main", str(db)]
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not log.exists() or len(log.read_text().split()) < 10:
        assert time.monotonic() < deadline and child.poll() is None, "the batch never got going"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)

    store = Store(db)
    (run,) = store.runs.list_runs()
    assert run.status == "running"
    finished = {s.name for s in store.runs.steps(run.id) if s.error is None}
    store.close()
    assert 0 < len(finished) < 30

    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["run_id"], report["skipped"], report["failed"]) == (run.id, len(finished), 0)
    assert report["skipped"] + report["ran"] == 30

    executions = [int(n) for n in log.read_text().split()]
    for name in finished:  # finished before the kill: run exactly once
        assert executions.count(int(name[1:])) == 1
    assert sorted(set(executions)) == list(range(30))  # nothing lost
    store = Store(db)
    steps = [s for s in store.runs.steps(run.id) if s.error is None]
    assert sorted(s.name for s in steps) == [f"t{n:02d}" for n in range(30)]
    assert all(s.output == int(s.name[1:]) ** 2 for s in steps)
    assert store.runs.get_run(run.id).status == "ok"
    store.close()
