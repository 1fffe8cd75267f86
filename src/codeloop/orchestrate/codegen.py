"""The loop shared by ``analyze`` and ``orchestrate``: generate a program, validate it, run it in
the sandbox, and on any failure retry with the short error fed back, up to a bound."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import BudgetExceeded
from codeloop.models.protocol import Model
from codeloop.models.types import Message, ModelRequest
from codeloop.orchestrate._prompts import render
from codeloop.orchestrate.budget import BudgetedModel
from codeloop.orchestrate.host import ProgramHost
from codeloop.orchestrate.recording import StepRecordingModel
from codeloop.orchestrate.validate import PolicyCheck, extract_code, validate_program
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.protocol import Sandbox
from codeloop.store import StepRecord

__all__ = ["Attempt", "CodegenLoop", "CodegenOptions", "ProgramOutcome"]

Stage = Literal["validation", "run", "ok"]
_MAX_STORED_OUTPUT = 20_000
CLOSING_FENCE = ("\n```\n",)
"""Stops generation after the code block: a bare fence line closes it (the opening one carries a
language tag), and small models otherwise go on explaining, which costs time and tokens."""


class CodegenOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result_var: str = "final_report"
    max_retries: int = Field(default=2, ge=0)
    max_tokens: int = Field(default=1024, ge=16)
    retry_temperature: float = Field(default=0.7, ge=0.0, le=2.0)


class Attempt(BaseModel):
    """One generated program and what became of it."""

    model_config = ConfigDict(extra="forbid")

    number: int
    code: str
    stage: Stage
    error: str | None = None
    stdout: str = ""
    seconds: float = 0.0
    tokens: int = 0


class ProgramOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    value: Any = None
    code: str | None = None
    stdout: str = ""
    attempts: list[Attempt] = Field(default_factory=list)
    error: str | None = None


class CodegenLoop:
    """Generates and runs programs for one run; every attempt becomes steps in the run's log."""

    def __init__(
        self,
        *,
        model: Model,
        sandbox: Sandbox,
        host: ProgramHost,
        options: CodegenOptions,
        limits: Limits | None = None,
        policy: PolicyCheck | None = None,
    ) -> None:
        self._model = StepRecordingModel(
            BudgetedModel(model, host.run_budget), host.log, "generate"
        )
        self._sandbox = sandbox
        self._host = host
        self._options = options
        self._limits = limits
        self._policy = policy

    async def run(self, prompt: str, context: Any) -> ProgramOutcome:
        options = self._options
        messages = [Message(role="user", content=prompt)]
        attempts: list[Attempt] = []
        for number in range(1, options.max_retries + 2):
            started = time.monotonic()
            tokens_before = self._host.run_budget.usage.tokens
            request = ModelRequest(
                messages=tuple(messages),
                temperature=0.0 if number == 1 else options.retry_temperature,
                max_tokens=options.max_tokens,
                stop=CLOSING_FENCE,
                seed=number,
            )
            try:
                reply = (await self._model.complete(request)).text
            except BudgetExceeded as exc:
                code = attempts[-1].code if attempts else None
                return ProgramOutcome(ok=False, code=code, attempts=attempts, error=str(exc))
            code = extract_code(reply)
            attempt, value = await self._attempt(number, code, context)
            attempt.seconds = time.monotonic() - started
            attempt.tokens = self._host.run_budget.usage.tokens - tokens_before
            attempts.append(attempt)
            if attempt.stage == "ok":
                return ProgramOutcome(
                    ok=True,
                    value=value,
                    code=code,
                    stdout=attempt.stdout,
                    attempts=attempts,
                )
            try:
                self._host.run_budget.check()
            except BudgetExceeded as exc:
                return ProgramOutcome(ok=False, code=code, attempts=attempts, error=str(exc))
            messages += [
                Message(role="assistant", content=f"```python\n{code}\n```"),
                Message(
                    role="user",
                    content=render(
                        "retry.j2",
                        stage="validation" if attempt.stage == "validation" else "when it ran",
                        error=attempt.error,
                        result_var=options.result_var,
                    ),
                ),
            ]
        last = attempts[-1] if attempts else None
        return ProgramOutcome(
            ok=False,
            code=last.code if last else None,
            attempts=attempts,
            error=last.error if last else "no attempt was made",
        )

    async def _attempt(self, number: int, code: str, context: Any) -> tuple[Attempt, Any]:
        var = self._options.result_var
        findings = validate_program(code, result_var=var, policy=self._policy)
        self._host.log.add(
            StepRecord(
                kind="validation",
                name=f"attempt {number}",
                input={"code": code},
                output=[f.render() for f in findings],
                error="; ".join(f.render() for f in findings) or None,
            )
        )
        if findings:
            refusal = "\n".join(f.render() for f in findings[:5])
            return Attempt(number=number, code=code, stage="validation", error=refusal), None
        started = time.monotonic()
        result = await self._sandbox.run(
            code,
            context=context,
            host=self._host.functions(),
            limits=self._limits,
            return_vars=(var,),
        )
        error: str | None = None
        if not result.ok:
            error = result.feedback()
        elif var not in result.variables:
            error = f"the program ran but `{var}` is not defined (or is not JSON-able) at the end"
        self._host.log.add(
            StepRecord(
                kind="program_run",
                name=f"attempt {number}",
                input={"code": code},
                output={
                    "status": result.status,
                    "value": result.variables.get(var),
                    "stdout": result.stdout[:_MAX_STORED_OUTPUT],
                },
                error=error,
                seconds=time.monotonic() - started,
            )
        )
        stage: Stage = "ok" if error is None else "run"
        attempt = Attempt(number=number, code=code, stage=stage, error=error, stdout=result.stdout)
        return attempt, result.variables.get(var)
