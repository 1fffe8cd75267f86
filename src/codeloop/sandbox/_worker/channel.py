"""The worker's end of the frame channel: one writer lock, one reader thread, numbered calls."""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Any, BinaryIO

from . import wire


class HostCallError(Exception):
    """A host function failed or refused the call; the message comes from the host."""


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: dict[str, Any] = {}


class Channel:
    """Frames to and from the host. Commands go to :attr:`commands`; replies wake their caller."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self.commands: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def start(self) -> None:
        threading.Thread(target=self._read_loop, name="channel", daemon=True).start()

    def send(self, message: dict[str, Any]) -> None:
        frame = wire.encode(message)
        with self._lock:
            self._writer.write(frame)
            self._writer.flush()

    def call(self, name: str, kwargs: dict[str, Any]) -> Any:
        """Call a host function and block this thread until it answers."""
        call_id = next(self._ids)
        pending = _Pending()
        self._pending[call_id] = pending
        try:
            self.send({"type": "call", "id": call_id, "name": name, "kwargs": kwargs})
            pending.done.wait()
        finally:
            self._pending.pop(call_id, None)
        reply = pending.reply
        if not reply.get("ok"):
            raise HostCallError(str(reply.get("error", "host call failed")))
        return reply.get("value")

    def _read_loop(self) -> None:
        while True:
            try:
                message = wire.read_frame(self._reader)
            except (wire.FrameError, OSError):
                message = None
            if message is None:
                self.commands.put(None)
                for pending in list(self._pending.values()):
                    pending.reply = {"ok": False, "error": "host closed the channel"}
                    pending.done.set()
                return
            if message.get("type") == "reply":
                waiter = self._pending.get(message.get("id", -1))
                if waiter is not None:
                    waiter.reply = message
                    waiter.done.set()
            else:
                self.commands.put(message)
