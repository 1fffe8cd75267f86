"""Counting what the model costs per stage and how long the run waits for it.

Budgets are enforced by the injected model (``ManagedModel`` with a ``Budget``); this only counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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
    """Wraps the injected model: per-stage usage and busy time (the union of in-flight calls)."""

    inner: Model
    stage: str = "analyze"
    stages: dict[str, StageMeter] = field(default_factory=dict)
    _in_flight: int = 0
    _busy_since: float = 0.0
    busy_seconds: float = 0.0

    def snapshot(self, stage: str) -> StageMeter:
        meter = self.stages.get(stage, StageMeter())
        return StageMeter(meter.calls, meter.input_tokens, meter.output_tokens, meter.cost_usd)

    async def complete(self, request: ModelRequest) -> ModelResponse:
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
