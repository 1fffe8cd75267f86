"""Runs a whole Scheme program: read, evaluate each top-level form, report value and output."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict

from codeloop.sandbox.scheme.builtins import pure_builtins
from codeloop.sandbox.scheme.evaluator import Environment, Evaluator, FinishSignal
from codeloop.sandbox.scheme.host import SchemeHost, SchemeLimits
from codeloop.sandbox.scheme.primitives import host_primitives, to_json
from codeloop.sandbox.scheme.reader import read_program
from codeloop.sandbox.scheme.values import VOID

__all__ = ["SchemeInterpreter", "SchemeResult"]


class SchemeResult(BaseModel):
    """``value`` is what ``finish`` (or else ``finish-var``, or else the last form) gave."""

    model_config = ConfigDict(extra="forbid")

    value: Any
    finished: bool
    output: str
    steps: int


class SchemeInterpreter:
    """One program at a time over one host; errors propagate as ``codeloop.errors`` types."""

    def __init__(self, host: SchemeHost, *, limits: SchemeLimits | None = None) -> None:
        self._host = host
        self._limits = limits or SchemeLimits()

    async def run(self, source: str) -> SchemeResult:
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
        else:
            if evaluator.finish_var_value is not None:
                value, finished = evaluator.finish_var_value[0], True
        return SchemeResult(
            value=to_json(value),
            finished=finished,
            output="".join(evaluator.output),
            steps=evaluator.steps,
        )
