"""``codeloop analyze | orchestrate | rlm | reference | serve``, and ``codeloop run`` for Scheme
programs: programs that call models."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from pydantic import BaseModel
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from codeloop.cli._context import AppContext, app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.config import BudgetSettings
from codeloop.errors import UserInputError
from codeloop.orchestrate import (
    Analyzer,
    Attempt,
    CodegenOptions,
    DataFormat,
    ModelRouter,
    Orchestrator,
    ProgramRunner,
    RecursiveLM,
    RLMOptions,
    RunContext,
    detect_format,
    get_codegen_reference,
    language_of,
    sandbox_policy,
)
from codeloop.sandbox import IsolatedSandbox, Limits
from codeloop.store import StepRecord

__all__ = ["register", "run_scheme"]

Report = TypeVar("Report", bound=BaseModel)
FormatOption = Annotated[
    str | None, typer.Option("--format", help="json, jsonl, csv or text (default: detected).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
ROLES = ("planner", "coder", "worker")


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


def _format(text: str, name: str, given: str | None) -> DataFormat:
    if given is None:
        return detect_format(text, name)
    if given not in ("json", "jsonl", "csv", "text"):
        raise UserInputError(f"unknown --format {given!r}: use json, jsonl, csv or text")
    return given  # type: ignore[return-value]


def _program_limits(app: AppContext) -> Limits:
    settings = app.settings
    base = Limits.from_settings(settings.sandbox)
    return base.model_copy(
        update={
            "wall_s": max(base.wall_s, settings.orchestrate.program_wall_s),
            "cpu_s": max(base.cpu_s, settings.orchestrate.program_cpu_s),
            "memory_mb": max(base.memory_mb, 1024),
        }
    )


def _options(app: AppContext, retries: int | None) -> CodegenOptions:
    config = app.settings.orchestrate
    return CodegenOptions(
        result_var=config.result_var,
        max_retries=config.max_retries if retries is None else retries,
        max_tokens=config.codegen_max_tokens,
        retry_temperature=config.retry_temperature,
    )


def _rlm_options(
    app: AppContext,
    *,
    max_iterations: int | None = None,
    max_depth: int | None = None,
    max_output: int | None = None,
) -> RLMOptions:
    """The RLM options from settings, with what the command line overrides (0 or none = settings,
    except ``max_depth``, where 0 is a depth)."""
    config = app.settings.orchestrate
    return RLMOptions(
        max_iterations=max_iterations or config.rlm_max_iterations,
        max_depth=config.rlm_max_depth if max_depth is None else max_depth,
        max_output_chars=max_output or config.rlm_max_output_chars,
        max_tokens=config.rlm_max_tokens,
    )


@asynccontextmanager
async def run_context(
    app: AppContext,
    budget: BudgetSettings | None = None,
    observer: Callable[[StepRecord], None] | None = None,
) -> AsyncIterator[RunContext]:
    """The services of one command: models by role (and the alias table), sandbox, store."""
    router = ModelRouter(
        {role: app.models.build(role) for role in ROLES},
        aliases=app.settings.orchestrate.aliases,
        resolve=app.models.build,
    )
    limits = _program_limits(app)
    async with IsolatedSandbox.from_settings(app.settings.sandbox, limits=limits) as sandbox:
        yield RunContext(
            router=router,
            sandbox=sandbox,
            store=app.store,
            budget=budget or app.settings.budget,
            limits=limits,
            policy=sandbox_policy,
            observer=observer,
        )
    # killed workers' pipe transports close on the next loop turns; let them, before the loop ends
    for _ in range(3):
        await asyncio.sleep(0.01)
        gc.collect()


def _run_with_progress(
    app: AppContext,
    work: Callable[[RunContext], Awaitable[Report]],
    *,
    quiet: bool,
    budget: BudgetSettings | None = None,
) -> Report:
    async def main() -> Report:
        with console.status("starting", spinner="dots") as status:
            count = 0

            def observe(step: StepRecord) -> None:
                nonlocal count
                count += 1
                if not quiet:
                    status.update(f"step {count}: {step.kind} · {step.name}")

            async with run_context(app, budget, observe) as runs:
                return await work(runs)

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
    fmt = _format(text, name, data_format)
    options = _options(app, retries)
    report = _run_with_progress(
        app,
        lambda runs: Analyzer(runs, options).analyze(text, fmt, task),
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
    fmt = _format(text, name, data_format)
    options = _options(app, retries)
    base = app.settings.budget
    budget = BudgetSettings(
        max_calls=base.max_calls if max_calls is None else max_calls,
        max_tokens=base.max_tokens if max_tokens is None else max_tokens,
        max_cost_usd=base.max_cost_usd if max_cost is None else max_cost,
        max_seconds=base.max_seconds if max_seconds is None else max_seconds,
    )
    report = _run_with_progress(
        app,
        lambda runs: Orchestrator(runs, options).orchestrate(text, fmt, goal),
        quiet=json_output,
        budget=budget,
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
    max_iterations: Annotated[int | None, typer.Option(min=1)] = None,
    max_depth: Annotated[int | None, typer.Option(min=0)] = None,
    max_output: Annotated[int | None, typer.Option(min=100, help="Output chars shown.")] = None,
    max_calls: Annotated[int | None, typer.Option(min=0, help="Budget: model calls.")] = None,
    max_seconds: Annotated[float | None, typer.Option(min=0, help="Budget: seconds.")] = None,
    show_code: Annotated[bool, typer.Option(help="Print every turn's code and output.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Answer a question over a context of any size with a recursive language model.

    The root model explores the context with code in a sandbox REPL, calls sub-models on pieces
    and finishes with an answer.

    Example: codeloop rlm --context big.log "Which user failed to log in most often?"
    """
    app = app_context(ctx)
    text, _ = _read(context_file)
    options = _rlm_options(
        app, max_iterations=max_iterations, max_depth=max_depth, max_output=max_output
    )
    base = app.settings.budget
    budget = base.model_copy(
        update={k: v for k, v in (("max_calls", max_calls), ("max_seconds", max_seconds)) if v}
    )
    limits = _program_limits(app)
    report = _run_with_progress(
        app,
        lambda runs: RecursiveLM(runs, options, limits).solve(question, text),
        quiet=json_output,
        budget=budget,
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
    report = _run_with_progress(
        app,
        lambda runs: ProgramRunner(runs, limits=runs.limits).run(
            source, language=language_of(name), context=context
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
    if language not in ("python", "scheme"):
        raise UserInputError(f"unknown language {language!r}: use python or scheme")
    lang: Literal["python", "scheme"] = "python" if language == "python" else "scheme"
    console.print(get_codegen_reference(lang), markup=False, highlight=False, soft_wrap=True)


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
    from codeloop.cli.pipeline import generate
    from codeloop.pipeline import GenerationReport, PipelineOptions
    from codeloop.server import ServerServices, build_server
    from codeloop.server.http import serve_http

    app = app_context(ctx)
    if token is not None and len(token) < 16:
        raise UserInputError("--token must be at least 16 characters: use a long random string")
    serve_settings = app.settings.serve.model_copy(update={"token": token} if token else {})

    async def generate_code(
        description: str, language: str | None, pattern: str | None, samples: int, rounds: int
    ) -> tuple[str, GenerationReport]:
        options = PipelineOptions(
            samples=samples, rounds=rounds, learned=app.settings.patterns.learned_in_gen
        )
        return await generate(app, description, language=language, pattern=pattern, options=options)

    async def main() -> None:
        async with run_context(app) as runs:
            # a reply carries the program's output: keep it well under MCP clients' message cap
            reply_limits = (runs.limits or _program_limits(app)).model_copy(
                update={"output_bytes": app.settings.serve.max_output_bytes}
            )
            services = ServerServices(
                runs=runs,
                codegen=_options(app, None),
                rlm=_rlm_options(app),
                program_limits=reply_limits,
                rlm_limits=runs.limits,
                generate=generate_code,
            )
            server = build_server(services)
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
