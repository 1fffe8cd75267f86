from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from codeloop.executors import RayExecutor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    """A private local Ray (2 CPUs); workers import the tests. Module-scoped: Ray's processes
    are this process's children, and later tests check that none are left."""
    executor = RayExecutor(
        num_cpus=2,
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}},
    )
    yield executor
    asyncio.run(executor.aclose())
    deadline = time.monotonic() + 15
    while left := [p for p in psutil.Process().children(recursive=True) if p.is_running()]:
        assert time.monotonic() < deadline, f"Ray left processes behind: {left}"
        psutil.wait_procs(left, timeout=0.5)
