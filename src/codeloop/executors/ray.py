"""The Ray executor: the same ``map`` on a Ray cluster, a private local one by default.

Each item is one Ray task running ``fn(item)`` in a worker process (``asyncio.run`` for an async
``fn``). The item's own exception comes back as itself; a lost worker or node becomes
:class:`~codeloop.errors.ExecutorError`. Ray is optional: ``pip install 'codeloop[ray]'``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar, cast

from codeloop.errors import ConfigError, ExecutorError, MissingDependency
from codeloop.executors.local import _results, call_sync
from codeloop.executors.protocol import Task

__all__ = ["RayExecutor", "run_item"]

T = TypeVar("T")
R = TypeVar("R")
_INSTALL = "pip install 'codeloop[ray]'"


def run_item(fn: Task[T, R], item: T) -> R:
    """What a Ray worker runs for one item."""
    return call_sync(fn, item)


class RayExecutor:
    """Runs items as Ray tasks; at most ``max_in_flight`` are submitted at once.

    ``address=None`` starts a private Ray on this machine (``num_cpus`` workers) and stops it on
    ``aclose()``; ``address="auto"`` or ``"ray://head:10001"`` joins a running cluster and leaves
    it running. ``runtime_env`` is passed to ``ray.init`` (e.g. ``{"env_vars": {...}}``).
    """

    name = "ray"

    def __init__(
        self,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        max_in_flight: int = 1000,
        cpus_per_task: float = 1.0,
        runtime_env: Mapping[str, Any] | None = None,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_in_flight = max_in_flight
        self.cpus_per_task = cpus_per_task
        self.runtime_env = dict(runtime_env) if runtime_env else None
        self._started = False
        self._remote: Any = None

    def _ray(self) -> Any:
        try:
            import ray
        except ImportError as exc:
            raise MissingDependency("Ray", _INSTALL) from exc
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if self.address is None:
                options["num_cpus"] = self.num_cpus
            else:
                options["address"] = self.address
            if self.runtime_env:
                options["runtime_env"] = self.runtime_env
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray"
                raise ConfigError(f"cannot start or join {where}: {exc}") from exc
            self._started = self.address is None
        if self._remote is None:
            self._remote = ray.remote(num_cpus=self.cpus_per_task, max_retries=0)(run_item)
        return ray

    async def map(self, fn: Task[T, R], items: Sequence[T]) -> list[R]:
        ray = self._ray()
        from ray.exceptions import RayError, RayTaskError

        limit = asyncio.Semaphore(self.max_in_flight)
        fn_ref = ray.put(fn)

        async def one(item: T) -> R:
            async with limit:
                try:
                    return cast(R, await cast(Awaitable[Any], self._remote.remote(fn_ref, item)))
                except RayTaskError as exc:
                    cause = exc.cause
                    if isinstance(cause, BaseException):
                        raise cause from None
                    raise ExecutorError(f"a Ray task failed: {exc}") from exc
                except RayError as exc:
                    raise ExecutorError(f"Ray lost a task: {type(exc).__name__}: {exc}") from exc

        outcomes = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
        return _results(outcomes)

    async def aclose(self) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
        self._remote = None
