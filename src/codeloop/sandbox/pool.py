"""A warm pool of started, locked-down workers, so a run costs a hand-over instead of a start.

A worker serves exactly one run (or one session) and is then killed: no state, no loaded module
patched by an earlier program, can reach the next run. The pool refills in the background.
"""

from __future__ import annotations

import asyncio
import contextlib

from codeloop.sandbox.worker import Worker, WorkerSpec
from codeloop.telemetry import logger

__all__ = ["WarmPool"]


class WarmPool:
    def __init__(self, spec: WorkerSpec, size: int) -> None:
        self.spec = spec
        self.size = size
        self._ready: list[Worker] = []
        self._refill: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def acquire(self) -> tuple[Worker, bool]:
        """A started worker and whether it came warm from the pool."""
        self._bind_loop()
        warm: Worker | None = None
        while self._ready:
            candidate = self._ready.pop(0)
            if candidate.alive:
                warm = candidate
                break
            await candidate.kill()
        self._schedule_refill()
        if warm is not None:
            return warm, True
        return await Worker.start(self.spec), False

    async def fill(self) -> None:
        """Start workers until the pool is full (used to pre-warm)."""
        self._bind_loop()
        self._schedule_refill()
        if self._refill is not None:
            await self._refill

    @property
    def ready(self) -> int:
        return sum(1 for w in self._ready if w.alive)

    def _schedule_refill(self) -> None:
        if self.size and not self._closed and (self._refill is None or self._refill.done()):
            self._refill = asyncio.create_task(self._fill_loop())

    async def _fill_loop(self) -> None:
        while not self._closed and len(self._ready) < self.size:
            try:
                worker = await Worker.start(self.spec)
            except Exception as exc:  # a failed start must not kill the pool; runs start cold
                logger.warning("sandbox pool could not start a worker: {}", exc)
                return
            if self._closed:
                await worker.kill()
                return
            self._ready.append(worker)

    def _bind_loop(self) -> None:
        """Workers belong to the event loop that started them; a new loop starts afresh."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            for worker in self._ready:
                worker.kill_now()
            self._ready.clear()
            self._refill = None
            self._loop = loop

    async def close(self) -> None:
        self._closed = True
        if self._refill is not None and not self._refill.done():
            self._refill.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refill
        workers, self._ready = self._ready, []
        for worker in workers:
            await worker.kill()
