"""``codeloop run``: run a Python program in the sandbox, with model access and a context file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from codeloop.api import Session
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.errors import UserInputError
from codeloop.models.budget import Budget
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.sandbox import IsolatedSandbox, Limits, RunResult
from codeloop.sandbox.hosting import budget_function, checkpoint_functions, model_functions
from codeloop.sandbox.protocol import HostFunction
from codeloop.sandbox.traced import TracedSandbox
from codeloop.store import Trace

__all__ = ["register"]


def _read_context(path: Path | None) -> Any:
    """A ``.json`` file is parsed; any other file is given to the program as text."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read context file {path}: {exc}; give a UTF-8 file") from exc
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{path} is not valid JSON ({exc}); fix it or rename it") from exc
    return text


class _LazyModel:
    """Builds the model on the first call, so a program that never calls llm_query never loads
    (or verifies) a model."""

    def __init__(self, build: Callable[[], Model]) -> None:
        self._build = build
        self._model: Model | None = None
        self._lock = asyncio.Lock()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        async with self._lock:
            if self._model is None:
                self._model = await asyncio.to_thread(self._build)
        return await self._model.complete(request)


async def _run(
    app: Session,
    program: str,
    context: Any,
    limits: Limits,
    model: str,
    run_id: str,
    unsafe: bool,
) -> RunResult:
    trace = Trace(app.store.runs, run_id)
    budget = Budget(app.settings.budget)
    host: dict[str, HostFunction] = {
        **checkpoint_functions(app.store.checkpoints, run_id),
        **budget_function(budget),
    }
    factory = app.models

    def build(name: str) -> Model:
        return factory.build(name, budget=budget, trace=trace)

    host.update(model_functions(_LazyModel(lambda: build(model)), resolve=build))
    settings = app.settings.sandbox
    unsafe = unsafe or settings.unsafe
    async with IsolatedSandbox.from_settings(settings, pool_size=0, unsafe=unsafe) as sandbox:
        traced = TracedSandbox(sandbox, trace, name="codeloop run")
        return await traced.run(program, context=context, host=host, limits=limits)


def run(
    ctx: typer.Context,
    program: Annotated[
        Path,
        typer.Argument(
            help="The Python program to run (or a .scm Scheme program).",
            exists=True,
            dir_okay=False,
        ),
    ],
    context: Annotated[
        Path | None,
        typer.Option(help="A file given to the program as `context` (.json is parsed)."),
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="Model for llm_query/raw_query: backend:name or a role (loaded on first use).",
        ),
    ] = "worker",
    timeout: Annotated[
        float | None, typer.Option(help="Wall-clock limit in seconds.", min=0.1)
    ] = None,
    memory: Annotated[int | None, typer.Option(help="Memory limit in MB.", min=32)] = None,
    cpu: Annotated[float | None, typer.Option(help="CPU-time limit in seconds.", min=0.1)] = None,
    unsafe: Annotated[
        bool, typer.Option(help="Allow running without OS isolation when none is available.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a program in the sandbox and show its result, output and errors.

    Example: codeloop run analysis.py --context data.json --model worker --timeout 30 --json
    """
    if program.suffix.lower() in (".scm", ".rkt", ".ss"):
        from codeloop.cli.orchestrate import run_scheme

        run_scheme(ctx, program, context, json_output)
        return
    app = app_context(ctx)
    try:
        source = program.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {program}: {exc}; give a UTF-8 Python file") from exc
    data = _read_context(context)
    base = Limits.from_settings(app.settings.sandbox)
    overrides = {"wall_s": timeout, "memory_mb": memory, "cpu_s": cpu}
    limits = base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    runs = app.store.runs
    run_id = runs.start_run("program", {"program": str(program), "model": model})
    result = asyncio.run(_run(app, source, data, limits, model, run_id, unsafe))
    runs.finish_run(
        run_id, "ok" if result.ok else "error", result.value, error=result.feedback() or None
    )
    if json_output:
        emit_json({"run_id": run_id, **result.model_dump(mode="json")})
    else:
        _render(result, run_id)
    if not result.ok:
        raise typer.Exit(1)


def _render(result: RunResult, run_id: str) -> None:
    if result.stdout:
        console.print(escape(result.stdout), end="" if result.stdout.endswith("\n") else "\n")
    colour = "green" if result.ok else "red"
    console.print(f"[{colour}]{result.status}[/{colour}] in {result.seconds:.3f}s · run {run_id}")
    if result.finished:
        console.print(escape(json.dumps(result.value, ensure_ascii=False, indent=2)))
    if result.error is not None:
        err_console.print(escape(result.feedback()), highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(run)
