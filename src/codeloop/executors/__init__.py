"""Executors: where batch work and ``map_async`` fan-out run — in this process
(:class:`LocalExecutor`) or on a Ray cluster (:class:`RayExecutor`), with the same results."""

from __future__ import annotations

from codeloop.config import BatchSettings
from codeloop.executors.batch import BatchReport, BatchRunner, BatchTask, TaskResult
from codeloop.executors.local import LocalExecutor
from codeloop.executors.protocol import Executor, Task
from codeloop.executors.ray import RayExecutor

__all__ = [
    "BatchReport",
    "BatchRunner",
    "BatchTask",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "Task",
    "TaskResult",
    "build_executor",
]


def build_executor(settings: BatchSettings) -> Executor:
    """The executor the settings name; Ray is imported only when it is first used."""
    if settings.backend == "ray":
        return RayExecutor(
            address=settings.ray_address,
            num_cpus=settings.ray_num_cpus,
            max_in_flight=max(settings.concurrency, 1) * 64,
        )
    return LocalExecutor(settings.concurrency)
