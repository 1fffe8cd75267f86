from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeloop.executors import RayExecutor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ray_executor() -> Iterator[RayExecutor]:
    """One private local Ray (2 CPUs) for every test that needs it; workers import the tests."""
    executor = RayExecutor(
        num_cpus=2,
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}},
    )
    yield executor
    asyncio.run(executor.aclose())
