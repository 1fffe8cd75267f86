"""The pipeline's data: the typed spec of a request, candidates, and the report of a run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.lang.types import Diagnostic, TestOutcome
from codeloop.pipeline.learned import LearnedTemplateUse

__all__ = [
    "CandidateSummary",
    "CheckSummary",
    "Example",
    "GenerationReport",
    "Kind",
    "NameSource",
    "RuleResult",
    "Spec",
    "StageReport",
    "Status",
]

Kind = Literal["function", "class", "module", "cli", "client", "model", "error", "test"]
Status = Literal["ok", "failed", "budget_exhausted", "model_error"]
NameSource = Literal["explicit", "signature", "example", "model", "words"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Example(_Model):
    """An input→output example found in the request: ``call`` evaluates to ``expected``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call: str
    expected: str
    source: Literal["description", "docstring"] = "description"


class Spec(_Model):
    """What the request asks for, as far as rules (and, where they find nothing, the model) tell."""

    description: str
    language: str
    kind: Kind = "function"
    name: str
    module: str
    signature: str | None = None
    examples: list[Example] = Field(default_factory=list)
    stub: str | None = None
    name_source: NameSource = "words"


class StageReport(_Model):
    name: str
    seconds: float = 0.0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    detail: str = ""


class CheckSummary(_Model):
    tool: str
    available: bool = True
    clean: bool = False
    diagnostics: list[Diagnostic] = Field(default_factory=list)


class RuleResult(_Model):
    id: str
    passed: bool
    message: str


class CandidateSummary(_Model):
    index: int
    round: int
    origin: Literal["greedy", "sample", "repair"]
    parsed: bool
    compiled: bool
    public_passed: int = 0
    public_total: int = 0
    lint_findings: int = 0
    type_errors: int = 0
    adherence: float = 0.0
    agreement: int = 0
    chosen: bool = False
    code: str = ""


class GenerationReport(_Model):
    """Everything a run produced and measured; kept even when the run fails."""

    status: Status = "failed"
    message: str = ""
    run_id: str | None = None  # set by the edge that records the run in the store
    description: str
    language: str
    pattern: str | None = None
    learned_template: LearnedTemplateUse | None = None
    """The learned template shown to the model as an example (``None``: none matched, or off)."""
    spec: Spec | None = None
    files: dict[str, str] = Field(default_factory=dict)
    stages: list[StageReport] = Field(default_factory=list)
    candidates: list[CandidateSummary] = Field(default_factory=list)
    rounds: int = 0
    lint: CheckSummary | None = None
    typecheck: CheckSummary | None = None
    public_passed: int = 0
    public_total: int = 0
    tests_kept: list[str] = Field(default_factory=list)
    tests_discarded: list[TestOutcome] = Field(default_factory=list)
    coverage_percent: float | None = None
    adherence: float | None = None
    rules: list[RuleResult] = Field(default_factory=list)
    seconds: float = 0.0
    model_seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def overhead_seconds(self) -> float:
        """Wall time not spent waiting for the model."""
        return max(0.0, self.seconds - self.model_seconds)
