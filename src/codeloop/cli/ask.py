"""``codeloop ask``: one model call, streamed to the terminal, recorded as a run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from codeloop import api
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console

__all__ = ["register"]


def _show(piece: str) -> None:
    console.print(piece, end="", markup=False, highlight=False, soft_wrap=True)


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

    async def go() -> api.Reply:
        try:
            return await api.ask(
                prompt,
                model=model,
                system=system,
                temperature=temperature,
                max_tokens=max_tokens,
                on_text=None if json_output else _show,
                record=record,
                session=app,
            )
        finally:
            await app.models.aclose()

    reply = asyncio.run(go())
    if json_output:
        emit_json(reply)
        return
    console.print()
    usage = reply.usage
    err_console.print(
        f"[dim]{reply.model} · {usage.input_tokens} in / {usage.output_tokens} out tokens"
        f" · ${reply.cost_usd:.4f} · {reply.latency_s:.2f}s · run {reply.run_id}[/dim]"
    )


def register(app: typer.Typer) -> None:
    app.command()(ask)
