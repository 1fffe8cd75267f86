from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codeloop.config import BatchSettings
from codeloop.errors import ExecutorError, LimitExceeded, MissingDependency
from codeloop.executors import (
    BatchRunner,
    BatchTask,
    Executor,
    LocalExecutor,
    RayExecutor,
    build_executor,
)
from codeloop.store import Store
from tests.executors import tasks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["local", "ray"])
async def executor(request: pytest.FixtureRequest) -> AsyncIterator[Executor]:
    if request.param == "ray":
        yield request.getfixturevalue("ray_executor")
    else:
        yield LocalExecutor(concurrency=3)


async def test_same_results_in_item_order(executor: Executor) -> None:
    items = list(range(40))
    assert await executor.map(tasks.digest, items) == [tasks.digest(n) for n in items]


async def test_async_functions(executor: Executor) -> None:
    assert await executor.map(tasks.async_square, [3, 1, 2]) == [9, 1, 4]


async def test_empty_batch(executor: Executor) -> None:
    assert await executor.map(tasks.digest, []) == []


@pytest.mark.parametrize(
    ("fn", "error", "message"),
    [
        (tasks.fail_on_three, ValueError, "item 3 is bad"),
        (tasks.limit_on_two, LimitExceeded, "took longer than 5s"),
    ],
)
async def test_an_items_own_exception_comes_back(
    executor: Executor, fn: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        await executor.map(fn, [0, 1, 2, 3, 4])  # type: ignore[arg-type]
    if isinstance(caught.value, LimitExceeded):
        assert caught.value.kind == "wall"


async def test_local_concurrency_is_bounded() -> None:
    running = 0
    most = 0

    async def track(_: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.005)
        running -= 1

    await LocalExecutor(concurrency=2).map(track, list(range(10)))
    assert most == 2


async def test_ray_runs_in_other_processes(ray_executor: RayExecutor) -> None:
    pids = set(await ray_executor.map(tasks.worker_pid, list(range(8))))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2  # two CPUs: at most two worker processes


async def test_a_dead_worker_is_an_executor_error(ray_executor: RayExecutor) -> None:
    with pytest.raises(ExecutorError, match="Ray lost a task"):
        await ray_executor.map(tasks.die, [0])
    assert await ray_executor.map(tasks.async_square, [5]) == [25]  # the cluster lives on


def test_missing_ray_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency, match=r"pip install 'codeloop\[ray\]'"):
        asyncio.run(RayExecutor().map(tasks.digest, [1]))


def test_build_executor_from_settings() -> None:
    local = build_executor(BatchSettings(concurrency=7))
    assert isinstance(local, LocalExecutor)
    assert local.concurrency == 7
    ray = build_executor(BatchSettings(backend="ray", ray_address="auto", ray_num_cpus=4))
    assert isinstance(ray, RayExecutor)
    assert (ray.address, ray.num_cpus) == ("auto", 4)


def test_local_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        LocalExecutor(0)


async def test_ray_gives_the_same_batch_results(tmp_path: Path, ray_executor: RayExecutor) -> None:
    store = Store(tmp_path / "codeloop.db")
    tasks_ = [BatchTask(id=f"t{i}", input=i) for i in range(12)]
    local = await BatchRunner(store, LocalExecutor(2)).run("digest", tasks_, tasks.digest)
    on_ray = await BatchRunner(store, ray_executor).run("digest-ray", tasks_, tasks.digest)
    assert on_ray.results == local.results == {f"t{i}": tasks.digest(i) for i in range(12)}
    store.close()
