"""``codeloop kg``: code as a knowledge graph — ingest, query, generate, plan, build."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from codeloop import api
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json
from codeloop.errors import UserInputError

if TYPE_CHECKING:
    from codeloop.knowledge import RustChecker, Strategy
    from codeloop.models import ModelFactory

__all__ = ["register"]

kg = typer.Typer(
    name="kg",
    help="Code as a knowledge graph: ingest source, query facts, generate code without a model.",
    no_args_is_help=True,
)

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(kg, name="kg")


def _params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"--param {value!r} must be KEY=VALUE, e.g. --param Type=Config")
        params[key.strip()] = text
    return params


@kg.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Source files or folders (.rs, .py).")],
    as_json: JsonOption = False,
) -> None:
    """Parse Rust (tree-sitter) and Python (ast) sources into code:* facts; skips unchanged files.

    Example: codeloop kg ingest ./my_crate/src ./tools/scripts
    """
    from codeloop.knowledge import Ingestor
    from codeloop.knowledge.ingest import discover

    app = app_context(ctx)
    ingestor = Ingestor(app.code_graph, app.store.kg_files)
    files = discover(paths)
    with Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("", total=len(files))
        report = ingestor.ingest(
            files, on_file=lambda p: progress.update(task, advance=1, description=p.name)
        )
    if as_json:
        emit_json(report)
        return
    table = Table(title="ingest")
    for column in (
        "files",
        "ingested",
        "unchanged",
        "items",
        "new facts",
        "skipped items",
        "failed",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        *map(
            str,
            (
                report.files,
                report.ingested,
                report.unchanged,
                report.items,
                report.facts,
                report.skipped_items,
                len(report.failed),
            ),
        )
    )
    console.print(table)
    for failure in report.failed[:10]:
        console.print(f"[yellow]failed:[/yellow] {failure}", highlight=False)


@kg.command()
def query(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Argument(help="An entity id (or a pattern with %).")
    ] = None,
    predicate: Annotated[
        str | None, typer.Option("--predicate", "-p", help="e.g. code:kind")
    ] = None,
    obj: Annotated[str | None, typer.Option("--object", "-o", help="e.g. struct")] = None,
    tree: Annotated[bool, typer.Option("--tree", help="Show SUBJECT's abstract tree.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many facts.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Facts of the code graph by subject, predicate and object (``%`` matches anything).

    Example: codeloop kg query --predicate code:kind --object trait
    """
    graph = app_context(ctx).code_graph
    if tree:
        if subject is None:
            raise UserInputError(
                "--tree needs an entity: codeloop kg query rust:mycrate::Config --tree"
            )
        node = graph.tree(subject)
        if as_json:
            emit_json(node)
        else:
            console.print_json(node.model_dump_json(exclude_none=True, exclude_defaults=True))
        return
    facts = graph.triples.query(subject, predicate, obj, limit=limit)
    if as_json:
        emit_json([f.model_dump() for f in facts])
        return
    table = Table(title=f"{len(facts)} facts")
    for column in ("subject", "predicate", "object", "provenance"):
        table.add_column(column, overflow="fold")
    for f in facts:
        table.add_row(f.subject, f.predicate, f.object[:80], json.dumps(f.provenance)[:80])
    console.print(table)


