from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from codeloop.config import BudgetSettings
from codeloop.models.protocol import Model
from codeloop.orchestrate import ModelRouter, RunContext, sandbox_policy
from codeloop.sandbox import IsolatedSandbox, Limits
from codeloop.store import Store


@pytest.fixture
async def sandbox() -> AsyncIterator[IsolatedSandbox]:
    async with IsolatedSandbox(pool_size=1, limits=Limits(wall_s=30, cpu_s=5)) as box:
        yield box
    # let the killed workers' pipe transports close while the loop still runs
    for _ in range(3):
        await asyncio.sleep(0.01)
        gc.collect()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "codeloop.db")


RunsFactory = Callable[..., RunContext]


@pytest.fixture
def make_runs(sandbox: IsolatedSandbox, store: Store) -> RunsFactory:
    def build(
        planner: Model, worker: Model | None = None, coder: Model | None = None, **budget: float
    ) -> RunContext:
        router = ModelRouter(
            {"planner": planner, "coder": coder or planner, "worker": worker or planner}
        )
        limits = BudgetSettings(**budget)
        return RunContext(
            router=router,
            sandbox=sandbox,
            store=store,
            budget=limits,
            policy=sandbox_policy,
        )

    return build
