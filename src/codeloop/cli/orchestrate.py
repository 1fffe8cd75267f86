"""``codeloop analyze | orchestrate | rlm | reference | serve``, and ``codeloop run`` for Scheme
programs: programs that call models."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from codeloop import api
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.errors import UserInputError
from codeloop.orchestrate import Attempt, language_of
from codeloop.store import StepRecord

__all__ = ["register", "run_scheme"]

Report = TypeVar("Report", bound=BaseModel)
FormatOption = Annotated[
    str | None, typer.Option("--format", help="json, jsonl, csv or text (default: detected).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _read(path: str) -> tuple[str, str]:
    if path == "-":
        return sys.stdin.read(), ""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8"), file.name
    except FileNotFoundError as exc:
        raise UserInputError(f"no such file: {path} (give a path, or - for stdin)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {path} as UTF-8 text: {exc}") from exc


def _with_status(
    work: Callable[[Callable[[StepRecord], None]], Awaitable[Report]], *, quiet: bool
) -> Report:
    """Run ``work`` with a spinner that shows each step as it is recorded."""

    async def main() -> Report:
        with console.status("starting", spinner="dots") as status:
            count = 0

            def observe(step: StepRecord) -> None:
                nonlocal count
                count += 1
                if not quiet:
                    status.update(f"step {count}: {step.kind} · {step.name}")

            return await work(observe)

    return asyncio.run(main())


def _show_attempts(attempts: list[Attempt], show_code: bool) -> None:
    table = Table("attempt", "stage", "seconds", "tokens", "error", title="attempts")
    for a in attempts:
        error = (a.error or "").splitlines()[0][:90] if a.error else ""
        table.add_row(str(a.number), a.stage, f"{a.seconds:.1f}", str(a.tokens), error)
    console.print(table)
    if show_code:
        for a in attempts:
            console.print(Panel(Syntax(a.code, "python"), title=f"attempt {a.number}: {a.stage}"))
            if a.error:
                console.print(Panel(a.error, title="error", style="red"))


def _show_value(value: Any, title: str) -> None:
    text = value if isinstance(value, str) else repr(value)
    console.print(Panel(text, title=title), markup=False)


def analyze(
    ctx: typer.Context,
    data: Annotated[str, typer.Argument(help="A JSON, JSON lines, CSV or text file, or -.")],
    task: Annotated[str, typer.Option("--task", "-t", help="What to find out about the data.")],
    data_format: FormatOption = None,
    retries: Annotated[int | None, typer.Option(min=0, help="Retries after a failure.")] = None,
    show_code: Annotated[bool, typer.Option(help="Print every generated program.")] = False,
    json_output: JsonOption = False,
) -> None:
    """A model writes a program that answers the task over the data; codeloop runs it.

    The model sees only a sample; codeloop validates the program, runs it in the sandbox over all
    the data and retries with the error on failure.

    Example: codeloop analyze sales.csv --task "total revenue per region" --show-code
    """
    app = app_context(ctx)
    text, name = _read(data)
    fmt = api.data_format(text, data_format, name)
    report = _with_status(
        lambda observe: api.analyze(
            text, task, format=fmt, retries=retries, on_step=observe, session=app
        ),
        quiet=json_output,
    )
    if json_output:
        emit_json(report)
        return
    _show_attempts(report.attempts, show_code)
    for note in report.notes:
        err_console.print(f"[dim]note: {note}[/dim]")
    _show_value(report.value if report.ok else report.error, "answer" if report.ok else "failed")
    err_console.print(
        f"[dim]{report.calls} model calls · {report.tokens} tokens · {report.seconds:.1f}s"
        f" · run {report.run_id}[/dim]"
    )
    if not report.ok:
        raise typer.Exit(1)


def orchestrate(
    ctx: typer.Context,
    data: Annotated[str, typer.Argument(help="A JSON, JSON lines, CSV or text file, or -.")],
    goal: Annotated[str, typer.Option("--goal", "-g", help="What the pipeline must produce.")],
    data_format: FormatOption = None,
    max_calls: Annotated[int | None, typer.Option(min=0, help="Budget: model calls.")] = None,
    max_tokens: Annotated[int | None, typer.Option(min=0, help="Budget: tokens.")] = None,
    max_cost: Annotated[float | None, typer.Option(min=0, help="Budget: USD.")] = None,
    max_seconds: Annotated[float | None, typer.Option(min=0, help="Budget: seconds.")] = None,
    retries: Annotated[int | None, typer.Option(min=0, help="Retries after a failure.")] = None,
    show_code: Annotated[bool, typer.Option(help="Print every generated program.")] = False,
    json_output: JsonOption = False,
) -> None:
    """A planner model picks a strategy and writes the orchestration program; budget enforced.

    Strategies: A (model on every item), B (cluster, then model on representatives), C (cheap
    filter, then model on the survivors).

    Example: codeloop orchestrate tickets.json --goal "top 5 root causes" --max-calls 50
    """
    app = app_context(ctx)
    text, name = _read(data)
    fmt = api.data_format(text, data_format, name)
    report = _with_status(
        lambda observe: api.orchestrate(
            text,
            goal,
            format=fmt,
            max_calls=max_calls,
            max_tokens=max_tokens,
            max_cost=max_cost,
            max_seconds=max_seconds,
            retries=retries,
            on_step=observe,
            session=app,
        ),
        quiet=json_output,
    )
    if json_output:
        emit_json(report)
        return
    _show_attempts(report.attempts, show_code)
    _show_value(report.value if report.ok else report.error, "answer" if report.ok else "failed")
    err_console.print(
        f"[dim]strategy {report.strategy} · {report.calls} model calls · {report.tokens} tokens"
        f" · ${report.cost_usd:.4f} · {report.seconds:.1f}s · run {report.run_id}[/dim]"
    )
    if not report.ok:
        raise typer.Exit(1)


def rlm(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question about the context.")],
    context_file: Annotated[
        str, typer.Option("--context", "-c", help="The context file (any size), or -.")
    ],
    max_iterations: Annotated[
        int | None, typer.Option(min=1, help="Root turns before an answer is forced (default 8).")
    ] = None,
    max_depth: Annotated[
        int | None, typer.Option(min=0, help="Levels of recursive llm_query (default 1).")
    ] = None,
    max_output: Annotated[int | None, typer.Option(min=100, help="Output chars shown.")] = None,
    max_calls: Annotated[int | None, typer.Option(min=0, help="Budget: model calls.")] = None,
    max_seconds: Annotated[float | None, typer.Option(min=0, help="Budget: seconds.")] = None,
    show_code: Annotated[bool, typer.Option(help="Print every turn's code and output.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Answer a question over a context of any size with a recursive language model.

    The root model explores the context with code in a sandbox REPL, calls sub-models on pieces
    and finishes with an answer.

    When the context's lines are records (JSON lines, CSV, key=value), the REPL also holds them
    parsed as `records`. The root model is the planner role: CODELOOP_MODELS__PLANNER picks it.

    Example: codeloop rlm --context big.log "Which user failed to log in most often?"
    """
    app = app_context(ctx)
    text, _ = _read(context_file)
    report = _with_status(
        lambda observe: api.rlm(
            text,
            question,
            max_iterations=max_iterations,
            max_depth=max_depth,
            max_output=max_output,
            max_calls=max_calls,
            max_seconds=max_seconds,
            on_step=observe,
            session=app,
        ),
        quiet=json_output,
    )
    if json_output:
        emit_json(report)
        return
    if show_code:
        for turn in report.turns:
            console.print(
                Panel(Syntax(turn.code, "python"), title=f"d{turn.depth} turn {turn.number}")
            )
            console.print(Panel(turn.output or "(nothing printed)", title="output"), markup=False)
    _show_value(report.answer, "answer" if report.finished else "answer (forced)")
    err_console.print(
        f"[dim]{len(report.turns)} turns · {report.calls} model calls · {report.tokens} tokens"
        f" · {report.seconds:.1f}s · context {report.context_chars} chars"
        f" · run {report.run_id}[/dim]"
    )


