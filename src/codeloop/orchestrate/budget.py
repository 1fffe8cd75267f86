"""An enforced budget: calls, tokens, cost and seconds, checked before every model call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import BudgetExceeded
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse

__all__ = ["Budget", "BudgetMeter", "BudgetedModel"]


class Budget(BaseModel):
    """Limits for one run; ``None`` means no limit."""

    model_config = ConfigDict(extra="forbid")

    max_calls: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    max_seconds: float | None = Field(default=None, gt=0)


class BudgetMeter:
    """Counts what a run used; ``check`` raises :class:`BudgetExceeded` once a limit is reached."""

    def __init__(self, budget: Budget, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self._start = clock()
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost_usd = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def seconds(self) -> float:
        return self._clock() - self._start

    def check(self) -> None:
        limits = self.budget
        for kind, limit, used in (
            ("calls", limits.max_calls, self.calls),
            ("tokens", limits.max_tokens, self.tokens),
            ("cost_usd", limits.max_cost_usd, self.cost_usd),
            ("seconds", limits.max_seconds, self.seconds),
        ):
            if limit is not None and used >= limit:
                raise BudgetExceeded(kind, limit, used)

    def charge(self, response: ModelResponse) -> None:
        self.calls += 1
        self.input_tokens += response.usage.input_tokens
        self.output_tokens += response.usage.output_tokens
        self.cost_usd += response.cost_usd

    def remaining_seconds(self) -> float | None:
        if self.budget.max_seconds is None:
            return None
        return max(0.0, self.budget.max_seconds - self.seconds)

    def snapshot(self) -> dict[str, Any]:
        """Used and left, as programs see it through ``budget()``."""
        limits = self.budget

        def left(limit: float | None, used: float) -> float | None:
            return None if limit is None else max(0.0, limit - used)

        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "cost_usd": round(self.cost_usd, 6),
            "seconds": round(self.seconds, 3),
            "calls_left": left(limits.max_calls, self.calls),
            "tokens_left": left(limits.max_tokens, self.tokens),
            "cost_usd_left": left(limits.max_cost_usd, self.cost_usd),
            "seconds_left": left(limits.max_seconds, self.seconds),
        }


class BudgetedModel:
    """A model whose every call is checked against, and charged to, one meter."""

    def __init__(self, model: Model, meter: BudgetMeter) -> None:
        self._model = model
        self._meter = meter

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self._meter.check()
        if self._meter.budget.max_tokens is not None:
            left = self._meter.budget.max_tokens - self._meter.tokens
            capped = max(1, min(request.max_tokens, left))
            request = request.model_copy(update={"max_tokens": capped})
        remaining = self._meter.remaining_seconds()
        try:
            async with asyncio.timeout(remaining):
                response = await self._model.complete(request)
        except TimeoutError as exc:
            budget = self._meter.budget
            assert budget.max_seconds is not None
            raise BudgetExceeded("seconds", budget.max_seconds, self._meter.seconds) from exc
        self._meter.charge(response)
        return response
