"""Ready-made host functions: model queries from an injected :class:`Model`, checkpoints from the
store, and a usage meter behind ``budget()``.

The capability that runs a program decides which of these it passes as ``host``; nothing here
builds a model or reads settings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from codeloop.errors import BudgetExceeded, UserInputError
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.sandbox.protocol import HostFunction
from codeloop.store.checkpoints import CheckpointStore

__all__ = ["UsageMeter", "checkpoint_functions", "model_functions"]

ModelResolver = Callable[[str], Model]
DEFAULT_MAX_TOKENS = 512


@dataclass
class UsageMeter:
    """Counts what a run's model calls used; optional limits turn into ``BudgetExceeded``."""

    max_calls: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if self.max_calls is not None and self.calls >= self.max_calls:
            raise BudgetExceeded("calls", self.max_calls, self.calls)
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            raise BudgetExceeded("tokens", self.max_tokens, self.tokens)
        if self.max_cost_usd is not None and self.cost_usd >= self.max_cost_usd:
            raise BudgetExceeded("cost_usd", self.max_cost_usd, self.cost_usd)

    def add(self, response: ModelResponse, seconds: float) -> None:
        self.calls += 1
        self.tokens += response.usage.total_tokens
        self.cost_usd += response.cost_usd
        self.seconds += seconds

    def snapshot(self) -> dict[str, Any]:
        def left(limit: float | None, used: float) -> float | None:
            return None if limit is None else max(0.0, limit - used)

        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "cost_usd": round(self.cost_usd, 6),
            "seconds": round(time.monotonic() - self.started, 3),
            "model_seconds": round(self.seconds, 3),
            "calls_left": left(self.max_calls, self.calls),
            "tokens_left": left(self.max_tokens, self.tokens),
            "cost_usd_left": left(self.max_cost_usd, self.cost_usd),
        }


def model_functions(
    model: Model,
    *,
    resolve: ModelResolver | None = None,
    meter: UsageMeter | None = None,
    concurrency: int = 32,
) -> dict[str, HostFunction]:
    """``llm_query``, ``raw_query`` and ``budget`` backed by ``model`` (``resolve`` maps the
    ``model=`` argument a program passes to another model; without it that argument is refused)."""
    meter = meter or UsageMeter()
    gate = asyncio.Semaphore(concurrency)
    templates = Environment(
        loader=PackageLoader("codeloop", "prompts"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    query_template = templates.get_template("sandbox/llm_query.j2")

    def pick(name: str | None) -> Model:
        if name is None:
            return model
        if resolve is None:
            raise UserInputError(f"model {name!r} cannot be chosen here: call without model=")
        return resolve(name)

    async def complete(prompt: str, name: str | None, temperature: float, max_tokens: int | None) -> str:
        meter.check()
        request = ModelRequest.of(
            prompt, temperature=temperature, max_tokens=max_tokens or DEFAULT_MAX_TOKENS
        )
        started = time.monotonic()
        async with gate:
            response = await pick(name).complete(request)
        meter.add(response, time.monotonic() - started)
        return response.text

    async def llm_query(
        instruction: str,
        data: str = "",
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        prompt = query_template.render(instruction=instruction, data=data)
        return await complete(prompt, model, temperature, max_tokens)

    async def raw_query(
        prompt: str,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        return await complete(prompt, model, temperature, max_tokens)

    async def budget() -> dict[str, Any]:
        return meter.snapshot()

    return {"llm_query": llm_query, "raw_query": raw_query, "budget": budget}


def checkpoint_functions(store: CheckpointStore, run_id: str) -> dict[str, HostFunction]:
    """``checkpoint``/``restore`` persisted in the store under ``run_id`` (they outlive the run)."""

    async def checkpoint(name: str, value: Any) -> None:
        await asyncio.to_thread(store.save, run_id, name, value)

    async def restore(name: str) -> Any:
        return await asyncio.to_thread(store.load, run_id, name)

    return {"checkpoint": checkpoint, "restore": restore}
