"""The embedded default: llama.cpp in-process through ``llama-cpp-python``.

A :class:`LlamaRuntime` loads each GGUF once per process and serialises calls to it (a llama.cpp
context is not safe to use from two threads). Generation runs in a worker thread and streams, so a
cancelled call (timeout, budget) stops generating at the next token.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeloop.errors import MissingDependency, ModelError
from codeloop.models.types import ModelRequest, ModelResponse, Usage

__all__ = ["LlamaRuntime", "LocalModel"]

_DONE = object()


@dataclass
class _Loaded:
    llama: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


class LlamaRuntime:
    """Process-wide holder of loaded llama.cpp models; build one at the edge and share it."""

    def __init__(self, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, min(os.cpu_count() or 1, 8))
        self._loaded: dict[Path, _Loaded] = {}
        self._lock = threading.Lock()
        self.load_seconds: dict[Path, float] = {}

    def get(self, path: Path) -> _Loaded:
        with self._lock:
            if path not in self._loaded:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise MissingDependency("llama-cpp-python", "pip install codeloop") from exc
                started = time.perf_counter()
                try:
                    llama = Llama(
                        model_path=str(path),
                        n_ctx=self.n_ctx,
                        n_threads=self.n_threads,
                        verbose=False,
                    )
                except (ValueError, RuntimeError) as exc:
                    raise ModelError(f"llama.cpp cannot load {path}: {exc}") from exc
                self.load_seconds[path] = time.perf_counter() - started
                self._loaded[path] = _Loaded(llama)
            return self._loaded[path]


class LocalModel:
    """``local:<name>``: a GGUF run in-process."""

    def __init__(self, name: str, path: Path, runtime: LlamaRuntime) -> None:
        self.name = name
        self._path = path
        self._runtime = runtime

    def _options(self, request: ModelRequest) -> dict[str, Any]:
        options: dict[str, Any] = {
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stop": list(request.stop) or None,
            "stream": True,
        }
        if request.seed is not None:
            options["seed"] = request.seed
        if request.json_schema is not None:
            options["response_format"] = {"type": "json_object", "schema": request.json_schema}
        return options

    def _generate(
        self, request: ModelRequest, cancel: threading.Event
    ) -> Iterator[str | tuple[str, Usage]]:
        loaded = self._runtime.get(self._path)
        with loaded.lock:
            finish = "stop"
            pieces = 0
            chunks = loaded.llama.create_chat_completion(**self._options(request))
            try:
                for chunk in chunks:
                    if cancel.is_set():
                        finish = "cancelled"
                        break
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content") or ""
                    if text:
                        pieces += 1
                        yield text
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
            finally:
                chunks.close()
            # the context now holds the templated prompt followed by the generated tokens
            prompt_tokens = max(0, int(loaded.llama.n_tokens) - pieces)
            yield finish, Usage(input_tokens=prompt_tokens, output_tokens=pieces)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        cancel = threading.Event()
        started = time.perf_counter()

        def put(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the caller's event loop is gone: stop generating
                cancel.set()

        def work() -> None:
            try:
                for item in self._generate(request, cancel):
                    put(item)
            except BaseException as exc:  # handed to the event loop, re-raised there
                put(exc)
            finally:
                put(_DONE)

        thread = threading.Thread(target=work, name=f"llama-{self.name}", daemon=True)
        thread.start()
        text: list[str] = []
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, str):
                    text.append(item)
                    yield item
                elif isinstance(item, tuple):
                    finish, usage = item
                    yield ModelResponse(
                        text="".join(text),
                        model=f"local:{self.name}",
                        usage=usage,
                        latency_s=time.perf_counter() - started,
                        finish_reason=finish,
                    )
        finally:
            cancel.set()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        async for item in self.stream(request):
            if isinstance(item, ModelResponse):
                return item
        raise ModelError(f"local model {self.name} ended without a response")
