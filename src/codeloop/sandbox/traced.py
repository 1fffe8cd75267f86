"""Every run a step in the store: a :class:`Sandbox` wrapper that records what each run did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from codeloop.sandbox.limits import Limits
from codeloop.sandbox.protocol import HostFunction, Sandbox, SandboxSession
from codeloop.sandbox.results import RunResult
from codeloop.store import Trace

__all__ = ["TracedSandbox"]

PROGRAM_PREVIEW = 4000


class TracedSandbox:
    """Records each run (and each session run) as a ``program_run`` step of ``trace``'s run."""

    def __init__(self, inner: Sandbox, trace: Trace, *, name: str = "program") -> None:
        self._inner = inner
        self._trace = trace
        self._name = name

    async def run(
        self,
        program: str,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
        return_vars: Sequence[str] = (),
    ) -> RunResult:
        result = await self._inner.run(
            program, context=context, host=host, limits=limits, return_vars=return_vars
        )
        await self.record(program, result)
        return result

    @asynccontextmanager
    async def session(
        self,
        *,
        context: Any = None,
        host: Mapping[str, HostFunction] | None = None,
        limits: Limits | None = None,
    ) -> AsyncIterator[SandboxSession]:
        async with self._inner.session(context=context, host=host, limits=limits) as inner:
            yield _TracedSession(inner, self)

    async def record(self, program: str, result: RunResult) -> None:
        await asyncio.to_thread(
            self._trace.record,
            "program_run",
            self._name,
            {"program": program[:PROGRAM_PREVIEW], "chars": len(program)},
            output=result.model_dump(mode="json"),
            error=result.feedback() or None,
            seconds=result.seconds,
        )


class _TracedSession:
    def __init__(self, inner: SandboxSession, owner: TracedSandbox) -> None:
        self._inner = inner
        self._owner = owner

    async def run(self, program: str, *, return_vars: Sequence[str] = ()) -> RunResult:
        result = await self._inner.run(program, return_vars=return_vars)
        await self._owner.record(program, result)
        return result
