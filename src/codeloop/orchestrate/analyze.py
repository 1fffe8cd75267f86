"""Meta-programming (seed 000): a model sees a sample of unknown data and writes the program that
analyses it; codeloop validates the program, runs it over the full data in the sandbox and returns
the variable it defined."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codeloop.orchestrate._prompts import render
from codeloop.orchestrate._runs import RunContext
from codeloop.orchestrate.codegen import Attempt, CodegenOptions
from codeloop.orchestrate.reference import get_codegen_reference
from codeloop.orchestrate.sampling import DataFormat, DataSample, parse_data, sample_data

__all__ = ["AnalysisReport", "Analyzer", "skeleton"]


class AnalysisReport(BaseModel):
    """The answer and how it was reached: every attempt, tokens, seconds."""

    model_config = ConfigDict(extra="forbid")

    run_id: str | None
    task: str
    ok: bool
    value: Any = None
    error: str | None = None
    code: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    sample: DataSample
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)


def skeleton(sample: DataSample, result_var: str) -> str:
    """A starting program for tabular data: small models write the computation far more
    reliably when the structure (a DataFrame over all of ``context``) is given."""
    if sample.python_type != "list of dict":
        return ""
    columns = ", ".join(f.name for f in sample.fields[:12])
    return (
        "import pandas as pd\n"
        f"df = pd.DataFrame(context)  # all {sample.records} records; columns: {columns}\n"
        f"{result_var} = "
    )


class Analyzer:
    """``analyze(text, format, task)``: one run, stored with its steps when a store is given."""

    def __init__(self, runs: RunContext, options: CodegenOptions) -> None:
        self._runs = runs
        self._options = options

    async def analyze(self, text: str, data_format: DataFormat, task: str) -> AnalysisReport:
        started = time.monotonic()
        sample = sample_data(text, data_format)
        context = parse_data(text, data_format)
        prompt = render(
            "analyze.j2",
            task=task,
            sample=sample.render(),
            reference=get_codegen_reference("python", exclude=_NOT_FOR_ANALYSIS, example=False),
            result_var=self._options.result_var,
            data_stack=True,
            skeleton=skeleton(sample, self._options.result_var),
        )
        run, outcome = await self._runs.codegen(
            "analyze",
            {"task": task, "format": data_format},
            role="coder",
            prompt=prompt,
            context=context,
            options=self._options,
        )
        used = run.host.run_budget.usage
        return AnalysisReport(
            run_id=run.run_id,
            task=task,
            ok=outcome.ok,
            value=outcome.value,
            error=outcome.error,
            code=outcome.code,
            attempts=outcome.attempts,
            sample=sample,
            calls=used.calls,
            tokens=used.tokens,
            cost_usd=used.cost_usd,
            seconds=time.monotonic() - started,
            notes=list(run.host.router.notes),
        )


_NOT_FOR_ANALYSIS = (
    "finish",
    "finish_var",
    "exec_sub",
    "checkpoint",
    "restore",
    "raw_query",
    "llm_query_async",
    "await_all",
    "budget",
)
