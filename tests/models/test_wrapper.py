"""The shared wrapper around a scripted backend: budget, cache, limits, accounting, streaming."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codeloop.config import BudgetSettings
from codeloop.errors import BudgetExceeded, ModelHTTPError, ModelTimeout
from codeloop.models import (
    Budget,
    CallPolicy,
    ManagedModel,
    ModelRequest,
    ModelResponse,
    Price,
    PriceTable,
    ScriptedModel,
    Usage,
)
from codeloop.store import Store, Trace

FAST = CallPolicy(timeout_s=1.0, max_retries=2, backoff_initial_s=0.001, backoff_max_s=0.01)


class Flaky:
    """Fails with the given errors first, then answers."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ModelResponse(
            text="ok", model="x", usage=Usage(input_tokens=1000, output_tokens=500)
        )


class Slow:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.active = 0
        self.peak = 0

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(self.delay)
        self.active -= 1
        return ModelResponse(text="slow", model="x")


async def test_typed_retryable_errors_are_retried() -> None:
    backend = Flaky([ModelHTTPError(429, "slow down", retry_after=0.0), ModelTimeout("t")])
    response = await ManagedModel("openai:x", backend, policy=FAST).complete(ModelRequest.of("q"))
    assert (response.text, backend.calls) == ("ok", 3)


async def test_a_plain_exception_is_never_retried() -> None:
    backend = Flaky([ValueError("rate limit exceeded, please retry")])
    with pytest.raises(ValueError, match="rate limit"):
        await ManagedModel("openai:x", backend, policy=FAST).complete(ModelRequest.of("q"))
    assert backend.calls == 1


async def test_cost_comes_from_the_price_table_and_local_is_free() -> None:
    prices = PriceTable({"openai:x": Price(input=2.0, output=8.0)})
    paid = await ManagedModel("openai:x", Flaky([]), prices=prices).complete(ModelRequest.of("q"))
    assert paid.cost_usd == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6)
    free = await ManagedModel("local:x", Flaky([]), prices=prices).complete(ModelRequest.of("q"))
    assert free.cost_usd == 0.0
    assert free.usage.output_tokens == 500


def test_the_shipped_price_table_loads() -> None:
    table = PriceTable.load()
    assert table.cost("openai:gpt-4.1", Usage(input_tokens=1_000_000)) == pytest.approx(2.0)


async def test_call_budget_is_enforced_even_under_concurrency() -> None:
    budget = Budget(BudgetSettings(max_calls=3))
    model = ManagedModel("scripted:s", ScriptedModel(["a"], cycle=True), budget=budget)
    results = await asyncio.gather(
        *(model.complete(ModelRequest.of(f"q{i}", temperature=0.5)) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, ModelResponse) for r in results) == 3
    assert sum(isinstance(r, BudgetExceeded) for r in results) == 2
    assert budget.usage.calls == 3


async def test_token_and_cost_budgets_stop_the_next_call() -> None:
    prices = PriceTable({"openai:x": Price(input=2.0, output=8.0)})
    budget = Budget(BudgetSettings(max_cost_usd=0.005))
    model = ManagedModel("openai:x", Flaky([]), budget=budget, prices=prices)
    await model.complete(ModelRequest.of("q"))
    with pytest.raises(BudgetExceeded, match="cost_usd limit 0.005"):
        await model.complete(ModelRequest.of("q"))
    tokens = Budget(BudgetSettings(max_tokens=1500))
    model = ManagedModel("openai:x", Flaky([]), budget=tokens)
    await model.complete(ModelRequest.of("q"))
    with pytest.raises(BudgetExceeded) as info:
        await model.complete(ModelRequest.of("q"))
    assert (info.value.kind, info.value.used) == ("tokens", 1500)


async def test_seconds_budget_uses_the_clock() -> None:
    now = [0.0]
    budget = Budget(BudgetSettings(max_seconds=10), clock=lambda: now[0])
    model = ManagedModel("scripted:s", ScriptedModel(["a"], cycle=True), budget=budget)
    await model.complete(ModelRequest.of("q"))
    now[0] = 10.5
    with pytest.raises(BudgetExceeded, match="seconds"):
        await model.complete(ModelRequest.of("q"))


async def test_concurrency_limit_is_respected() -> None:
    backend = Slow(0.05)
    model = ManagedModel("scripted:s", backend, limiter=asyncio.Semaphore(3))
    await asyncio.gather(*(model.complete(ModelRequest.of("q")) for _ in range(12)))
    assert backend.peak == 3


async def test_timeout_per_attempt() -> None:
    model = ManagedModel("scripted:s", Slow(0.5), policy=CallPolicy(timeout_s=0.05, max_retries=0))
    with pytest.raises(ModelTimeout, match="no answer in 0.05s"):
        await model.complete(ModelRequest.of("q"))


async def test_deterministic_requests_are_cached_and_sampled_ones_are_not(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    backend = ScriptedModel(["first", "second", "third"])
    model = ManagedModel("scripted:s", backend, cache=store.cache)
    greedy = ModelRequest.of("same question")
    assert (await model.complete(greedy)).text == "first"
    hit = await model.complete(greedy)
    assert (hit.text, hit.cached, hit.cost_usd) == ("first", True, 0.0)
    sampled = ModelRequest.of("same question", temperature=0.8)
    assert (await model.complete(sampled)).text == "second"
    assert (await model.complete(sampled)).text == "third"
    assert len(backend.requests) == 3


async def test_every_call_is_a_step_in_the_trace(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    run_id = store.runs.start_run("test", {})
    model = ManagedModel(
        "openai:x",
        Flaky([ModelHTTPError(400, "bad")]),
        policy=FAST,
        trace=Trace(store.runs, run_id),
    )
    with pytest.raises(ModelHTTPError):
        await model.complete(ModelRequest.of("q1"))
    await model.complete(ModelRequest.of("q2"))
    steps = store.runs.steps(run_id)
    assert [(s.kind, s.name) for s in steps] == [("model_call", "openai:x")] * 2
    assert steps[0].error == "ModelHTTPError: HTTP 400: bad"
    assert steps[1].output["text"] == "ok"
    assert (steps[1].input_tokens, steps[1].output_tokens) == (1000, 500)
    assert steps[1].input["messages"] == [{"role": "user", "content": "q2"}]


async def test_streaming_yields_deltas_then_the_final_response() -> None:
    model = ManagedModel("scripted:s", ScriptedModel(["one two three"]))
    items = [item async for item in model.stream(ModelRequest.of("q"))]
    assert items[:-1] == ["one", " two", " three"]
    final = items[-1]
    assert isinstance(final, ModelResponse)
    assert final.text == "one two three"
    assert model.budget.usage.calls == 1


async def test_streaming_a_non_streaming_backend_falls_back_to_complete() -> None:
    model = ManagedModel("openai:x", Flaky([]))
    items = [item async for item in model.stream(ModelRequest.of("q"))]
    assert items[0] == "ok"
    assert isinstance(items[1], ModelResponse)
