"""Blocking forms of the async functions, for scripts and notebooks without an event loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from codeloop.errors import UserInputError

__all__ = ["blocking"]

P = ParamSpec("P")
T = TypeVar("T")


def blocking(function: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """``function`` run to completion on a new event loop (refused inside a running one, where
    it would deadlock: there, ``await`` the async form)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(function(*args, **kwargs))
        raise UserInputError(
            f"{function.__name__}_sync was called inside a running event loop:"
            f" use `await codeloop.api.{function.__name__}(...)` there"
        )

    run.__name__ = f"{function.__name__}_sync"
    run.__qualname__ = run.__name__
    run.__doc__ = f"Blocking form of :func:`{function.__name__}`.\n\n{function.__doc__ or ''}"
    return run
