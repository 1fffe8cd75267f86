"""What every capability run needs, and the run record around it: id, step log, budget, host."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from codeloop.config import BudgetSettings
from codeloop.errors import CodeloopError
from codeloop.models.budget import Budget
from codeloop.orchestrate.codegen import CodegenLoop, CodegenOptions, ProgramOutcome
from codeloop.orchestrate.host import ProgramHost
from codeloop.orchestrate.recording import StepLog
from codeloop.orchestrate.routing import ModelRouter
from codeloop.orchestrate.validate import PolicyCheck
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.protocol import Sandbox
from codeloop.store import StepRecord, Store

__all__ = ["ActiveRun", "RunContext"]


@dataclass
class ActiveRun:
    run_id: str | None
    host: ProgramHost
    value: Any = None
    error: str | None = None

    def result(self, value: Any, error: str | None) -> None:
        self.value, self.error = value, error


@dataclass
class RunContext:
    """The services of the capabilities, passed in; ``store=None`` keeps runs in memory."""

    router: ModelRouter
    sandbox: Sandbox
    store: Store | None = None
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    limits: Limits | None = None
    policy: PolicyCheck | None = None
    observer: Callable[[StepRecord], None] | None = None

    @asynccontextmanager
    async def run(self, kind: str, request: dict[str, Any]) -> AsyncIterator[ActiveRun]:
        runs = self.store.runs if self.store is not None else None
        run_id = runs.start_run(kind, request) if runs is not None else None
        host = ProgramHost(
            self.router,
            Budget(self.budget),
            StepLog(runs, run_id, observer=self.observer),
            checkpoints=self.store.checkpoints if self.store is not None else None,
        )
        active = ActiveRun(run_id=run_id, host=host)
        try:
            yield active
        except (CodeloopError, TimeoutError) as exc:
            if runs is not None and run_id is not None:
                runs.finish_run(run_id, "error", None, f"{type(exc).__name__}: {exc}")
            raise
        if runs is not None and run_id is not None:
            runs.finish_run(run_id, "error" if active.error else "ok", active.value, active.error)

    async def codegen(
        self,
        kind: str,
        request: dict[str, Any],
        *,
        role: str,
        prompt: str,
        context: Any,
        options: CodegenOptions,
    ) -> tuple[ActiveRun, ProgramOutcome]:
        """One run of the generate, validate, run and retry loop, the program written by the
        ``role`` model; the run records the outcome's value or error."""
        async with self.run(kind, request) as run:
            loop = CodegenLoop(
                model=run.host.router.role(role),
                sandbox=self.sandbox,
                host=run.host,
                options=options,
                limits=self.limits,
                policy=self.policy,
            )
            outcome = await loop.run(prompt, context)
            run.result(outcome.value if outcome.ok else None, outcome.error)
        return run, outcome
