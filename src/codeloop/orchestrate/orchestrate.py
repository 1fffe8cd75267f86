"""Meta-orchestration (seed 001): a planner model sees a sample, the primitive reference and a
strategy menu, chooses a strategy and writes the orchestration program; the budget is enforced."""

from __future__ import annotations

import re
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.config import BudgetSettings
from codeloop.orchestrate._prompts import render
from codeloop.orchestrate._runs import RunContext
from codeloop.orchestrate.codegen import Attempt, CodegenOptions
from codeloop.orchestrate.reference import get_codegen_reference
from codeloop.orchestrate.sampling import DataFormat, DataSample, parse_data, sample_data

__all__ = ["OrchestrationReport", "Orchestrator", "Strategy", "read_strategy"]

Strategy = Literal["A", "B", "C", "unknown"]
_STRATEGY = re.compile(r"#\s*strategy\s*[:=]?\s*\(?([abc])\b", re.IGNORECASE)


def read_strategy(code: str | None) -> Strategy:
    """The strategy a program declares in its ``# strategy: X`` comment."""
    match = _STRATEGY.search(code or "")
    return match.group(1).upper() if match else "unknown"  # type: ignore[return-value]


class OrchestrationReport(BaseModel):
    """The answer, the chosen strategy and what the whole run cost."""

    model_config = ConfigDict(extra="forbid")

    run_id: str | None
    goal: str
    ok: bool
    strategy: Strategy
    value: Any = None
    error: str | None = None
    code: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    sample: DataSample
    budget: BudgetSettings
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)


def _describe(budget: BudgetSettings) -> str:
    parts = [
        f"{name} {value:g}"
        for name, value in (
            ("calls", budget.max_calls),
            ("tokens", budget.max_tokens),
            ("cost USD", budget.max_cost_usd),
            ("seconds", budget.max_seconds),
        )
        if value is not None
    ]
    return ", ".join(parts)


class Orchestrator:
    def __init__(self, runs: RunContext, options: CodegenOptions) -> None:
        self._runs = runs
        self._options = options

    async def orchestrate(
        self, text: str, data_format: DataFormat, goal: str
    ) -> OrchestrationReport:
        started = time.monotonic()
        sample = sample_data(text, data_format)
        context = parse_data(text, data_format)
        budget = self._runs.budget
        prompt = render(
            "orchestrate.j2",
            goal=goal,
            sample=sample.render(),
            reference=get_codegen_reference("python", exclude=("finish", "finish_var")),
            result_var=self._options.result_var,
            budget=_describe(budget),
        )
        run, outcome = await self._runs.codegen(
            "orchestrate",
            {"goal": goal, "format": data_format},
            role="planner",
            prompt=prompt,
            context=context,
            options=self._options,
        )
        used = run.host.run_budget.usage
        return OrchestrationReport(
            run_id=run.run_id,
            goal=goal,
            ok=outcome.ok,
            strategy=read_strategy(outcome.code),
            value=outcome.value,
            error=outcome.error,
            code=outcome.code,
            attempts=outcome.attempts,
            sample=sample,
            budget=budget,
            calls=used.calls,
            tokens=used.tokens,
            cost_usd=used.cost_usd,
            seconds=time.monotonic() - started,
            notes=list(run.host.router.notes),
        )
