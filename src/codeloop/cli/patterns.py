"""``codeloop patterns …`` and ``codeloop library learn``: index, search, mine, analogy, learn."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from codeloop import api
from codeloop.api import Session
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json
from codeloop.errors import UserInputError

if TYPE_CHECKING:
    from codeloop.patterns.service import SearchHit
    from codeloop.patterns.trees import Unit

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
KOpt = Annotated[int, typer.Option("-k", min=1, help="How many results.")]


def register(app: typer.Typer) -> None:
    patterns = typer.Typer(
        help="Learn code patterns: index, search, mine, analogy.", no_args_is_help=True
    )
    library = typer.Typer(
        help="Library learning: abstractions shared by many functions.", no_args_is_help=True
    )
    patterns.command("index")(index_cmd)
    patterns.command("search")(search_cmd)
    patterns.command("analogy")(analogy_cmd)
    patterns.command("mine")(mine_cmd)
    library.command("learn")(learn_cmd)
    app.add_typer(patterns, name="patterns")
    app.add_typer(library, name="library")


def _show_hits(hits: Sequence[SearchHit], as_json: bool) -> None:
    if as_json:
        emit_json([h.model_dump() for h in hits])
        return
    table = Table("id", "similarity", "name", "where")
    for hit in hits:
        table.add_row(str(hit.id), f"{hit.similarity:.3f}", hit.name, f"{hit.source}:{hit.line}")
    console.print(table)


def index_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help=".py/.rs files or folders")],
    as_json: JsonOpt = False,
) -> None:
    """Encode every function in PATHS and add it to the index.

    Example: codeloop patterns index src/
    """
    service = app_context(ctx).patterns
    with console.status("encoding functions…"):
        added = service.add_paths(paths)
    indexed = len(service.index)
    if as_json:
        emit_json({"added": added, "indexed": indexed})
    else:
        console.print(f"added {added} functions; {indexed} in the index")


def search_cmd(
    ctx: typer.Context,
    like: Annotated[str | None, typer.Option("--like", help="FILE, FILE:SYMBOL or #ID")] = None,
    text: Annotated[str | None, typer.Option("--text", help="A code snippet.")] = None,
    language: Annotated[str | None, typer.Option(help="python or rust (for --text)")] = None,
    k: KOpt = 5,
    as_json: JsonOpt = False,
) -> None:
    """Find indexed code most similar to a function or a snippet.

    Example: codeloop patterns search --like src/app.py:parse_args -k 5
    """
    if (like is None) == (text is None):
        raise UserInputError("give exactly one of --like FILE[:SYMBOL] or --text 'code'")
    hits = api.patterns_search(
        text, like=like, language=_lang(language), k=k, session=app_context(ctx)
    )
    _show_hits(asyncio.run(hits), as_json)


def analogy_cmd(
    ctx: typer.Context,
    pattern: Annotated[str, typer.Option("--pattern", help="FILE[:SYMBOL] or #ID")],
    source: Annotated[str, typer.Option("--from", help="The symbol P uses (X).")],
    target: Annotated[str, typer.Option("--to", help="The symbol to use instead (Y).")],
    k: KOpt = 5,
    as_json: JsonOpt = False,
) -> None:
    """Do for Y what P does for X: P's vector with X unbound and Y bound, then searched.

    Example: codeloop patterns analogy --pattern lib.rs:read_config --from File --to TcpStream
    """
    service = app_context(ctx).patterns
    _show_hits(service.analogy(service.unit(pattern), source, target, k), as_json)


def mine_cmd(
    ctx: typer.Context,
    sources: Annotated[list[Path], typer.Argument(help="Markdown/HTML files or folders, code")],
    min_support: Annotated[int, typer.Option(min=1)] = 3,
    max_size: Annotated[int, typer.Option(min=1, max=12)] = 6,
    top: Annotated[int, typer.Option(min=0)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Mine frequent subtrees and API-call sequences from code blocks; store them in the graph.

    Example: codeloop patterns mine "$(rustc --print sysroot)/share/doc/rust/html/book"
    """
    service = app_context(ctx).patterns
    with console.status("mining…"):
        report = service.mine(sources, min_support=min_support, max_size=max_size, top=top)
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report.blocks} blocks {report.blocks_by_language} · parsed {report.parsed}"
        f" ({report.parse_rate:.1%}) · {report.subtree_patterns} maximal subtrees ·"
        f" {report.call_sequences} call sequences · {report.seconds:.1f}s"
    )
    table = Table("kind", "support", "size", "category", "pattern")
    for p in report.top:
        table.add_row(p.kind, str(p.support), str(p.size), p.category, p.structure)
    console.print(table)


def learn_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help=".py/.rs files or folders")] = None,
    from_runs: Annotated[
        bool, typer.Option("--from-runs", help="Also learn from accepted generations.")
    ] = False,
    engine: Annotated[str, typer.Option(help="codeloop or stitch")] = "codeloop",
    top_k: Annotated[int, typer.Option(min=1)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Learn abstractions shared by many functions; store them in the code graph, each also as a
    `learned-*` template that `codeloop kg gen --template NAME --param h0=…` instantiates.

    Example: codeloop library learn src/ --top-k 10
    """
    if engine not in ("codeloop", "stitch"):
        raise UserInputError("--engine must be codeloop or stitch")
    from codeloop.patterns.blocks import iter_sources

    context = app_context(ctx)
    service = context.patterns
    units: list[Unit] = []
    for path in iter_sources(paths or []):
        if path.suffix in (".py", ".rs"):
            units += service.units_of(path)
    if from_runs:
        units += _run_units(context)
    if not units:
        raise UserInputError("no code to learn from: pass .py/.rs PATHs or --from-runs")
    chosen: Literal["codeloop", "stitch"] = "stitch" if engine == "stitch" else "codeloop"
    with console.status(f"learning from {len(units)} functions…"):
        report = service.learn(units, engine=chosen, top_k=top_k)
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report.result.engine}: {len(units)} functions, compression {report.compression:.3f}×"
        f" in {report.result.seconds:.2f}s"
    )
    table = Table("abstraction", "uses", "size", "body")
    for name, a in zip(report.templates, report.result.abstractions, strict=True):
        table.add_row(name, str(a.uses), str(a.size), a.body)
    console.print(table)
    if report.learned_templates:
        console.print(
            f"{len(report.learned_templates)} templates for `codeloop kg gen --template NAME`: "
            + ", ".join(report.learned_templates)
        )


def _lang(value: str | None) -> Literal["python", "rust"] | None:
    if value is None:
        return None
    if value not in ("python", "rust"):
        raise UserInputError("--language must be python or rust")
    return "python" if value == "python" else "rust"


def _run_units(ctx: Session) -> list[Unit]:
    """Code of finished runs whose result carries ``code`` and ``language``."""
    units: list[Unit] = []
    parsers = ctx.patterns.parsers
    for run in ctx.store.runs.list_runs(limit=1000):
        result = run.result
        if run.status != "ok" or not isinstance(result, dict):
            continue
        code, language = result.get("code"), result.get("language")
        if isinstance(code, str) and language in ("python", "rust"):
            units += parsers.parse_fragment(
                code, "rust" if language == "rust" else "python"
            ).units()
    return units
