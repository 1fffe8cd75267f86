"""``test`` and ``coverage`` for languages whose one test routine measures coverage on request."""

from __future__ import annotations

from abc import ABC, abstractmethod

from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import TestRun


class RunsTests(ABC):
    """Gives ``test`` (no coverage) and ``coverage`` (measured) from one ``_run_tests``."""

    @abstractmethod
    async def _run_tests(
        self,
        code: str,
        tests: str,
        *,
        module: str,
        runner: Runner,
        limits: ProcessLimits,
        measure: bool,
    ) -> TestRun:
        """Run ``tests`` against ``code`` in the sandbox; measure coverage when ``measure``."""

    async def test(
        self, code: str, tests: str, *, module: str, runner: Runner, limits: ProcessLimits
    ) -> TestRun:
        return await self._run_tests(
            code, tests, module=module, runner=runner, limits=limits, measure=False
        )

    async def coverage(
        self, code: str, tests: str, *, module: str, runner: Runner, limits: ProcessLimits
    ) -> TestRun:
        return await self._run_tests(
            code, tests, module=module, runner=runner, limits=limits, measure=True
        )
