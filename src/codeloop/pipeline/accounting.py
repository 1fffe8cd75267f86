"""Counting what the model costs per stage, and a token budget for one pipeline run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from codeloop.errors import BudgetExceeded
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse

__all__ = ["MeteredModel", "StageMeter"]


@dataclass
class StageMeter:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass
class MeteredModel:
    """Wraps the injected model: per-stage usage, busy time (union of calls), a token budget."""

    inner: Model
    budget_tokens: int | None = None
    stage: str = "analyze"
    stages: dict[str, StageMeter] = field(default_factory=dict)
    _in_flight: int = 0
    _busy_since: float = 0.0
    busy_seconds: float = 0.0

    def snapshot(self, stage: str) -> StageMeter:
        meter = self.stages.get(stage, StageMeter())
        return StageMeter(meter.calls, meter.input_tokens, meter.output_tokens, meter.cost_usd)

    @property
    def total_tokens(self) -> int:
        return sum(m.input_tokens + m.output_tokens for m in self.stages.values())

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.budget_tokens is not None and self.total_tokens >= self.budget_tokens:
            raise BudgetExceeded("tokens", self.budget_tokens, self.total_tokens)
        stage = self.stage
        if self._in_flight == 0:
            self._busy_since = time.perf_counter()
        self._in_flight += 1
        try:
            response = await self.inner.complete(request)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self.busy_seconds += time.perf_counter() - self._busy_since
        meter = self.stages.setdefault(stage, StageMeter())
        meter.calls += 1
        meter.input_tokens += response.usage.input_tokens
        meter.output_tokens += response.usage.output_tokens
        meter.cost_usd += response.cost_usd
        return response
