"""A real HTTP server on loopback that plays an OpenAI-compatible chat endpoint badly on purpose.

Each request takes the next scripted behaviour: an error status (with headers), a slow answer, a
malformed body, a dropped connection, or a good completion.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Behaviour:
    kind: str  # ok | status | slow | malformed | drop
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    text: str = "hello"


OK = Behaviour("ok")


def completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }
    ).encode()


class FakeServer:
    def __init__(self, script: list[Behaviour], default: Behaviour = OK) -> None:
        self.script = list(script)
        self.default = default
        self.hits = 0
        self.bodies: list[dict[str, object]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()
        await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve requests on one keep-alive connection until the client or a behaviour ends it."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length)
                self.bodies.append(json.loads(body or b"{}"))
                behaviour = self.script.pop(0) if self.script else self.default
                self.hits += 1
                if not await self._respond(behaviour, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _respond(self, b: Behaviour, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must end."""
        if b.kind == "drop":
            writer.transport.abort()
            return False
        if b.delay_s:
            await asyncio.sleep(b.delay_s)
        if b.kind == "malformed":
            payload = b"{this is not json"
            status = 200
        elif b.kind == "status":
            payload = json.dumps({"error": {"message": f"status {b.status}", "type": "x"}}).encode()
            status = b.status
        else:
            payload = completion(b.text)
            status = 200
        headers = {
            "content-type": "application/json",
            "content-length": str(len(payload)),
            **b.headers,
        }
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode() + b"\r\n" + payload)
        await writer.drain()
        return True

    def __enter__(self) -> FakeServer:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


def main() -> None:
    """Run as its own process (``python -m tests.models.fake_server DELAY``): prints the port."""
    import sys

    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with FakeServer([], default=Behaviour("slow", delay_s=delay)) as server:
        print(server.port, flush=True)
        sys.stdin.read()


@contextmanager
def fake_server(script: list[Behaviour], default: Behaviour = OK) -> Iterator[FakeServer]:
    with FakeServer(script, default) as server:
        yield server


if __name__ == "__main__":
    main()
