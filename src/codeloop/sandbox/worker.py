"""The host's handle on one isolated worker process: start, run one program, kill.

The host trusts the worker only until the first program runs. After that, every frame is checked
against a small state machine: a frame that is too large, malformed or out of place ends the run
with a protocol error and the worker is killed, never reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from codeloop.errors import SandboxError
from codeloop.sandbox import _procfs
from codeloop.sandbox._worker import wire

__all__ = ["CallHandler", "Worker", "WorkerGone", "WorkerSpec"]

STDERR_KEEP = 8192
CPU_POLL_S = 0.02
READY_TIMEOUT_S = 60.0
MAX_OPEN_CALLS = 256
CallHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class WorkerGone(SandboxError):
    """The worker stopped answering: ``kind`` is cpu, wall, memory, output, crash or protocol."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class WorkerSpec:
    """How to start a worker: the full argv built by the launcher."""

    argv: tuple[str, ...]


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    layers: dict[str, str] = field(default_factory=dict)
    python_pid: int | None = None
    dead: bool = False
    _stderr: bytearray = field(default_factory=bytearray)
    _stderr_task: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, spec: WorkerSpec) -> Worker:
        process = await asyncio.create_subprocess_exec(
            *spec.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            limit=wire.MAX_FRAME,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        worker = cls(process)
        worker._stderr_task = asyncio.create_task(worker._drain_stderr())
        try:
            ready = await asyncio.wait_for(worker._read(65536), READY_TIMEOUT_S)
        except (TimeoutError, WorkerGone) as exc:
            await worker.kill()
            raise SandboxError(f"sandbox worker failed to start: {worker.stderr_tail()}") from exc
        except BaseException:
            worker.kill_now()
            raise
        if ready.get("type") != "ready":
            await worker.kill()
            raise SandboxError(f"sandbox worker sent {ready.get('type')!r} instead of ready")
        worker.layers = {str(k): str(v) for k, v in dict(ready.get("layers", {})).items()}
        worker.python_pid = _procfs.leaf_python(process.pid) or process.pid
        return worker

    @property
    def alive(self) -> bool:
        return not self.dead and self.process.returncode is None

    def cpu_seconds(self) -> float:
        if self.python_pid is None:
            return 0.0
        return _procfs.cpu_seconds(self.python_pid) or 0.0

    def stderr_tail(self) -> str:
        return self._stderr[-2000:].decode("utf-8", "replace").strip()

    async def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        if stdin is None or stdin.is_closing():
            raise WorkerGone("crash", "the worker's input is closed")
        try:
            stdin.write(wire.encode(message))
            await stdin.drain()
        except (ConnectionError, BrokenPipeError) as exc:
            raise WorkerGone("crash", "the worker exited") from exc

    async def run(
        self,
        request: dict[str, Any],
        *,
        on_call: CallHandler,
        frame_limit: int,
        wall_s: float,
        cpu_s: float,
        import_wall_s: float,
        trust_armed: bool,
    ) -> dict[str, Any]:
        """Send one run and serve its host calls until the result; raises :class:`WorkerGone`."""
        await self.send(request)
        if trust_armed:
            armed = await self._read_within(frame_limit, time.monotonic() + import_wall_s, None)
            if armed.get("type") != "armed":
                raise WorkerGone("protocol", "the worker broke the protocol before the program ran")
        deadline = time.monotonic() + wall_s
        cpu_limit = self.cpu_seconds() + cpu_s
        calls: set[asyncio.Task[None]] = set()
        try:
            while True:
                message = await self._read_within(frame_limit, deadline, cpu_limit)
                kind = message.get("type")
                if kind == "result":
                    return message
                if kind == "armed" and not trust_armed:
                    continue
                if kind != "call" or not isinstance(message.get("kwargs"), dict):
                    raise WorkerGone("protocol", f"unexpected frame from the worker: {kind!r}")
                if len(calls) >= MAX_OPEN_CALLS:
                    raise WorkerGone("protocol", f"more than {MAX_OPEN_CALLS} host calls at once")
                task = asyncio.create_task(self._serve(message, on_call))
                calls.add(task)
                task.add_done_callback(calls.discard)
        finally:
            for task in calls:
                task.cancel()

    async def _serve(self, message: dict[str, Any], on_call: CallHandler) -> None:
        reply = await on_call(str(message.get("name")), message["kwargs"])
        reply.update(type="reply", id=message.get("id"))
        with contextlib.suppress(WorkerGone):
            await self.send(reply)

    async def _read_within(
        self, limit: int, deadline: float, cpu_limit: float | None
    ) -> dict[str, Any]:
        read = asyncio.ensure_future(self._read(limit))
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerGone("wall", "wall-clock limit reached")
                done, _ = await asyncio.wait({read}, timeout=min(remaining, CPU_POLL_S * 5))
                if done:
                    return read.result()
                if cpu_limit is not None and self.cpu_seconds() > cpu_limit:
                    raise WorkerGone("cpu", "CPU-time limit reached")
        finally:
            if not read.done():
                read.cancel()

    async def _read(self, limit: int) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            header = await stdout.readexactly(wire.HEADER.size)
            (size,) = wire.HEADER.unpack(header)
            if size > limit:
                raise WorkerGone("output", f"the worker sent a {size}-byte frame (limit {limit})")
            body = await stdout.readexactly(size)
        except asyncio.IncompleteReadError as exc:
            raise WorkerGone("crash", "the worker exited") from exc
        try:
            return wire.decode(body)
        except wire.FrameError as exc:
            raise WorkerGone("protocol", str(exc)) from exc

    async def _drain_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        while chunk := await stderr.read(65536):
            self._stderr += chunk
            del self._stderr[:-STDERR_KEEP]

    async def kill(self) -> None:
        """SIGKILL the whole process group (the namespace dies with it) and reap it."""
        self.dead = True
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            await self.process.wait()
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._stderr_task, 1.0)

    def kill_now(self) -> None:
        """Synchronous kill for cleanup outside the event loop that started the worker."""
        self.dead = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
