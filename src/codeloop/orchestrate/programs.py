"""Running a whole program a user wrote (Python or the seeds' Scheme) with the primitives bound."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import ValidationFailed
from codeloop.orchestrate._runs import RunContext
from codeloop.orchestrate.host import SessionSchemeHost
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.scheme import SchemeInterpreter, SchemeLimits, SchemeResult
from codeloop.store import StepRecord

__all__ = ["Language", "ProgramReport", "ProgramRunner", "language_of"]

Language = Literal["python", "scheme"]


def language_of(name: str) -> Language:
    """Scheme for ``.scm``/``.rkt``/``.ss`` files, else Python."""
    return "scheme" if name.lower().endswith((".scm", ".rkt", ".ss")) else "python"


class ProgramReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str | None
    language: Language
    ok: bool
    status: str
    value: Any = None
    finished: bool = False
    stdout: str = ""
    error: str | None = None
    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)


class ProgramRunner:
    def __init__(
        self, runs: RunContext, *, limits: Limits | None = None, scheme: SchemeLimits | None = None
    ) -> None:
        self._runs = runs
        self._limits = limits
        self._scheme = scheme or SchemeLimits()

    async def run(
        self, source: str, *, language: Language = "python", context: Any = None
    ) -> ProgramReport:
        started = time.monotonic()
        async with self._runs.run("program", {"language": language, "chars": len(source)}) as run:
            if language == "scheme":
                report = await self._scheme_run(source, context, run.host, run.run_id)
            else:
                report = await self._python_run(source, context, run.host, run.run_id)
            run.host.log.add(
                StepRecord(
                    kind="program_run",
                    name=language,
                    input={"code": source},
                    output={"status": report.status, "value": report.value},
                    error=report.error,
                    seconds=time.monotonic() - started,
                )
            )
            run.result(report.value, report.error)
        used = run.host.run_budget.usage
        return report.model_copy(
            update={
                "calls": used.calls,
                "tokens": used.tokens,
                "seconds": time.monotonic() - started,
                "notes": list(run.host.router.notes),
            }
        )

    async def _python_run(
        self, source: str, context: Any, host: Any, run_id: str | None
    ) -> ProgramReport:
        result = await self._runs.sandbox.run(
            source, context=context, host=host.functions(), limits=self._limits
        )
        return ProgramReport(
            run_id=run_id,
            language="python",
            ok=result.ok,
            status=result.status,
            value=result.value,
            finished=result.finished,
            stdout=result.stdout,
            error=None if result.ok else result.feedback(),
        )

    async def _scheme_run(
        self, source: str, context: Any, host: Any, run_id: str | None
    ) -> ProgramReport:
        async with self._runs.sandbox.session(
            context=context, host=host.functions(), limits=self._limits
        ) as session:
            interpreter = SchemeInterpreter(SessionSchemeHost(session, host), limits=self._scheme)
            try:
                result = await interpreter.run(source)
            except ValidationFailed as exc:
                result = SchemeResult(status="error", error=f"ValidationFailed: {exc}")
        return ProgramReport(
            run_id=run_id,
            language="scheme",
            ok=result.status == "finished",
            status=result.status,
            value=result.value,
            finished=result.finished,
            stdout=result.output,
            error=result.error,
        )
