from __future__ import annotations

import asyncio

import pytest

from codeloop.config import BudgetSettings
from codeloop.errors import BudgetExceeded, ConfigError
from codeloop.models.backends.scripted import ScriptedModel
from codeloop.models.budget import Budget
from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.orchestrate import BudgetedModel, ModelRouter
from codeloop.orchestrate.budget import snapshot


def router(resolve: bool = False) -> ModelRouter:
    roles = {r: ScriptedModel([r], name=r) for r in ("planner", "coder", "worker")}
    extra = ScriptedModel(["x"], name="resolved")
    return ModelRouter(roles, resolve=(lambda name: extra) if resolve else None)


def test_router_roles_aliases_and_notes() -> None:
    r = router()
    assert r.pick(None, "worker") is r.role("worker")
    assert r.pick("coder", "worker") is r.role("coder")
    assert r.pick("code-davinci-002", "worker") is r.role("coder")
    assert r.pick("mystery-model", "planner") is r.role("planner")
    assert r.notes == [
        "model 'code-davinci-002' resolved through the alias table to 'coder'",
        "model 'mystery-model' is not configured: using the planner model",
    ]
    resolving = router(resolve=True)
    assert resolving.pick("openai:gpt-x", "worker") is not resolving.role("worker")


def test_router_needs_every_role() -> None:
    with pytest.raises(ConfigError, match="no model for role"):
        ModelRouter({"planner": ScriptedModel([])})


async def test_budgeted_model_enforces_calls_and_caps_tokens() -> None:
    budget = Budget(BudgetSettings(max_calls=2, max_tokens=1000))
    inner = ScriptedModel(["a b c"], cycle=True)
    model = BudgetedModel(inner, budget)
    await model.complete(ModelRequest.of("one two", max_tokens=5000))
    assert inner.requests[0].max_tokens == 1000
    await model.complete(ModelRequest.of("x"))
    with pytest.raises(BudgetExceeded, match="calls limit 2"):
        await model.complete(ModelRequest.of("x"))
    view = snapshot(budget)
    assert (view["calls"], view["calls_left"], view["tokens"]) == (2, 0.0, 9)


class Slow:
    async def complete(self, request: ModelRequest) -> ModelResponse:
        await asyncio.sleep(5)
        raise AssertionError("not reached")


async def test_budgeted_model_stops_a_call_at_the_seconds_limit() -> None:
    model = BudgetedModel(Slow(), Budget(BudgetSettings(max_seconds=0.2)))
    with pytest.raises(BudgetExceeded, match="seconds limit 0.2"):
        await model.complete(ModelRequest.of("x"))
