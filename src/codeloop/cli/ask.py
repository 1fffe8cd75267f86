"""``codeloop ask``: one model call, streamed to the terminal, recorded as a run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.errors import CodeloopError
from codeloop.models import (
    ManagedModel,
    ModelFactory,
    ModelRequest,
    ModelResponse,
    RecordingModel,
)
from codeloop.store import Trace

__all__ = ["register"]


async def _stream(
    model: ManagedModel, request: ModelRequest, *, show: bool, factory: ModelFactory
) -> ModelResponse:
    final: ModelResponse | None = None
    try:
        async for item in model.stream(request):
            if isinstance(item, ModelResponse):
                final = item
            elif show:
                console.print(item, end="", markup=False, highlight=False, soft_wrap=True)
    finally:
        await factory.aclose()
    if show:
        console.print()
    assert final is not None
    return final


def ask(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to ask the model.")],
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="backend:name or a role (default: coder).")
    ] = None,
    system: Annotated[str | None, typer.Option(help="A system prompt.")] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0)] = 0.0,
    max_tokens: Annotated[int, typer.Option(min=1)] = 512,
    record: Annotated[
        Path | None, typer.Option(help="Append the request and response to this cassette.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the response as JSON.")] = (
        False
    ),
) -> None:
    """Ask a model one question; the answer streams to the terminal and usage is printed.

    Example: codeloop ask "Write is_prime(n) in Python" --model local:qwen2.5-coder-0.5b
    """
    app = app_context(ctx)
    request = ModelRequest.of(prompt, system=system, temperature=temperature, max_tokens=max_tokens)
    runs = app.store.runs
    run_id = runs.start_run("ask", {"prompt": prompt, "model": model or "coder"})
    managed = app.models.build(model or "coder", trace=Trace(runs, run_id))
    try:
        if record is not None:
            managed = managed.with_backend(RecordingModel(managed.backend, record))
        response = asyncio.run(_stream(managed, request, show=not json_output, factory=app.models))
    except CodeloopError as exc:
        runs.finish_run(run_id, "error", error=f"{type(exc).__name__}: {exc}")
        raise
    runs.finish_run(run_id, "ok", {"text": response.text})
    if json_output:
        emit_json({"run_id": run_id, **response.model_dump(mode="json")})
        return
    usage = response.usage
    err_console.print(
        f"[dim]{response.model} · {usage.input_tokens} in / {usage.output_tokens} out tokens"
        f" · ${response.cost_usd:.4f} · {response.latency_s:.2f}s · run {run_id}[/dim]"
    )


def register(app: typer.Typer) -> None:
    app.command()(ask)
