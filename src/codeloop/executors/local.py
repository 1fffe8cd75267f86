"""The local executor: asyncio tasks in this process, a bounded number at a time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar, cast

from codeloop.executors.protocol import Task

__all__ = ["LocalExecutor", "call", "call_sync"]

T = TypeVar("T")
R = TypeVar("R")


async def call(fn: Task[T, R], item: T) -> R:
    """Await ``fn(item)`` for an async function; run a plain one in a worker thread."""
    if inspect.iscoroutinefunction(fn):
        return await cast(Awaitable[R], fn(item))
    return await asyncio.to_thread(cast(Any, fn), item)


def call_sync(fn: Task[T, R], item: T) -> R:
    """``fn(item)`` from synchronous code: an async function gets its own event loop."""
    if inspect.iscoroutinefunction(fn):
        return asyncio.run(cast(Any, fn)(item))  # type: ignore[no-any-return]
    return cast(R, fn(item))


class LocalExecutor:
    """Runs items concurrently in this process: ``concurrency`` at a time."""

    name = "local"

    def __init__(self, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency

    async def map(self, fn: Task[T, R], items: Sequence[T]) -> list[R]:
        limit = asyncio.Semaphore(self.concurrency)

        async def one(item: T) -> R:
            async with limit:
                return await call(fn, item)

        outcomes = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
        return _results(outcomes)

    async def aclose(self) -> None:
        return


def _results(outcomes: Sequence[Any]) -> list[Any]:
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return list(outcomes)
