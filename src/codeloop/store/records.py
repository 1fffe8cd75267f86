"""Rows of the store as pydantic models: what crosses the store's boundary."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RunRecord", "StepRecord", "Triple"]

RunStatus = Literal["running", "ok", "error"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepRecord(_Record):
    """One model call, program run, validation, ... inside a run."""

    id: int | None = None
    run_id: str | None = None
    parent_id: int | None = None
    kind: str
    name: str
    input: Any = None
    output: Any = None
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    created_at: float = 0.0


class RunRecord(_Record):
    """A request and its final result, with its steps when loaded in full."""

    id: str
    kind: str
    request: Any
    status: RunStatus
    result: Any = None
    error: str | None = None
    created_at: float
    finished_at: float | None = None
    steps: list[StepRecord] = Field(default_factory=list)

    @property
    def input_tokens(self) -> int:
        return sum(s.input_tokens for s in self.steps)

    @property
    def output_tokens(self) -> int:
        return sum(s.output_tokens for s in self.steps)

    @property
    def cost_usd(self) -> float:
        return sum(s.cost_usd for s in self.steps)


class Triple(_Record):
    """A fact ``(subject, predicate, object)`` with where it came from."""

    subject: str
    predicate: str
    object: str
    provenance: dict[str, Any] = Field(default_factory=dict)
