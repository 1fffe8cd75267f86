"""What every language checker returns: structured diagnostics, check and test results."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CheckResult", "Diagnostic", "Severity", "TestOutcome", "TestRun", "base_test_name"]

Severity = Literal["error", "warning", "info"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Diagnostic(_Frozen):
    """One finding of a parser, linter, type checker, compiler or test run."""

    file: str
    line: int = 0
    column: int = 0
    code: str = ""
    message: str
    severity: Severity = "error"
    tool: str = ""

    def render(self) -> str:
        """``file:line: code message`` — the short form fed back to a model."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        code = f" {self.code}" if self.code else ""
        return f"{where}:{code} {self.message}".replace(":  ", ": ")


class CheckResult(_Frozen):
    """The verdict of one tool; ``available`` is false when the tool is not installed."""

    tool: str
    available: bool = True
    diagnostics: tuple[Diagnostic, ...] = ()
    seconds: float = 0.0

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def ok(self) -> bool:
        """Ran and found no error (warnings allowed). An unavailable tool is not ``ok``."""
        return self.available and not self.errors


class TestOutcome(_Frozen):
    name: str
    passed: bool
    message: str = ""


def base_test_name(name: str) -> str:
    """The test function of a test's name: ``test_a[1-2]`` (a parametrized case) → ``test_a``."""
    return name.split("[", 1)[0]


class TestRun(_Frozen):
    """Tests run in the sandbox: per-test outcomes where the runner reports them."""

    tool: str
    available: bool = True
    compiled: bool = True
    outcomes: tuple[TestOutcome, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    coverage_percent: float | None = None
    output_tail: str = ""
    seconds: float = 0.0
    limit_hit: str | None = None
    exit_code: int = 0
    statements: int | None = None
    """Statements of the code file, where the runner measured which test ran which line."""
    lines_by_test: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    """Statement lines each test function ran; ``""`` holds those run outside any test (imports,
    definitions). The cases of a parametrized test share their function's entry."""

    def coverage_of(self, tests: Collection[str]) -> float | None:
        """Line coverage of some of the tests, from this one run; None if not measured per test."""
        if not self.statements:
            return None
        lines = set(self.lines_by_test.get("", ()))
        for name in tests:
            lines.update(self.lines_by_test.get(base_test_name(name), ()))
        return round(100 * len(lines) / self.statements, 1)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.passed for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return (
            self.available
            and self.compiled
            and self.limit_hit is None
            and self.failed == 0
            and self.exit_code == 0
        )

    def failing(self) -> list[TestOutcome]:
        return [o for o in self.outcomes if not o.passed]
