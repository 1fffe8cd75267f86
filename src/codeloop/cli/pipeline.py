"""``codeloop gen`` and ``codeloop refactor``: the verified generation pipeline at the edge.
Nothing is written without ``--write``; a diff is shown instead."""

from __future__ import annotations

import asyncio
import difflib
import shlex
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.status import Status
from rich.syntax import Syntax
from rich.table import Table

from codeloop import api
from codeloop.api import Session
from codeloop.cli._batch import TaskFolders, batch_runner, gen_task_fn, load_gen_tasks
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json, err_console
from codeloop.errors import CodeloopError, ModelError, UserInputError, ValidationFailed
from codeloop.executors import BatchReport
from codeloop.lang import LANGUAGES, get_language
from codeloop.models import Budget, ManagedModel
from codeloop.pipeline import GenerationReport
from codeloop.pipeline.refactor import Refactorer, RefactorOracle, RefactorReport
from codeloop.store import Trace

__all__ = ["register"]

_EXTENSIONS = {".py": "python", ".rs": "rust", ".ts": "typescript"}
_MAX_ORACLE_BYTES = 2_000_000

ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="backend:name or a role (default: coder).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _model(app: Session, name: str | None, run_id: str) -> ManagedModel:
    return app.model(name, budget=Budget(app.settings.budget), trace=Trace(app.store.runs, run_id))


def _file_diff(path: Path, new: str) -> str:
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}" if old else "/dev/null",
        tofile=f"b/{path}",
    )
    return "".join(lines)


def _report_table(report: GenerationReport) -> Table:
    table = Table("stage", "seconds", "calls", "tokens in/out", "detail", title="stages")
    for stage in report.stages:
        table.add_row(
            stage.name,
            f"{stage.seconds:.2f}",
            str(stage.model_calls),
            f"{stage.input_tokens}/{stage.output_tokens}",
            escape(stage.detail),
        )
    return table


def _summary_table(report: GenerationReport) -> Table:
    table = Table("check", "result", title=f"report: {report.status}")
    lint = report.lint
    typecheck = report.typecheck
    table.add_row("pattern", report.pattern or "-")
    used = report.learned_template
    table.add_row(
        "learned template", "-" if used is None else f"{used.name} ({used.similarity:.2f})"
    )
    table.add_row(
        "lint",
        "-" if lint is None else f"{lint.tool}: {'clean' if lint.clean else len(lint.diagnostics)}",
    )
    table.add_row(
        "types",
        "-"
        if typecheck is None
        else f"{typecheck.tool}: {'ok' if typecheck.clean else len(typecheck.diagnostics)}",
    )
    table.add_row("public tests", f"{report.public_passed}/{report.public_total}")
    table.add_row(
        "generated tests", f"{len(report.tests_kept)} kept, {len(report.tests_discarded)} discarded"
    )
    cov = report.coverage_percent
    table.add_row("coverage", "-" if cov is None else f"{cov:.1f}%")
    adherence = report.adherence
    table.add_row("pattern rules", "-" if adherence is None else f"{adherence:.0%}")
    table.add_row("candidates / rounds", f"{len(report.candidates)} / {report.rounds}")
    table.add_row(
        "time",
        f"{report.seconds:.1f}s (model {report.model_seconds:.1f}s)"
        f" · {report.input_tokens}/{report.output_tokens} tokens · ${report.cost_usd:.4f}",
    )
    return table


