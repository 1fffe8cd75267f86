"""The services other layers depend on: a sandbox and its REPL-style sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

from codeloop.sandbox.limits import Limits
from codeloop.sandbox.results import RunResult

__all__ = ["HostFunction", "Sandbox", "SandboxSession"]

HostFunction = Callable[..., Awaitable[Any]]
"""A host-side async function a program calls through an RPC stub; JSON-able arguments and result.

It is called with keyword arguments named as in ``codeloop.sandbox.primitives.HOST_PARAMS``.
"""


@runtime_checkable
class SandboxSession(Protocol):
    """A persistent namespace: variables survive from one run to the next."""

    async def run(self, program: str, *, return_vars: Sequence[str] = ()) -> RunResult: ...


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted programs; every outcome, including limits and refusals, is a result."""

    async def run(
        self,
        program: str,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
        return_vars: Sequence[str] = (),
    ) -> RunResult: ...

    def session(
        self,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
    ) -> AbstractAsyncContextManager[SandboxSession]: ...
