"""The function an executor runs for each task of a batch (``gen --batch``, ``bench``).

It is picklable: the work function and the settings travel to Ray workers. The llama.cpp runtime
is built in each worker process on first use and shared by every task that process runs, so a
local batch loads the embedded model once, not once per task (four copies at once, each with its
own threads, was what concurrency 4 used to mean on a two-core machine).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from codeloop.config import Settings
from codeloop.lang import Runner, RustSupport, SandboxRunner
from codeloop.models import ModelFactory
from codeloop.models.backends.local import LlamaRuntime

__all__ = ["Work", "WorkerTask"]

Work = Callable[[Settings, ModelFactory, Runner, dict[str, Any]], Awaitable[dict[str, Any]]]


class WorkerTask:
    """``task_json -> result_json`` for an executor: ``work`` with services built in the worker."""

    def __init__(self, work: Work, settings: Settings) -> None:
        self._work = work
        self._settings = settings.model_dump(mode="json")
        self._runtime: LlamaRuntime | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"work": self._work, "settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._work = state["work"]
        self._settings = state["settings"]
        self._runtime = None
        self._lock = threading.Lock()

    def runtime(self, settings: Settings) -> LlamaRuntime:
        """This process's llama.cpp runtime (created on first use; models load on first call)."""
        with self._lock:
            if self._runtime is None:
                self._runtime = LlamaRuntime(
                    n_ctx=settings.models.local_context, n_threads=settings.models.local_threads
                )
            return self._runtime

    def __call__(self, task_json: dict[str, Any]) -> dict[str, Any]:
        settings = Settings.model_validate(self._settings)
        return asyncio.run(self._run(settings, task_json))

    async def _run(self, settings: Settings, task_json: dict[str, Any]) -> dict[str, Any]:
        factory = ModelFactory(
            settings.models, model_dir=settings.model_dir, runtime=self.runtime(settings)
        )
        try:
            runner = SandboxRunner(read_only=RustSupport().runtime_paths())
            return await self._work(settings, factory, runner, task_json)
        finally:
            await factory.aclose()
