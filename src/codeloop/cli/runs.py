"""``codeloop runs list|show``: the trace of everything codeloop did."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.tree import Tree

from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json
from codeloop.store import RunRecord, StepRecord

__all__ = ["register"]

runs_app = typer.Typer(help="Inspect past runs and their traces.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _preview(value: Any, width: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


@runs_app.command("list")
def list_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind (ask, gen, ...).")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """List recent runs.

    Example: codeloop runs list --kind ask --limit 5
    """
    store = app_context(ctx).store
    runs = store.runs.list_runs(limit=limit, kind=kind)
    if json_output:
        emit_json([r.model_dump(mode="json", exclude={"steps"}) for r in runs])
        return
    table = Table("id", "kind", "status", "started", "seconds", "request")
    for run in runs:
        seconds = f"{run.finished_at - run.created_at:.2f}" if run.finished_at else "…"
        table.add_row(
            run.id, run.kind, run.status, _when(run.created_at), seconds, _preview(run.request, 60)
        )
    console.print(table)


def _step_label(step: StepRecord) -> str:
    tokens = f"{step.input_tokens}→{step.output_tokens} tok" if step.input_tokens else ""
    status = "[red]✗[/red]" if step.error else "[green]✓[/green]"
    parts = [f"{status} [bold]{step.kind}[/bold] {step.name}", f"{step.seconds:.2f}s"]
    if tokens:
        parts.append(tokens)
    if step.cost_usd:
        parts.append(f"${step.cost_usd:.4f}")
    return " · ".join(parts)


def _render(run: RunRecord) -> Tree:
    tree = Tree(
        f"[bold]run {run.id}[/bold] {run.kind} · {run.status} · {_when(run.created_at)}"
        f" · {run.input_tokens}→{run.output_tokens} tok · ${run.cost_usd:.4f}"
    )
    nodes: dict[int | None, Tree] = {None: tree}
    for step in run.steps:
        parent = nodes.get(step.parent_id, tree)
        node = parent.add(_step_label(step))
        node.add(f"[dim]in:[/dim] {_preview(step.input)}", highlight=False)
        if step.error:
            node.add(f"[red]error:[/red] {_preview(step.error)}", highlight=False)
        elif step.output is not None:
            node.add(f"[dim]out:[/dim] {_preview(step.output)}", highlight=False)
        nodes[step.id] = node
    if run.error:
        tree.add(f"[red]error:[/red] {run.error}")
    elif run.result is not None:
        tree.add(f"[dim]result:[/dim] {_preview(run.result, 200)}")
    return tree


@runs_app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A run id or a unique prefix of one.")],
    json_output: JsonFlag = False,
) -> None:
    """Replay one run's trace: every step with its input, output, tokens, cost and time.

    Example: codeloop runs show 3f2a
    """
    run = app_context(ctx).store.runs.get_run(run_id)
    if json_output:
        emit_json(run)
        return
    console.print(_render(run))


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
