"""Runs a whole Scheme program: read, evaluate each top-level form, report value and output."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from codeloop.errors import BudgetExceeded, CodeloopError, LimitExceeded
from codeloop.sandbox.scheme.builtins import pure_builtins
from codeloop.sandbox.scheme.evaluator import Environment, Evaluator, FinishSignal
from codeloop.sandbox.scheme.host import SchemeHost, SchemeLimits
from codeloop.sandbox.scheme.primitives import host_primitives, to_json
from codeloop.sandbox.scheme.reader import read_program
from codeloop.sandbox.scheme.values import VOID

__all__ = ["SchemeInterpreter", "SchemeResult"]


class SchemeResult(BaseModel):
    """``value`` is what ``finish`` (or else ``finish-var``, or else the last form) gave.

    ``output`` keeps what the program displayed, also when it then failed.
    """

    model_config = ConfigDict(extra="forbid")

    status: Literal["finished", "error", "limit"] = "finished"
    value: Any = None
    finished: bool = False
    output: str = ""
    steps: int = 0
    error: str | None = None


class SchemeInterpreter:
    """One program at a time over one host; errors propagate as ``codeloop.errors`` types."""

    def __init__(self, host: SchemeHost, *, limits: SchemeLimits | None = None) -> None:
        self._host = host
        self._limits = limits or SchemeLimits()

    async def run(self, source: str) -> SchemeResult:
        """Run ``source``; a read error raises ``ValidationFailed``, and any other failure of
        the program (a ``codeloop`` error) comes back as a result with its output so far."""
        forms = read_program(source)
        evaluator = Evaluator(
            host=self._host,
            limits=self._limits,
            semaphore=asyncio.Semaphore(self._limits.max_concurrency),
        )
        env = Environment()
        env.vars.update(pure_builtins(evaluator))
        env.vars.update(host_primitives(evaluator, env))
        value: Any = VOID
        finished = False
        try:
            for form in forms:
                value = await evaluator.eval(form, env)
        except FinishSignal as signal:
            value, finished = signal.value, True
        except (LimitExceeded, BudgetExceeded) as exc:
            return self._failed(evaluator, "limit", exc)
        except CodeloopError as exc:
            return self._failed(evaluator, "error", exc)
        else:
            if evaluator.finish_var_value is not None:
                value, finished = evaluator.finish_var_value[0], True
        return SchemeResult(
            value=to_json(value),
            finished=finished,
            output="".join(evaluator.output),
            steps=evaluator.steps,
        )

    @staticmethod
    def _failed(
        evaluator: Evaluator, status: Literal["error", "limit"], exc: CodeloopError
    ) -> SchemeResult:
        return SchemeResult(
            status=status,
            output="".join(evaluator.output),
            steps=evaluator.steps,
            error=f"{type(exc).__name__}: {exc}",
        )
