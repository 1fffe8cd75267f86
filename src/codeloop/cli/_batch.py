"""``codeloop gen --batch``: the tasks of a JSONL file, each one a ``gen`` run, through an executor.

Each task runs :func:`run_gen_task` in a worker (a thread here, a process on Ray) through a
:class:`~codeloop.cli._worker.WorkerTask`, which builds its services from the settings (one
embedded-model runtime per process); the report comes back as JSON. Only the process that
started the batch writes the store, through :class:`~codeloop.executors.BatchRunner`, which
records each task as it finishes and resumes an interrupted batch with the same content; with
``--write``, :class:`TaskFolders` then writes the task's files, once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codeloop.api import Session
from codeloop.cli._worker import WorkerTask
from codeloop.config import Settings
from codeloop.errors import UserInputError
from codeloop.executors import BatchRunner, BatchTask, TaskResult, build_executor
from codeloop.lang import Runner
from codeloop.models import Budget, ModelFactory
from codeloop.pipeline import PatternLibrary, Pipeline, PipelineOptions

__all__ = [
    "REPORT_FILE",
    "GenTask",
    "TaskFolders",
    "batch_runner",
    "gen_task_fn",
    "load_gen_tasks",
    "run_gen_task",
]

REPORT_FILE = "report.json"


class GenTask(BaseModel):
    """One line of a ``gen --batch`` file: a description and ``gen``'s optional fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The id names the task's output folder, so it is one plain path component.
    id: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = Field(min_length=1)
    lang: str | None = None
    pattern: str | None = None
    samples: int = Field(default=4, ge=1, le=16)
    rounds: int = Field(default=2, ge=0, le=5)
    tests: bool = True
    budget_tokens: int | None = Field(default=None, ge=1)
    model: str | None = None


def batch_runner(app: Session, backend: str | None) -> BatchRunner:
    """A batch runner on the backend asked for (default: the settings')."""
    if backend not in (None, "local", "ray"):
        raise UserInputError(f"unknown backend {backend!r}: use --backend local or ray")
    settings = app.settings.batch
    if backend is not None:
        settings = settings.model_copy(update={"backend": backend})
    return BatchRunner(app.store, build_executor(settings), chunk=settings.concurrency)


def load_gen_tasks(path: Path) -> list[BatchTask]:
    """The file's tasks (blank lines skipped); a bad line is an error naming its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {path}: {exc}: give a UTF-8 JSONL file") from exc
    tasks: list[BatchTask] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            task = GenTask.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise UserInputError(
                f"{path} line {number} is not JSON ({exc.msg}): write one JSON object per line"
            ) from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            raise UserInputError(
                f"{path} line {number}: {problems} (fields: {', '.join(GenTask.model_fields)})"
            ) from exc
        tasks.append(
            BatchTask(
                id=task.id or f"line-{number}",
                input=task.model_dump(mode="json", exclude={"id"}),
            )
        )
    if not tasks:
        raise UserInputError(f"{path} holds no tasks: write one JSON object per line")
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise UserInputError(f"{path}: task ids used twice: {', '.join(twice)}: make them unique")
    return tasks


def gen_task_fn(settings: Settings) -> WorkerTask:
    """The picklable function the executor runs for each task, carrying the settings."""
    return WorkerTask(run_gen_task, settings)


async def run_gen_task(
    settings: Settings, factory: ModelFactory, runner: Runner, task_json: dict[str, Any]
) -> dict[str, Any]:
    """One task in a worker: the report returned as JSON."""
    task = GenTask.model_validate(task_json)
    budget = Budget(settings.budget.model_copy(update={"max_tokens": task.budget_tokens}))
    pipeline = Pipeline(
        factory.build(task.model or "coder", budget=budget),
        runner,
        library=PatternLibrary.load([]),
        options=PipelineOptions(
            samples=task.samples, rounds=task.rounds, generate_tests=task.tests
        ),
    )
    try:
        report = await pipeline.run(task.description, language=task.lang, pattern=task.pattern)
    finally:
        await pipeline.aclose()
    return report.model_dump(mode="json")


class TaskFolders:
    """Writes each finished task under ``out/<task id>/``: its code and test files when its checks
    passed (what ``codeloop gen --write`` writes; failed code is never written), then
    ``report.json``, written last and atomically, which marks the folder complete.

    A folder whose ``report.json`` already holds this run's result is left alone, so a resumed
    batch never rewrites a finished task; one a crash left without it is written again.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[str] = []

    def __call__(self, result: TaskResult) -> None:
        folder = self.out / result.task_id
        marker = folder / REPORT_FILE
        report: dict[str, Any] = result.value
        record = {"task_id": result.task_id, "run_id": result.run_id, "report": report}
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        if marker.is_file() and marker.read_text(encoding="utf-8") == text:
            return
        folder.mkdir(parents=True, exist_ok=True)
        if report.get("status") == "ok":
            for name, code in report.get("files", {}).items():
                path = folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(code, encoding="utf-8")
        partial_marker = marker.with_name(f".{REPORT_FILE}.partial")
        partial_marker.write_text(text, encoding="utf-8")
        os.replace(partial_marker, marker)
        self.written.append(result.task_id)
