"""Ready-made host functions: model queries from an injected :class:`Model`, checkpoints from the
store, and ``budget()`` over the run's :class:`Budget`.

The capability that runs a program decides which of these it passes as ``host``; nothing here
builds a model or reads settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from codeloop.errors import UserInputError
from codeloop.models.budget import Budget
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest
from codeloop.sandbox.protocol import HostFunction
from codeloop.store.checkpoints import CheckpointStore

__all__ = ["budget_function", "checkpoint_functions", "model_functions", "query_prompt"]

ModelResolver = Callable[[str], Model]
DEFAULT_MAX_TOKENS = 512


@cache
def _query_template() -> Template:
    environment = Environment(
        loader=PackageLoader("codeloop", "prompts"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    return environment.get_template("sandbox/llm_query.j2")


def query_prompt(instruction: str, data: str = "") -> str:
    """The prompt ``llm_query(instruction, data)`` sends: the data first, the instruction last."""
    return _query_template().render(instruction=instruction, data=data)


def model_functions(
    model: Model,
    *,
    resolve: ModelResolver | None = None,
    concurrency: int = 32,
) -> dict[str, HostFunction]:
    """``llm_query`` and ``raw_query`` backed by ``model`` (``resolve`` maps the ``model=``
    argument a program passes to another model; without it that argument is refused).

    Budget, cache and accounting are the model's own (pass a ``ManagedModel``)."""
    gate = asyncio.Semaphore(concurrency)

    def pick(name: str | None) -> Model:
        if name is None:
            return model
        if resolve is None:
            raise UserInputError(f"model {name!r} cannot be chosen here: call without model=")
        return resolve(name)

    async def complete(
        prompt: str, name: str | None, temperature: float, max_tokens: int | None
    ) -> str:
        request = ModelRequest.of(
            prompt, temperature=temperature, max_tokens=max_tokens or DEFAULT_MAX_TOKENS
        )
        async with gate:
            response = await pick(name).complete(request)
        return response.text

    async def llm_query(
        instruction: str,
        data: str = "",
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        prompt = query_prompt(instruction, data)
        return await complete(prompt, model, temperature, max_tokens)

    async def raw_query(
        prompt: str,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> str:
        return await complete(prompt, model, temperature, max_tokens)

    return {"llm_query": llm_query, "raw_query": raw_query}


def budget_function(budget: Budget) -> dict[str, HostFunction]:
    """``budget()``: what the run's model calls used and what is left (None = no limit)."""

    async def report() -> dict[str, Any]:
        used = budget.usage
        limits = budget.limits
        pairs = (
            ("calls", used.calls, limits.max_calls),
            ("tokens", used.tokens, limits.max_tokens),
            ("cost_usd", used.cost_usd, limits.max_cost_usd),
            ("seconds", used.seconds, limits.max_seconds),
        )
        result: dict[str, Any] = {}
        for kind, value, limit in pairs:
            result[kind] = round(value, 6)
            result[f"{kind}_left"] = None if limit is None else round(max(0.0, limit - value), 6)
        return result

    return {"budget": report}


def checkpoint_functions(store: CheckpointStore, run_id: str) -> dict[str, HostFunction]:
    """``checkpoint``/``restore`` persisted in the store under ``run_id`` (they outlive the run)."""

    async def checkpoint(name: str, value: Any) -> None:
        await asyncio.to_thread(store.save, run_id, name, value)

    async def restore(name: str) -> Any:
        return await asyncio.to_thread(store.load, run_id, name)

    return {"checkpoint": checkpoint, "restore": restore}
