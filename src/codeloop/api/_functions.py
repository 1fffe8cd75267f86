"""codeloop's capabilities as async functions: plain arguments in, the capability's report out.

Each function opens a :class:`Session` from ``settings`` (default: ``CODELOOP_*`` and
``codeloop.toml``), ``store`` and ``models`` (backends to use instead of those the settings
name, e.g. a ``ScriptedModel``) and closes what it built; or it runs on ``session``, which the
caller keeps open across calls. ``on_step`` sees every step (model call, program run) as it is
recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import ValidationError

from codeloop.api._session import Backends, Session
from codeloop.config import BudgetSettings, Settings
from codeloop.errors import CodeloopError, ModelResponseError, UserInputError
from codeloop.models import Budget, ManagedModel, ModelRequest, ModelResponse, RecordingModel
from codeloop.orchestrate import (
    AnalysisReport,
    Analyzer,
    DataFormat,
    OrchestrationReport,
    Orchestrator,
    ProgramReport,
    ProgramRunner,
    RecursiveLM,
    RLMReport,
    detect_format,
    get_codegen_reference,
)
from codeloop.pipeline import GenerationReport, PatternLibrary, Pipeline, PipelineOptions
from codeloop.sandbox import Limits
from codeloop.store import StepRecord, Store, Trace

if TYPE_CHECKING:
    from codeloop.knowledge import Generated
    from codeloop.patterns.service import SearchHit

__all__ = [
    "Reply",
    "analyze",
    "ask",
    "budget_settings",
    "data_format",
    "generate",
    "kg_generate",
    "orchestrate",
    "patterns_search",
    "reference",
    "rlm",
    "run_program",
]

ProgramLanguage = Literal["python", "scheme"]


@asynccontextmanager
async def _using(
    session: Session | None,
    settings: Settings | None,
    store: Store | None,
    models: Backends | None,
) -> AsyncIterator[Session]:
    if session is None:
        async with Session(settings, store=store, backends=models) as opened:
            yield opened
        return
    if settings is not None or store is not None or models is not None:
        raise UserInputError(
            "pass settings, store and models to Session(...) or to the function, not both"
        )
    yield session


def data_format(text: str, given: str | None = None, name: str = "") -> DataFormat:
    """``given`` checked, or the format detected from ``name``'s suffix and the content."""
    if given is None:
        return detect_format(text, name)
    if given not in get_args(DataFormat):
        raise UserInputError(f"unknown data format {given!r}: use json, jsonl, csv or text")
    return given  # type: ignore[return-value]


def _program_language(language: str) -> ProgramLanguage:
    if language not in ("python", "scheme"):
        raise UserInputError(f"unknown program language {language!r}: use python or scheme")
    return "python" if language == "python" else "scheme"


def budget_settings(
    base: BudgetSettings,
    *,
    max_calls: int | None = None,
    max_tokens: int | None = None,
    max_cost: float | None = None,
    max_seconds: float | None = None,
) -> BudgetSettings:
    """``base`` with the limits that are given (0 is a limit; none keeps the base's)."""
    pairs = (
        ("max_calls", max_calls),
        ("max_tokens", max_tokens),
        ("max_cost_usd", max_cost),
        ("max_seconds", max_seconds),
    )
    return base.model_copy(update={k: v for k, v in pairs if v is not None})


def reference(language: str = "python") -> str:
    """The API reference models get for programs codeloop runs (no I/O, so no async form)."""
    return get_codegen_reference(_program_language(language))


class Reply(ModelResponse):
    """A model's response and the run that recorded it."""

    run_id: str


async def _complete(
    model: ManagedModel, request: ModelRequest, on_text: Callable[[str], None] | None
) -> ModelResponse:
    if on_text is None:
        return await model.complete(request)
    async for item in model.stream(request):
        if isinstance(item, ModelResponse):
            return item
        on_text(item)
    raise ModelResponseError(f"{model.name}: the stream ended without a final response")


