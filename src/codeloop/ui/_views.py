"""What the dashboard shows, as pydantic models: the same shapes feed the pages and the JSON API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.store import RunRecord, StepRecord

__all__ = [
    "GraphEdge",
    "GraphPage",
    "Progress",
    "QualityPoint",
    "QualityReport",
    "RunFilter",
    "RunPage",
    "RunSummary",
    "Trace",
    "TraceNode",
]

StatusFilter = Literal["running", "ok", "error"]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunFilter(_View):
    """The runs list's query; ``q`` searches ids, requests, results and errors."""

    q: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=100)
    status: StatusFilter | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class RunSummary(_View):
    id: str
    kind: str
    status: str
    title: str
    created_at: float
    finished_at: float | None
    seconds: float | None
    steps: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    error: str | None


class RunPage(_View):
    runs: list[RunSummary]
    total: int
    kinds: list[str]
    filter: RunFilter


class TraceNode(_View):
    """A step with its children; ``total_*`` add up the whole subtree."""

    step: StepRecord
    children: list[TraceNode] = Field(default_factory=list)
    total_tokens: int = 0
    total_cost_usd: float = 0.0
    total_seconds: float = 0.0


class Trace(_View):
    run: RunRecord
    roots: list[TraceNode]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    seconds: float | None


class Progress(_View):
    """What changed in a run since step ``after``: the dashboard polls this while a run is live."""

    run_id: str
    status: str
    steps: int
    last_step_id: int
    new_steps: list[StepRecord]
    input_tokens: int
    output_tokens: int
    cost_usd: float


class QualityPoint(_View):
    day: str
    runs: int
    ok_rate: float | None  # among the runs that ended
    mean_seconds: float | None
    tokens: int
    cost_usd: float
    checks_passed_rate: float | None
    metrics: dict[str, float]


class QualityReport(_View):
    """Daily series; ``metrics`` holds the run-result measures named in ``metric_names``."""

    points: list[QualityPoint]
    metric_names: list[str]


class GraphEdge(_View):
    subject: str
    predicate: str
    object: str
    provenance: dict[str, Any]


class GraphPage(_View):
    q: str
    predicate: str
    subject: str
    edges: list[GraphEdge]
    incoming: list[GraphEdge]
    total: int
    predicates: list[tuple[str, int]]


TraceNode.model_rebuild()
