"""Code capabilities: one model call, verified generation, code from the knowledge graph, and
search over learned patterns. Each opens a :class:`Session` from ``settings``, ``store`` and
``models`` (backends used instead of those the settings name, e.g. a ``ScriptedModel``) and
closes what it built, or runs on ``session``, which the caller keeps open."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeloop.api._checks import bad_options, budget_settings, program_language
from codeloop.api._session import Backends, Session, using
from codeloop.config import Settings
from codeloop.errors import CodeloopError, ModelResponseError, UserInputError
from codeloop.models import Budget, ManagedModel, ModelRequest, ModelResponse, RecordingModel
from codeloop.orchestrate import get_codegen_reference
from codeloop.pipeline import GenerationReport, PatternLibrary, Pipeline, PipelineOptions
from codeloop.store import RunStore, Store, Trace

if TYPE_CHECKING:
    from codeloop.knowledge import Generated
    from codeloop.patterns.service import SearchHit

__all__ = ["Reply", "ask", "generate", "kg_generate", "patterns_search", "reference"]


@contextmanager
def _recorded(runs: RunStore, kind: str, request: dict[str, Any]) -> Iterator[str]:
    """A run in the store around the body; a codeloop error finishes it as failed."""
    run_id = runs.start_run(kind, request)
    try:
        yield run_id
    except CodeloopError as exc:
        runs.finish_run(run_id, "error", error=f"{type(exc).__name__}: {exc}")
        raise


def reference(language: str = "python") -> str:
    """The API reference models get for programs codeloop runs (no I/O, so no async form)."""
    return get_codegen_reference(program_language(language))


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
    with bad_options("request"):
        request = ModelRequest.of(
            prompt, system=system, temperature=temperature, max_tokens=max_tokens
        )
    async with using(session, settings, store, models) as s:
        runs = s.store.runs
        with _recorded(runs, "ask", {"prompt": prompt, "model": model or "coder"}) as run_id:
            managed = s.model(model, trace=Trace(runs, run_id))
            if record is not None:
                managed = managed.with_backend(RecordingModel(managed.backend, record))
            response = await _complete(managed, request, on_text)
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
    learned: bool | None = None,
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
    is written to disk: the files are in ``report.files``. ``learned`` offers the model the closest
    template from ``codeloop library learn`` (default: the ``patterns.learned_in_gen`` setting)."""
    if not description.strip():
        raise UserInputError("the description is empty: say what the code should do")
    library = PatternLibrary.load(list(pattern_dirs))
    async with using(session, settings, store, models) as s:
        use_learned = s.settings.patterns.learned_in_gen if learned is None else learned
        with bad_options("generation options"):
            options = PipelineOptions(
                samples=samples, rounds=rounds, generate_tests=tests, learned=use_learned
            )
        runs = s.store.runs
        request = {"description": description, "lang": language, "model": model}
        with _recorded(runs, "gen", request) as run_id:
            budget = Budget(budget_settings(s.settings.budget, max_tokens=max_tokens))
            pipeline = Pipeline(
                s.model(model, budget=budget, trace=Trace(runs, run_id)),
                s.runner,
                library=library,
                options=options,
                progress=progress,
                learned=s.learned_templates if use_learned else None,
            )
            try:
                report = await pipeline.run(description, language=language, pattern=pattern)
            finally:
                await pipeline.aclose()
        report = report.model_copy(update={"run_id": run_id})
        runs.finish_run(
            run_id, "ok" if report.status == "ok" else "error", report.model_dump(mode="json")
        )
        return report


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
    with bad_options("code-graph request"):
        request = GenerateRequest(
            target=target,
            scope=scope,  # type: ignore[arg-type]
            lang=lang,  # type: ignore[arg-type]
            template=template,
            params=params or {},
            fill_bodies=fill_bodies,
            format=format,
        )
    async with using(session, settings, store, models) as s:
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
    async with using(session, settings, store, None) as s:
        service = s.patterns
        unit = (
            service.unit(like)
            if like is not None
            else service.text_unit(text or "", None if language is None else language)  # type: ignore[arg-type]
        )
        return service.search_vector(service.encoder.encode(unit), k)