async def ask(
    prompt: str,
    *,
    model: str | None = None,
    system: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    on_text: Callable[[str], None] | None = None,
    record: Path | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> Reply:
    """One model call (``model``: a role or ``backend:name``; default ``coder``), recorded as an
    ``ask`` run. ``on_text`` streams the answer's pieces as they come; ``record`` appends the
    request and response to a cassette for the ``replay`` backend."""
    request = ModelRequest.of(prompt, system=system, temperature=temperature, max_tokens=max_tokens)
    async with _using(session, settings, store, models) as s:
        runs = s.store.runs
        run_id = runs.start_run("ask", {"prompt": prompt, "model": model or "coder"})
        try:
            managed = s.model(model, trace=Trace(runs, run_id))
            if record is not None:
                managed = managed.with_backend(RecordingModel(managed.backend, record))
            response = await _complete(managed, request, on_text)
        except CodeloopError as exc:
            runs.finish_run(run_id, "error", error=f"{type(exc).__name__}: {exc}")
            raise
        runs.finish_run(run_id, "ok", {"text": response.text})
        return Reply(run_id=run_id, **response.model_dump())


async def generate(
    description: str,
    *,
    language: str | None = None,
    pattern: str | None = None,
    pattern_dirs: Sequence[Path] = (),
    samples: int = 4,
    rounds: int = 2,
    tests: bool = True,
    max_tokens: int | None = None,
    model: str | None = None,
    progress: Callable[[str, str], None] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> GenerationReport:
    """Verified generation: code and tests that parse, lint clean, follow the pattern and pass
    their tests in the sandbox; recorded as a ``gen`` run whose id the report carries. Nothing
    is written to disk: the files are in ``report.files``."""
    if not description.strip():
        raise UserInputError("the description is empty: say what the code should do")
    try:
        options = PipelineOptions(samples=samples, rounds=rounds, generate_tests=tests)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UserInputError(f"bad generation options: {error['loc'][0]}: {error['msg']}") from exc
    library = PatternLibrary.load(list(pattern_dirs))
    async with _using(session, settings, store, models) as s:
        runs = s.store.runs
        run_id = runs.start_run(
            "gen", {"description": description, "lang": language, "model": model}
        )
        try:
            budget = Budget(budget_settings(s.settings.budget, max_tokens=max_tokens))
            pipeline = Pipeline(
                s.model(model, budget=budget, trace=Trace(runs, run_id)),
                s.runner,
                library=library,
                options=options,
                progress=progress,
            )
            report = await pipeline.run(description, language=language, pattern=pattern)
        except CodeloopError as exc:
            runs.finish_run(run_id, "error", error=f"{type(exc).__name__}: {exc}")
            raise
        report = report.model_copy(update={"run_id": run_id})
        runs.finish_run(
            run_id, "ok" if report.status == "ok" else "error", report.model_dump(mode="json")
        )
        return report


async def analyze(
    data: str,
    task: str,
    *,
    format: str | None = None,
    retries: int | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> AnalysisReport:
    """Meta-programming: the ``coder`` model sees a sample of ``data`` and writes a program that
    answers ``task``; the sandbox runs it over all the data (retried with the error)."""
    fmt = data_format(data, format)
    async with (
        _using(session, settings, store, models) as s,
        s.run_context(observer=on_step) as runs,
    ):
        return await Analyzer(runs, s.codegen_options(retries)).analyze(data, fmt, task)


async def orchestrate(
    data: str,
    goal: str,
    *,
    format: str | None = None,
    max_calls: int | None = None,
    max_tokens: int | None = None,
    max_cost: float | None = None,
    max_seconds: float | None = None,
    retries: int | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> OrchestrationReport:
    """Meta-orchestration: the ``planner`` picks a strategy and writes the program, which calls
    the ``worker``; the budget (the settings' with the limits given here) is enforced."""
    fmt = data_format(data, format)
    async with _using(session, settings, store, models) as s:
        budget = budget_settings(
            s.settings.budget,
            max_calls=max_calls,
            max_tokens=max_tokens,
            max_cost=max_cost,
            max_seconds=max_seconds,
        )
        async with s.run_context(budget, on_step) as runs:
            return await Orchestrator(runs, s.codegen_options(retries)).orchestrate(data, fmt, goal)


async def rlm(
    context: Any,
    question: str,
    *,
    max_iterations: int | None = None,
    max_depth: int | None = None,
    max_output: int | None = None,
    max_calls: int | None = None,
    max_seconds: float | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> RLMReport:
    """A recursive language model answers ``question`` over ``context`` (any size), exploring
    it with code in a sandbox session and calling sub-models on pieces."""
    async with _using(session, settings, store, models) as s:
        options = s.rlm_options(
            max_iterations=max_iterations, max_depth=max_depth, max_output=max_output
        )
        budget = budget_settings(s.settings.budget, max_calls=max_calls, max_seconds=max_seconds)
        async with s.run_context(budget, on_step) as runs:
            return await RecursiveLM(runs, options, runs.limits).solve(question, context)


async def run_program(
    source: str,
    *,
    language: str = "python",
    context: Any = None,
    limits: Limits | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> ProgramReport:
    """Run a Python or Scheme program in the sandbox with the primitives bound (``context``,
    ``llm_query`` on the models, ``finish``, …); recorded as a ``program`` run."""
    lang = _program_language(language)
    async with (
        _using(session, settings, store, models) as s,
        s.run_context(observer=on_step) as runs,
    ):
        return await ProgramRunner(runs, limits=limits or runs.limits).run(
            source, language=lang, context=context
        )


async def kg_generate(
    target: str = "",
    *,
    template: str | None = None,
    params: dict[str, str] | None = None,
    scope: str = "file",
    lang: str = "rust",
    fill_bodies: bool = False,
    format: bool = True,
    model: str | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    models: Backends | None = None,
    session: Session | None = None,
) -> Generated:
    """Source from the code graph (``target``) or a template, deterministically; with
    ``fill_bodies`` a model writes the ``todo!()`` bodies."""
    from codeloop.knowledge import GenerateRequest, Generator

    if not target and template is None:
        raise UserInputError("name a target entity or a template (see `codeloop kg templates`)")
    try:
        request = GenerateRequest(
            target=target,
            scope=scope,  # type: ignore[arg-type]
            lang=lang,  # type: ignore[arg-type]
            template=template,
            params=params or {},
            fill_bodies=fill_bodies,
            format=format,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise UserInputError(f"bad code-graph request: {problems}") from exc
    async with _using(session, settings, store, models) as s:
        filler = s.model(model) if fill_bodies else None
        return await Generator(s.code_graph, s.templates, filler).generate(request)


async def patterns_search(
    text: str | None = None,
    *,
    like: str | None = None,
    language: str | None = None,
    k: int = 5,
    settings: Settings | None = None,
    store: Store | None = None,
    session: Session | None = None,
) -> list[SearchHit]:
    """Indexed functions most like a snippet (``text``) or an indexed/on-disk function (``like``:
    ``FILE``, ``FILE:SYMBOL`` or ``#ID``)."""
    if (like is None) == (text is None):
        raise UserInputError("give exactly one of like='FILE[:SYMBOL]' or text='code'")
    if language not in (None, "python", "rust"):
        raise UserInputError(f"unknown language {language!r}: use python or rust")
    if k < 1:
        raise UserInputError(f"k must be at least 1, not {k}")
    async with _using(session, settings, store, None) as s:
        service = s.patterns
        unit = (
            service.unit(like)
            if like is not None
            else service.text_unit(text or "", None if language is None else language)  # type: ignore[arg-type]
        )
        return service.search_vector(service.encoder.encode(unit), k)
