"""Budgets that are enforced, not advisory: calls, tokens, cost and seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from codeloop.config import BudgetSettings
from codeloop.errors import BudgetExceeded
from codeloop.models.types import ModelResponse

__all__ = ["Budget", "BudgetUsage"]


class BudgetUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Budget:
    """Shared by every model call of one run; checked before each call, charged after it."""

    def __init__(
        self,
        limits: BudgetSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or BudgetSettings()
        self._clock = clock
        self._started = clock()
        self._usage = BudgetUsage()

    @property
    def usage(self) -> BudgetUsage:
        return self._usage.model_copy(update={"seconds": self._clock() - self._started})

    def acquire(self) -> None:
        """Check every limit and reserve one call, so concurrent callers cannot overrun
        ``max_calls``; tokens and cost are charged when the call returns."""
        self.check()
        self._usage.calls += 1

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` if any limit is already reached."""
        used = self.usage
        limits = self.limits
        for kind, limit, value in (
            ("calls", limits.max_calls, used.calls),
            ("tokens", limits.max_tokens, used.tokens),
            ("cost_usd", limits.max_cost_usd, used.cost_usd),
            ("seconds", limits.max_seconds, used.seconds),
        ):
            if limit is not None and value >= limit:
                raise BudgetExceeded(kind, limit, value)

    def charge(self, response: ModelResponse) -> None:
        self._usage.input_tokens += response.usage.input_tokens
        self._usage.output_tokens += response.usage.output_tokens
        self._usage.cost_usd += response.cost_usd