def run_scheme(
    ctx: typer.Context, program: Path, context_file: Path | None, json_output: bool
) -> None:
    """``codeloop run PROGRAM.scm``: a Scheme program in the sandbox with the primitives bound to
    models; the seeds' programs run verbatim, their model names resolved by the alias table.

    Example: codeloop run examples/seed_000_meta_programming.scm --context payments.json
    """
    app = app_context(ctx)
    source, name = _read(str(program))
    context: str | None = _read(str(context_file))[0] if context_file else None
    report = _with_status(
        lambda observe: api.run_program(
            source, language=language_of(name), context=context, on_step=observe, session=app
        ),
        quiet=json_output,
    )
    if json_output:
        emit_json(report)
        return
    if report.stdout:
        console.print(report.stdout, markup=False, highlight=False, end="")
    for note in report.notes:
        err_console.print(f"[dim]note: {note}[/dim]")
    _show_value(report.value if report.ok else report.error, "result" if report.ok else "failed")
    if not report.ok:
        raise typer.Exit(1)


def reference(
    language: Annotated[str, typer.Option(help="python or scheme.")] = "python",
) -> None:
    """Print the API reference models receive (generated from the primitives).

    Example: codeloop reference --language scheme
    """
    console.print(api.reference(language), markup=False, highlight=False, soft_wrap=True)


def serve(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="Streamable HTTP instead of stdio.")] = False,
    host: Annotated[str, typer.Option(help="HTTP address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port (0 picks a free one).")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CODELOOP_SERVE__TOKEN",
            help="Token HTTP clients must send as a Bearer header; made up when beyond localhost.",
        ),
    ] = None,
) -> None:
    """Serve codeloop's tools over MCP (stdio, or streamable HTTP with --http).

    Tools: run_program, get_codegen_reference, generate, analyze, orchestrate, rlm.

    Example: codeloop serve            (stdio, for an MCP client's config)
             codeloop serve --http --port 8000
    """
    from codeloop.server import ServerServices, build_server
    from codeloop.server.http import serve_http

    app = app_context(ctx)
    if token is not None and len(token) < 16:
        raise UserInputError("--token must be at least 16 characters: use a long random string")
    serve_settings = app.settings.serve.model_copy(update={"token": token} if token else {})

    async def main() -> None:
        async with app.run_context() as runs:
            server = build_server(ServerServices(app, runs))
            if http:
                await serve_http(
                    server,
                    host=host,
                    port=port,
                    settings=serve_settings,
                    announce=lambda line: err_console.print(line, highlight=False, soft_wrap=True),
                )
            else:
                await server.run_stdio_async()

    asyncio.run(main())


def register(app: typer.Typer) -> None:
    for command in (analyze, orchestrate, rlm, reference, serve):
        app.command()(command)
