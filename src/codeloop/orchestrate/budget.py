"""Applying one run's budget to every model the run uses, whatever model was injected.

Accounting is :class:`codeloop.models.Budget` (the same class the model wrapper uses); this module
adds the wrapper that enforces it around any :class:`Model`, and the view programs get from
``budget()``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from codeloop.errors import BudgetExceeded
from codeloop.models.budget import Budget
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse

__all__ = ["BudgetedModel", "remaining_seconds", "snapshot"]


def remaining_seconds(budget: Budget) -> float | None:
    limit = budget.limits.max_seconds
    return None if limit is None else max(0.0, limit - budget.usage.seconds)


def snapshot(budget: Budget) -> dict[str, Any]:
    """Used and left, as programs see it through ``budget()`` (``None`` = no limit)."""
    used, limits = budget.usage, budget.limits

    def left(limit: float | None, value: float) -> float | None:
        return None if limit is None else max(0.0, limit - value)

    return {
        "calls": used.calls,
        "tokens": used.tokens,
        "cost_usd": round(used.cost_usd, 6),
        "seconds": round(used.seconds, 3),
        "calls_left": left(limits.max_calls, used.calls),
        "tokens_left": left(limits.max_tokens, used.tokens),
        "cost_usd_left": left(limits.max_cost_usd, used.cost_usd),
        "seconds_left": left(limits.max_seconds, used.seconds),
    }


class BudgetedModel:
    """A model whose every call is checked against, and charged to, one run's budget; a call
    never outlives the seconds left and never asks for more tokens than are left."""

    def __init__(self, model: Model, budget: Budget) -> None:
        self._model = model
        self._budget = budget

    async def complete(self, request: ModelRequest) -> ModelResponse:
        budget = self._budget
        budget.acquire()
        if budget.limits.max_tokens is not None:
            left = budget.limits.max_tokens - budget.usage.tokens
            capped = max(1, min(request.max_tokens, left))
            request = request.model_copy(update={"max_tokens": capped})
        try:
            async with asyncio.timeout(remaining_seconds(budget)):
                response = await self._model.complete(request)
        except TimeoutError as exc:
            limit = budget.limits.max_seconds
            assert limit is not None
            raise BudgetExceeded("seconds", limit, budget.usage.seconds) from exc
        budget.charge(response)
        return response
