"""``refactor``: the generation loop on an existing file, with its existing tests as the oracle.

A candidate is accepted only if the tests still pass (run in the sandbox) and lint does not get
worse; the result is a unified diff. Candidates: the first greedy, the rest sampled; later rounds
resample.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import BudgetExceeded, ModelError
from codeloop.lang.protocol import LanguageSupport
from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.models.protocol import Model
from codeloop.models.types import Message, ModelRequest
from codeloop.pipeline.prompts import PromptLibrary

__all__ = ["RefactorOracle", "RefactorReport", "Refactorer"]

RefactorStatus = Literal[
    "accepted", "rejected", "tests_fail_before", "budget_exhausted", "model_error"
]


class RefactorOracle(BaseModel):
    """How to check a change: a command run in the sandbox over the folder's files, or (when
    ``argv`` is empty) the language's own test run of ``tests`` against the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    argv: tuple[str, ...] = ()
    files: dict[str, str] = Field(default_factory=dict)
    tests: str = ""


class RefactorReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: RefactorStatus
    message: str
    file: str
    original: str
    proposed: str = ""
    diff: str = ""
    candidates: int = 0
    lint_before: int = 0
    lint_after: int | None = None
    tests_output: str = ""
    seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0


class Refactorer:
    def __init__(
        self,
        model: Model,
        runner: Runner,
        lang: LanguageSupport,
        *,
        prompts: PromptLibrary | None = None,
        samples: int = 3,
        rounds: int = 1,
        limits: ProcessLimits | None = None,
    ) -> None:
        self._model = model
        self._runner = runner
        self._lang = lang
        self._prompts = prompts or PromptLibrary()
        self._samples = samples
        self._rounds = rounds
        self._limits = limits or ProcessLimits(wall_s=60.0, cpu_s=60, memory_mb=4096)

    async def _oracle(self, file: str, code: str, oracle: RefactorOracle) -> tuple[bool, str]:
        if oracle.argv:
            files: Mapping[str, str] = {**oracle.files, file: code}
            result = await self._runner.run_process(oracle.argv, files=files, limits=self._limits)
            return result.exit_code == 0 and result.limit_hit is None, (
                result.stdout + result.stderr
            )[-1500:]
        module = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        run = await self._lang.test(
            code, oracle.tests, module=module, runner=self._runner, limits=self._limits
        )
        return run.ok and bool(run.outcomes), run.output_tail[-1500:]

    async def run(
        self, file: str, code: str, instruction: str, oracle: RefactorOracle
    ) -> RefactorReport:
        started = time.perf_counter()
        lang = self._lang
        report = RefactorReport(status="rejected", message="", file=file, original=code)
        ok_before, output = await self._oracle(file, code, oracle)
        report.lint_before = len((await lang.lint(code)).diagnostics)
        if not ok_before:
            report.status = "tests_fail_before"
            report.message = "the existing tests fail before any change: fix them first"
            report.tests_output = output
            report.seconds = round(time.perf_counter() - started, 3)
            return report
        prompt = self._prompts.render(
            "refactor.j2",
            language_title=lang.name.capitalize() if lang.name != "typescript" else "TypeScript",
            instruction=instruction,
            fence=lang.fence_tags[0],
            code=code.strip(),
        )
        try:
            for round_index in range(self._rounds + 1):
                accepted = await self._round(round_index, prompt, file, code, oracle, report)
                if accepted:
                    break
        except BudgetExceeded as exc:
            report.status = "budget_exhausted"
            report.message = str(exc)
        except ModelError as exc:
            report.status = "model_error"
            report.message = f"the model failed: {type(exc).__name__}: {exc}"
        if report.status == "rejected" and not report.message:
            report.message = "no candidate kept the tests passing without worse lint"
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    async def _round(
        self,
        round_index: int,
        prompt: str,
        file: str,
        code: str,
        oracle: RefactorOracle,
        report: RefactorReport,
    ) -> bool:
        lang = self._lang
        requests = [
            ModelRequest(
                messages=(Message(role="user", content=prompt),),
                temperature=0.0 if round_index == 0 and i == 0 else 0.8,
                seed=None if round_index == 0 and i == 0 else 100 * round_index + i,
                max_tokens=1024,
                stop=("\n```\n",),
            )
            for i in range(self._samples)
        ]
        responses = await asyncio.gather(*(self._model.complete(r) for r in requests))
        report.candidates += len(responses)
        report.input_tokens += sum(r.usage.input_tokens for r in responses)
        report.output_tokens += sum(r.usage.output_tokens for r in responses)
        seen: set[str] = set()
        for response in responses:
            proposed = lang.extract_code(response.text)
            if not (await lang.parse(proposed)).ok:
                continue
            proposed = await lang.format(await lang.fix(proposed))
            if proposed in seen or proposed.strip() == code.strip():
                continue
            seen.add(proposed)
            lint_after = len((await lang.lint(proposed)).diagnostics)
            if lint_after > report.lint_before:
                continue
            passed, output = await self._oracle(file, proposed, oracle)
            report.tests_output = output
            if passed:
                report.status = "accepted"
                report.message = "the tests still pass and lint is no worse"
                report.proposed = proposed
                report.lint_after = lint_after
                report.diff = unified_diff(file, code, proposed)
                return True
        return False


def unified_diff(file: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{file}",
        tofile=f"b/{file}",
    )
    return "".join(lines)
