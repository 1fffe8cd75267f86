"""Batches that survive a crash: every finished task is a step in the store the moment its chunk
returns, and running the same batch again skips what is already there.

A batch is one run (kind ``batch:<kind>``) whose request holds a key: the hash of the kind and the
tasks. Running a batch with the same key resumes the newest unfinished run of it: finished tasks
are not redone, failed ones are tried again, nothing finished is lost.

``on_result`` sees every finished task once per call of :meth:`BatchRunner.run`: those an earlier
run finished (``resumed``) before anything runs, the others as soon as they are recorded. Whatever
it does with them (write files, say) must therefore be idempotent, and is then crash-safe too.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import UserInputError
from codeloop.executors.local import call_sync
from codeloop.executors.protocol import Executor, Task
from codeloop.store import StepRecord, Store

__all__ = ["BatchReport", "BatchRunner", "BatchTask", "TaskResult"]

STEP_KIND = "batch_task"


class BatchTask(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    input: Any = None


class BatchReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    total: int
    skipped: int  # finished by an earlier, interrupted run of this batch
    ran: int
    failed: int
    results: dict[str, Any]
    errors: dict[str, str]
    seconds: float


@dataclass(frozen=True)
class TaskResult:
    """One finished task, as ``on_result`` sees it."""

    run_id: str
    task_id: str
    value: Any
    resumed: bool  # finished by an earlier run of this batch, not by this call


def attempt(job: tuple[Task[Any, Any], Any]) -> tuple[bool, Any, float]:
    """What each executor item runs: the task's function, its outcome caught as data."""
    fn, value = job
    started = time.perf_counter()
    try:
        return True, call_sync(fn, value), time.perf_counter() - started
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}", time.perf_counter() - started


def batch_key(kind: str, tasks: Sequence[BatchTask]) -> str:
    canonical = json.dumps(
        [kind, [t.model_dump(mode="json") for t in tasks]], sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class BatchRunner:
    """Runs a batch through an executor, ``chunk`` tasks at a time, recording each result."""

    def __init__(self, store: Store, executor: Executor, *, chunk: int = 16) -> None:
        self.store = store
        self.executor = executor
        self.chunk = chunk

    async def run(
        self,
        kind: str,
        tasks: Sequence[BatchTask],
        fn: Task[Any, Any],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[TaskResult], None] | None = None,
        resume: str | None = None,
        request: Mapping[str, Any] | None = None,
        summarize: Callable[[BatchReport], Mapping[str, Any]] | None = None,
    ) -> BatchReport:
        """Run the batch; ``resume`` names the run to go on with (default: the newest unfinished
        run of the same batch, or a new one). ``request`` adds fields to a new run's request,
        ``summarize`` adds fields to the finished run's result (what a dashboard charts)."""
        ids = [t.id for t in tasks]
        if len(set(ids)) != len(ids):
            raise UserInputError("task ids must be unique: give every task its own id")
        started = time.perf_counter()
        key = batch_key(kind, tasks)
        run_id, done = self._resume(kind, key, len(tasks), resume, request or {})
        todo = [t for t in tasks if t.id not in done]
        if on_result is not None:
            for task_id in ids:
                if task_id in done:
                    on_result(TaskResult(run_id, task_id, done[task_id], resumed=True))
        errors: dict[str, str] = {}
        finished = len(tasks) - len(todo)
        for begin in range(0, len(todo), self.chunk):
            chunk = todo[begin : begin + self.chunk]
            outcomes = await self.executor.map(attempt, [(fn, t.input) for t in chunk])
            for task, (ok, value, seconds) in zip(chunk, outcomes, strict=True):
                self.store.runs.add_step(
                    StepRecord(
                        run_id=run_id,
                        kind=STEP_KIND,
                        name=task.id,
                        input=task.input,
                        output=value if ok else None,
                        error=None if ok else value,
                        seconds=seconds,
                    )
                )
                if ok:
                    done[task.id] = value
                    finished += 1
                    if on_result is not None:
                        on_result(TaskResult(run_id, task.id, value, resumed=False))
                else:
                    errors[task.id] = value
            if on_progress is not None:
                on_progress(finished, len(tasks))
        report = BatchReport(
            run_id=run_id,
            total=len(tasks),
            skipped=len(tasks) - len(todo),
            ran=len(todo),
            failed=len(errors),
            results={i: done[i] for i in ids if i in done},
            errors=errors,
            seconds=time.perf_counter() - started,
        )
        summary = report.model_dump(mode="json", exclude={"results", "errors"})
        if summarize is not None:
            summary = {**summarize(report), **summary}
        self.store.runs.finish_run(
            run_id,
            "error" if errors else "ok",
            summary,
            f"{len(errors)} of {len(tasks)} tasks failed" if errors else None,
        )
        return report

    def _resume(
        self, kind: str, key: str, total: int, resume: str | None, request: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """The run to go on with and its finished tasks, or a new run."""
        if resume is None:
            rows = self.store.db.query(
                "SELECT id FROM runs WHERE kind = ? AND status != 'ok'"
                " AND json_extract(request, '$.key') = ? ORDER BY created_at DESC LIMIT 1",
                (f"batch:{kind}", key),
            )
        else:
            rows = self.store.db.query(
                "SELECT id, kind, json_extract(request, '$.key') FROM runs WHERE id = ?", (resume,)
            )
            if not rows or rows[0][1] != f"batch:{kind}":
                raise UserInputError(
                    f"no {kind} batch run {resume!r}: see `codeloop runs` for the run ids"
                )
            if rows[0][2] != key:
                raise UserInputError(
                    f"run {resume} ran a different batch: resume it with the same tasks"
                )
        if not rows:
            run_id = self.store.runs.start_run(
                f"batch:{kind}", {**request, "key": key, "tasks": total}
            )
            return run_id, {}
        run_id = rows[0][0]
        self.store.db.execute("UPDATE runs SET status = 'running' WHERE id = ?", (run_id,))
        done = {
            s.name: s.output
            for s in self.store.runs.steps(run_id)
            if s.kind == STEP_KIND and s.error is None
        }
        return run_id, done
