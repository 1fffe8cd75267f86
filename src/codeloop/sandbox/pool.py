"""A warm pool of started, locked-down workers, so a run costs a hand-over instead of a start.

A worker serves exactly one run (or one session) and is then killed: no state, no loaded module
patched by an earlier program, can reach the next run. The pool refills in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from codeloop.sandbox.worker import Worker, WorkerSpec
from codeloop.telemetry import logger

__all__ = ["WarmPool"]


class WarmPool:
    """``size`` idle workers kept started; at most ``max_active`` runs hold a worker at once."""

    def __init__(self, spec: WorkerSpec, size: int, *, max_active: int = 8) -> None:
        self.spec = spec
        self.size = size
        self.max_active = max_active
        self._slots: asyncio.Semaphore | None = None
        self._ready: list[Worker] = []
        self._refill: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._reaping: set[asyncio.Task[None]] = set()

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
        if warm is not None:
            return warm, True
        return await Worker.start(self.spec), False

    def release(self, worker: Worker) -> None:
        """Kill a used worker in the background (off the caller's latency) and refill the pool."""
        worker.dead = True
        task = asyncio.create_task(worker.kill())
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)
        self._schedule_refill()

    async def fill(self) -> None:
        """Start workers until the pool is full (used to pre-warm)."""
        self._bind_loop()
        self._schedule_refill()
        if self._refill is not None:
            await self._refill

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for one of ``max_active`` run slots: a burst of runs cannot start unbounded
        processes (each may use its full memory limit)."""
        self._bind_loop()
        assert self._slots is not None
        async with self._slots:
            yield

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
            self._slots = asyncio.Semaphore(self.max_active)
            self._loop = loop

    async def close(self) -> None:
        self._closed = True
        if self._refill is not None and not self._refill.done():
            with contextlib.suppress(asyncio.CancelledError):
                await self._refill  # a start in progress finishes and is killed, not orphaned
        workers, self._ready = self._ready, []
        for worker in workers:
            await worker.kill()
        if self._reaping:
            await asyncio.gather(*self._reaping)
