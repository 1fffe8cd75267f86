"""Programs that call models: ``analyze`` (meta-programming), ``orchestrate``
(meta-orchestration), ``rlm`` (recursive language model) and ``run_program``. Each runs in a
sandbox opened for the call, on a :class:`Session` as in :mod:`codeloop.api._code`; ``on_step``
sees every step (model call, program run) as it is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeloop.api._checks import budget_settings, data_format, program_language
from codeloop.api._session import Backends, Session, using
from codeloop.config import Settings
from codeloop.orchestrate import (
    AnalysisReport,
    Analyzer,
    OrchestrationReport,
    Orchestrator,
    ProgramReport,
    ProgramRunner,
    RecursiveLM,
    RLMReport,
)
from codeloop.sandbox import Limits
from codeloop.store import StepRecord, Store

__all__ = ["analyze", "orchestrate", "rlm", "run_program"]


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
    async with using(session, settings, store, models) as s:
        options = s.codegen_options(retries)
        async with s.run_context(observer=on_step) as runs:
            return await Analyzer(runs, options).analyze(data, fmt, task)


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
    async with using(session, settings, store, models) as s:
        budget = budget_settings(
            s.settings.budget,
            max_calls=max_calls,
            max_tokens=max_tokens,
            max_cost=max_cost,
            max_seconds=max_seconds,
        )
        options = s.codegen_options(retries)
        async with s.run_context(budget, on_step) as runs:
            return await Orchestrator(runs, options).orchestrate(data, fmt, goal)


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
    async with using(session, settings, store, models) as s:
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
    lang = program_language(language)
    async with (
        using(session, settings, store, models) as s,
        s.run_context(observer=on_step) as runs,
    ):
        return await ProgramRunner(runs, limits=limits or runs.limits).run(
            source, language=lang, context=context
        )