def gen(
    ctx: typer.Context,
    description: Annotated[
        str | None, typer.Argument(help="What the code should do, in words.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", "-l", help=f"One of {', '.join(LANGUAGES)}.")
    ] = None,
    pattern: Annotated[
        str | None, typer.Option(help="A pattern name (default: best match).")
    ] = None,
    patterns: Annotated[
        list[Path] | None, typer.Option("--patterns", help="A folder of your own patterns.")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder the files go to (a batch: one sub-folder per task id).")
    ] = Path("."),
    write: Annotated[
        bool, typer.Option("--write", help="Write the files (default: diff only).")
    ] = (False),
    samples: Annotated[int, typer.Option(min=1, max=16, help="Candidates per round.")] = 4,
    rounds: Annotated[int, typer.Option(min=0, max=5, help="Repair rounds.")] = 2,
    tests: Annotated[bool, typer.Option("--tests/--no-tests", help="Generate tests.")] = True,
    learned: Annotated[
        bool | None,
        typer.Option(
            "--learned/--no-learned",
            help="Show the model the closest template from `codeloop library learn`"
            " (default: patterns.learned_in_gen, on).",
        ),
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--budget-tokens", min=1, help="Token budget for the run.")
    ] = None,
    model: ModelOpt = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help='A JSONL file of tasks: one {"description": ..., "lang", "pattern",'
            ' "samples", "rounds", "tests", "budget_tokens", "model", "id"}'
            " a line. Running the same file again resumes it.",
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="Where a batch runs: local or ray (default: CODELOOP_BATCH__BACKEND)."),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(help="The batch run to go on with (default: the batch's unfinished run)."),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Generate checked, tested code from a description, or a batch of them.

    Example: codeloop gen "Write a Python function slugify(text) that lowercases and joins words
    with '-': slugify('Hello World') == 'hello-world'" --out src --write

    Example: codeloop gen --batch tasks.jsonl --backend ray --out generated --write --json
    """
    app = app_context(ctx)
    if batch is not None:
        if description is not None:
            raise UserInputError("give a description or --batch FILE, not both")
        _gen_batch(app, batch, backend, resume, out=out if write else None, json_output=json_output)
        return
    if description is None:
        raise UserInputError('missing description: codeloop gen "what the code should do"')
    if backend is not None or resume is not None:
        raise UserInputError(
            "--backend and --resume apply to --batch only: add --batch FILE or drop them"
        )
    status = Status("analyze", console=err_console)

    def progress(stage: str, detail: str) -> None:
        if not json_output:
            status.update(f"[bold]{stage}[/bold] {escape(detail)}")

    if not json_output:
        status.start()
    try:
        report = asyncio.run(
            api.generate(
                description,
                language=lang,
                pattern=pattern,
                pattern_dirs=patterns or [],
                samples=samples,
                rounds=rounds,
                tests=tests,
                learned=learned,
                max_tokens=max_tokens,
                model=model,
                progress=progress,
                session=app,
            )
        )
    finally:
        status.stop()
    _show_gen(report, out, write=write, json_output=json_output)


def _show_gen(report: GenerationReport, out: Path, *, write: bool, json_output: bool) -> None:
    run_id = report.run_id
    targets = {out / name: text for name, text in report.files.items()}
    write = write and report.status == "ok"  # code that failed its checks is shown, never written
    if write:
        for path, text in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if json_output:
        emit_json({"written": write, **report.model_dump(mode="json")})
    else:
        for path, text in targets.items():
            diff = _file_diff(path, text) if not write else ""
            console.rule(f"{path}{' (written)' if write else ''}")
            console.print(Syntax(diff or text, "diff" if diff else "text", word_wrap=True))
        console.print(_report_table(report))
        console.print(_summary_table(report))
        for outcome in report.tests_discarded:
            err_console.print(
                f"[yellow]discarded test[/yellow] {escape(outcome.name)}: {escape(outcome.message)}"
            )
        tail = "" if write or not targets else " — nothing written; add --write to write"
        if report.status == "ok":
            err_console.print(f"{escape(report.message)}{tail} · run {run_id}")
        else:
            err_console.print(f"nothing written · run {run_id}")
    if report.status in ("budget_exhausted", "model_error"):
        raise ModelError(report.message)
    if report.status != "ok":
        raise ValidationFailed(report.message, report.lint.diagnostics if report.lint else ())


def _gen_batch(
    app: Session,
    path: Path,
    backend: str | None,
    resume: str | None,
    *,
    out: Path | None,
    json_output: bool,
) -> None:
    runner = batch_runner(app, backend)
    executor = runner.executor
    tasks = load_gen_tasks(path)
    folders = TaskFolders(out) if out is not None else None
    progress = Progress(
        TextColumn("gen batch"), BarColumn(), MofNCompleteColumn(), console=err_console
    )
    bar = progress.add_task("gen", total=len(tasks))

    async def go() -> BatchReport:
        try:
            return await runner.run(
                "gen",
                tasks,
                gen_task_fn(app.settings),
                on_progress=lambda done, _: progress.update(bar, completed=done),
                on_result=folders,
                resume=resume,
            )
        finally:
            await executor.aclose()

    with progress if not json_output else nullcontext():
        report = asyncio.run(go())
    statuses = {i: str(r.get("status", "?")) for i, r in report.results.items()}
    written = folders.written if folders is not None else []
    if json_output:
        emit_json(
            {
                "backend": executor.name,
                "out": None if out is None else str(out),
                "written": written,
                **report.model_dump(mode="json"),
            }
        )
    else:
        table = Table("task", "status", "public tests", "candidates", "seconds", title="batch")
        for task in tasks:
            result = report.results.get(task.id)
            if result is None:
                table.add_row(task.id, "failed", "-", "-", "-")
                continue
            table.add_row(
                task.id,
                statuses[task.id],
                f"{result.get('public_passed')}/{result.get('public_total')}",
                str(len(result.get("candidates", []))),
                f"{float(result.get('seconds', 0.0)):.1f}",
            )
        console.print(table)
        for task_id, error in report.errors.items():
            err_console.print(f"[red]{escape(task_id)}[/red] {escape(error)}")
        err_console.print(
            f"{report.total} tasks: {report.ran} ran, {report.skipped} resumed from an earlier"
            f" run, {report.failed} failed · {executor.name} · {report.seconds:.1f}s"
            f" · run {report.run_id}"
        )
        if out is None:
            err_console.print("nothing written; add --write to write each task under --out")
        else:
            err_console.print(
                f"{len(written)} task folders written under {escape(str(out))}"
                f" ({len(report.results) - len(written)} already there)"
            )
    bad = sorted(set(report.errors) | {i for i, s in statuses.items() if s != "ok"})
    if bad:
        raise ValidationFailed(f"{len(bad)} of {report.total} tasks did not pass: {', '.join(bad)}")


def _oracle(path: Path, test_cmd: str | None, language: str) -> RefactorOracle:
    if test_cmd:
        files: dict[str, str] = {}
        size = 0
        for item in sorted(path.parent.rglob("*")):
            if not item.is_file() or any(part.startswith(".") for part in item.parts):
                continue
            try:
                text = item.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            size += len(text)
            if size > _MAX_ORACLE_BYTES:
                raise UserInputError(
                    f"{path.parent} holds over {_MAX_ORACLE_BYTES} bytes of text: "
                    "run refactor from a smaller folder"
                )
            files[str(item.relative_to(path.parent))] = text
        return RefactorOracle(argv=tuple(shlex.split(test_cmd)), files=files)
    lang = get_language(language)
    sibling = path.parent / lang.test_file(path.stem)
    if language == "rust":
        return RefactorOracle()
    if not sibling.is_file():
        raise UserInputError(
            f"no tests found for {path.name} (looked for {sibling.name}): pass --test-cmd"
        )
    return RefactorOracle(tests=sibling.read_text(encoding="utf-8"))


def refactor(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The file to change.")],
    instruction: Annotated[str, typer.Option("--instruction", "-i", help="What to change.")],
    test_cmd: Annotated[
        str | None,
        typer.Option(
            help="Command that runs the existing tests (in the sandbox, in FILE's folder)."
        ),
    ] = None,
    write: Annotated[bool, typer.Option("--write", help="Apply the change (default: diff).")] = (
        False
    ),
    samples: Annotated[int, typer.Option(min=1, max=16)] = 3,
    rounds: Annotated[int, typer.Option(min=0, max=5)] = 1,
    model: ModelOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Change an existing file; accepted only if its tests still pass and lint is no worse.

    Example: codeloop refactor stats.py -i "use statistics.median" --test-cmd "python -m pytest -q"
    """
    if not file.is_file():
        raise UserInputError(f"{file} is not a file: give the path of a .py, .rs or .ts file")
    language = _EXTENSIONS.get(file.suffix)
    if language is None:
        raise UserInputError(f"cannot refactor {file.suffix} files: use a .py, .rs or .ts file")
    app = app_context(ctx)
    oracle = _oracle(file, test_cmd, language)
    runs = app.store.runs
    run_id = runs.start_run("refactor", {"file": str(file), "instruction": instruction})
    try:
        managed = _model(app, model, run_id)
        refactorer = Refactorer(
            managed, app.runner, get_language(language), samples=samples, rounds=rounds
        )
        with err_console.status("refactoring", spinner="dots"):
            report: RefactorReport = asyncio.run(
                refactorer.run(
                    file.name,
                    file.read_text(encoding="utf-8"),
                    instruction,
                    oracle,
                )
            )
    except CodeloopError as exc:
        runs.finish_run(run_id, "error", error=f"{type(exc).__name__}: {exc}")
        raise
    runs.finish_run(
        run_id, "ok" if report.status == "accepted" else "error", report.model_dump(mode="json")
    )
    if write and report.status == "accepted":
        file.write_text(report.proposed, encoding="utf-8")
    if json_output:
        emit_json(
            {
                "run_id": run_id,
                "written": write and report.status == "accepted",
                **report.model_dump(mode="json"),
            }
        )
    else:
        if report.diff:
            console.print(Syntax(report.diff, "diff", word_wrap=True))
        err_console.print(
            f"{report.status}: {escape(report.message)} · lint {report.lint_before}"
            f" → {report.lint_after if report.lint_after is not None else '-'}"
            f" · {report.candidates} candidates · {report.seconds:.1f}s · run {run_id}"
        )
    if report.status in ("budget_exhausted", "model_error"):
        raise ModelError(report.message)
    if report.status != "accepted":
        raise ValidationFailed(f"{report.status}: {report.message}")


def register(app: typer.Typer) -> None:
    app.command()(gen)
    app.command()(refactor)
