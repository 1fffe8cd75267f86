"""What a target language must provide so that the pipeline can generate and check code in it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from codeloop.lang.runner import ProcessLimits, Runner
from codeloop.lang.types import CheckResult, TestRun

__all__ = ["Example", "LanguageSupport"]


class Example(Protocol):
    """An input→output example: ``call`` is an expression, ``expected`` its value, both as text."""

    @property
    def call(self) -> str: ...

    @property
    def expected(self) -> str: ...


class LanguageSupport(Protocol):
    """One plugin per language. Checkers run on the host; tests run only through a :class:`Runner`.

    ``module`` is the stem of the code file (``slugify`` → ``slugify.py``); the test file
    imports from it.
    """

    name: str
    fence_tags: tuple[str, ...]
    #: whether code with type errors cannot run (Rust, TypeScript); Python runs regardless, so its
    #: tests may run while it is type-checked
    type_errors_block_run: bool

    def code_file(self, module: str) -> str: ...

    def test_file(self, module: str) -> str: ...

    def extract_code(self, reply: str, *, prefer: str = "") -> str: ...

    async def parse(self, code: str) -> CheckResult: ...

    async def lint(self, code: str) -> CheckResult: ...

    async def fix(self, code: str) -> str: ...

    async def format(self, code: str) -> str: ...

    async def typecheck(self, code: str) -> CheckResult: ...

    async def compile(self, code: str) -> CheckResult: ...

    async def test(
        self, code: str, tests: str, *, module: str, runner: Runner, limits: ProcessLimits
    ) -> TestRun: ...

    async def coverage(
        self, code: str, tests: str, *, module: str, runner: Runner, limits: ProcessLimits
    ) -> TestRun: ...

    def example_tests(self, module: str, examples: Sequence[Example]) -> str: ...

    def test_names(self, tests: str) -> list[str]: ...

    def drop_tests(self, tests: str, names: Sequence[str]) -> str: ...

    def normalize_tests(self, tests: str, *, module: str) -> str: ...

    def merge_tests(self, first: str, second: str) -> str: ...

    def output_files(self, module: str, code: str, tests: str) -> dict[str, str]: ...

    def runtime_paths(self) -> list[Path]: ...

    def tools(self) -> dict[str, bool]: ...

    async def aclose(self) -> None:
        """Release what the plugin holds between checks (a checker process); its owner calls it."""
        ...
