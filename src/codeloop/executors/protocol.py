"""The ``Executor`` protocol: run one function over many items, somewhere, in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

__all__ = ["Executor", "Task"]

T = TypeVar("T")
R = TypeVar("R")

# A top-level (picklable) function of one item: plain or ``async``.
Task = Callable[[T], R] | Callable[[T], Awaitable[R]]


class Executor(Protocol):
    """Where batch work and ``map_async`` fan-out run.

    ``map`` returns one result per item, in item order, whatever order they finish in. An item
    whose function raises makes ``map`` raise that same exception (the first by item index) once
    every item has finished, so no work is left running. ``fn`` must be a top-level function
    (backends may pickle it and run it in other processes or on other machines).
    """

    name: str

    async def map(self, fn: Task[T, R], items: Sequence[T]) -> list[R]: ...

    async def aclose(self) -> None: ...