@kg.command()
def gen(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="Entity path or name (empty with --template).")
    ] = "",
    scope: Annotated[str, typer.Option(help="fn|struct|enum|trait|impl|module|file")] = "file",
    lang: Annotated[str, typer.Option(help="rust|python")] = "rust",
    template: Annotated[str | None, typer.Option(help="Instantiate this template instead.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Template parameter KEY=VALUE.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the source here instead of printing it.")
    ] = None,
    fill_bodies: Annotated[
        bool, typer.Option(help="Ask the model to write the todo!() bodies.")
    ] = False,
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model or role for --fill-bodies.")
    ] = "coder",
    no_format: Annotated[
        bool, typer.Option("--no-format", help="Skip rustfmt / ruff format.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Generate source from the graph or a template, deterministically (no model).

    Example: codeloop kg gen --template builder --param Type=Config --param "fields=host: String"
    """
    if scope not in ("fn", "struct", "enum", "trait", "impl", "module", "file"):
        raise UserInputError(
            f"--scope {scope!r} is not one of fn, struct, enum, trait, impl, module, file"
        )
    if lang not in ("rust", "python"):
        raise UserInputError(f"--lang {lang!r} is not rust or python")
    if not target and template is None:
        raise UserInputError(
            "name a TARGET entity or pass --template NAME (see `codeloop kg templates`)"
        )
    app = app_context(ctx)
    work = api.kg_generate(
        target,
        template=template,
        params=_params(param or []),
        scope=scope,
        lang=lang,
        fill_bodies=fill_bodies,
        format=not no_format,
        model=model,
        session=app,
    )
    generated = asyncio.run(_closing(work, app.models) if fill_bodies else work)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(generated.source, encoding="utf-8")
    if as_json:
        emit_json(generated)
    elif out is None:
        print(generated.source, end="")
    else:
        console.print(f"wrote {generated.items} items to {out}")


async def _closing(work: Awaitable[T], factory: ModelFactory) -> T:
    try:
        return await work
    finally:
        await factory.aclose()


@kg.command()
def templates(
    ctx: typer.Context,
    store: Annotated[
        bool, typer.Option("--store", help="Also write them into the graph as template:* facts.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the templates (built-in, stored in the graph, and from knowledge.template_dirs).

    Example: codeloop kg templates --store
    """
    from codeloop.knowledge import Provenance

    app = app_context(ctx)
    library = app.templates
    if store:
        library.store(app.code_graph, Provenance(how="user"))
    if as_json:
        emit_json([t.model_dump(exclude={"body"}) for t in library])
        return
    table = Table(title=f"{len(library)} templates")
    for column in ("name", "holes", "origin", "description"):
        table.add_column(column, overflow="fold")
    for t in library:
        holes = ", ".join(
            f"{h.name}:{h.kind.value}" + ("?" if h.default is not None else "") for h in t.holes
        )
        origin = _origin(t.origin)
        table.add_row(escape(t.name), escape(holes), escape(origin), escape(t.description))
    console.print(table)


def _origin(origin: dict[str, Any]) -> str:
    """``learned (codeloop, 10 uses: f, g)`` for a learned template, ``hand-written`` otherwise."""
    if not origin:
        return "hand-written"
    examples = ", ".join(str(e) for e in origin.get("examples", [])[:3])
    return (
        f"{origin.get('how', '?')} ({origin.get('engine', '?')}, {origin.get('uses', '?')} uses"
        + (f": {examples}" if examples else "")
        + ")"
    )


def _strategy(value: str) -> Strategy:
    if value not in ("scaffold-first", "bottom-up"):
        raise UserInputError(f"--strategy {value!r} is not scaffold-first or bottom-up")
    return value  # type: ignore[return-value]


@kg.command()
def plan(
    goal: Annotated[str, typer.Argument(help="What to build, in words.")],
    strategy: Annotated[str, typer.Option(help="scaffold-first|bottom-up")] = "scaffold-first",
    reference: Annotated[
        list[Path] | None, typer.Option(help="Reference code to ingest first.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Turn a code goal into steps (query, ingest, define, generate, write, check, backtrack).

    Example: codeloop kg plan "a builder for Config with fields host: String, port: u16"
    """
    from codeloop.knowledge import make_plan, parse_goal

    result = make_plan(parse_goal(goal), _strategy(strategy), reference)
    if as_json:
        emit_json(result)
        return
    console.print(
        f"template [bold]{result.goal.template}[/bold] for [bold]{result.goal.target}[/bold]"
        f" ({result.strategy}); params {result.goal.params}",
        highlight=False,
    )
    for number, step in enumerate(result.steps, start=1):
        console.print(f"{number}. {step.action}: {step.detail}", highlight=False)


@kg.command()
def build(
    ctx: typer.Context,
    goal: Annotated[str, typer.Argument(help="What to build, in words.")],
    out: Annotated[Path, typer.Option(help="The crate folder to write.")] = Path("generated"),
    strategy: Annotated[
        str, typer.Option(help="scaffold-first|bottom-up (the other one on backtrack)")
    ] = "scaffold-first",
    reference: Annotated[
        list[Path] | None, typer.Option(help="Reference code to ingest first.")
    ] = None,
    max_attempts: Annotated[int | None, typer.Option(help="Repair rounds per strategy.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Execute the plan: define in the graph, write a crate, cargo check, repair from diagnostics.

    Example: codeloop kg build "an error type AppError with variants Io(std::io::Error)" --out errs
    """
    from codeloop.knowledge import CargoChecker, CodeBuilder, Ingestor, RustcChecker

    app = app_context(ctx)
    settings = app.settings.knowledge

    def checker(folder: Path, name: str) -> RustChecker:
        if settings.checker == "rustc":
            return RustcChecker(edition=settings.edition)
        return CargoChecker(folder, name=name, edition=settings.edition)

    builder = CodeBuilder(
        app.code_graph,
        app.templates,
        checker,
        ingestor=Ingestor(app.code_graph, app.store.kg_files),
        max_attempts=max_attempts if max_attempts is not None else settings.max_attempts,
    )
    with console.status("building…", spinner="dots") if not as_json else _null():
        report = asyncio.run(
            builder.build(goal, out, strategy=_strategy(strategy), references=reference)
        )
    if as_json:
        emit_json(report)
        return
    for run in report.runs:
        console.print(
            f"[bold]{run.strategy}[/bold]: defined {len(run.defined)} entities", highlight=False
        )
        for attempt in run.cegis.attempts:
            codes = ", ".join(d.code or "syntax" for d in attempt.errors) or "clean"
            edits = ", ".join(f"{e.action} {e.new}" for e in attempt.edits)
            console.print(
                f"  attempt {attempt.number}: {codes}" + (f" → {edits}" if edits else ""),
                highlight=False,
            )
    verdict = "[green]compiles[/green]" if report.ok else "[red]does not compile[/red]"
    console.print(f"{verdict}: {report.crate_dir}")
    if not report.ok:
        raise typer.Exit(1)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: Any) -> None:
        return None
