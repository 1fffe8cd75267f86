"""A client for ``tools/ts/tscd.mjs``: one long-lived node process that type-checks, compiles and
formats TypeScript, so that a check costs a fraction of a second instead of a tsc start (node's
start plus parsing the lib and @types declarations: seconds).

The process is a plain subprocess driven from worker threads, not an asyncio subprocess: a
language plugin outlives event loops (pytest gives each test its own; the CLI may call
``asyncio.run`` more than once) and an asyncio transport cannot be closed once its loop is gone.
A lock serialises requests, and a request whose caller was cancelled still completes in its
thread, so replies never get out of step with requests. Any failure (the process died, timed
out, or answered nonsense) answers ``None`` — the caller then runs the CLI — and the next request
starts a fresh process; after ``max_failures`` failures the daemon stays off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import selectors
import subprocess
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, ValidationError

from codeloop.telemetry import logger

__all__ = ["TscDaemon", "TscOutput"]


@dataclass(frozen=True)
class TscOutput:
    """What ``tsc FLAGS files`` would have printed, the JavaScript it would have written to its
    output folder (by path relative to it), and the seconds the request took."""

    output: str
    emitted: dict[str, str]
    seconds: float


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None
    output: str | None = None
    emitted: dict[str, str] | None = None
    formatted: str | None = None
    error: str | None = None


class _DaemonFailed(Exception):
    """The process did not answer a request properly (internal: turned into ``None``)."""


class TscDaemon:
    """``node SCRIPT MODULES FLAGS...``, started on the first request, one request at a time."""

    def __init__(
        self,
        node: str,
        script: Path,
        modules: Path,
        flags: Sequence[str],
        *,
        timeout_s: float = 120.0,
        max_failures: int = 3,
    ) -> None:
        self._argv = [node, str(script), str(modules), *flags]
        self._timeout_s = timeout_s
        self._max_failures = max_failures
        self._failures = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop: weakref.finalize[[subprocess.Popen[bytes]], TscDaemon] | None = None
        self._buffer = b""
        self._next_id = 0
        self._closed = False

    @property
    def available(self) -> bool:
        """False once closed or given up on after repeated failures."""
        return not self._closed and self._failures < self._max_failures

    @property
    def pid(self) -> int | None:
        """The running process's id; ``None`` before the first request and after it ended."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    async def check(self, files: Mapping[str, str]) -> TscOutput | None:
        started = time.perf_counter()
        reply = await self._ask({"op": "check", "files": dict(files)})
        if reply is None or reply.output is None or reply.emitted is None:
            return None
        return TscOutput(reply.output, reply.emitted, time.perf_counter() - started)

    async def format(self, text: str, filepath: str) -> str | None:
        """Prettier's output for ``text``, or ``text`` itself where prettier refuses it (a syntax
        error); ``None`` only if the daemon failed."""
        reply = await self._ask({"op": "format", "text": text, "filepath": filepath})
        if reply is None:
            return None
        return reply.formatted if reply.formatted and reply.formatted.strip() else text

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        """End the process (stdin closed, then killed if it lingers); later requests answer None."""
        with self._lock:
            self._closed = True
            self._discard()

    async def _ask(self, request: dict[str, object]) -> _Reply | None:
        if not self.available:
            return None
        return await asyncio.to_thread(self._roundtrip, request)

    def _roundtrip(self, request: dict[str, object]) -> _Reply | None:
        with self._lock:
            if not self.available:
                return None
            try:
                return self._exchange(request)
            except (_DaemonFailed, OSError) as exc:
                self._failures += 1
                logger.bind(tool="tscd").warning(
                    "TypeScript daemon failed ({}); using the tsc CLI for this request", exc
                )
                self._discard()
                return None

    def _exchange(self, request: dict[str, object]) -> _Reply:
        proc = self._running()
        self._next_id += 1
        line = json.dumps({"id": self._next_id, **request}) + "\n"
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(line.encode())
        proc.stdin.flush()
        answer = self._read_line(proc.stdout, time.monotonic() + self._timeout_s)
        try:
            reply = _Reply.model_validate_json(answer)
        except ValidationError as exc:
            raise _DaemonFailed(f"unreadable reply {answer[:200]!r}") from exc
        if reply.id != self._next_id:
            raise _DaemonFailed(f"reply {reply.id} to request {self._next_id}")
        if reply.error is not None and request["op"] != "format":
            raise _DaemonFailed(reply.error[:500])
        return reply

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._discard()
        proc = subprocess.Popen(
            self._argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._proc = proc
        self._stop = weakref.finalize(self, _stop_process, proc)
        return proc

    def _read_line(self, stream: IO[bytes], deadline: float) -> bytes:
        fd = stream.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise _DaemonFailed(f"no reply within {self._timeout_s:.0f} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise _DaemonFailed("the process exited")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _discard(self) -> None:
        if self._stop is not None:
            self._stop()
        self._proc = None
        self._stop = None
        self._buffer = b""


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Close stdin (the daemon exits at EOF); kill it if it has not gone within two seconds."""
    if proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
