"""A short version of benchmarks/sandbox_reliability.py: mixed hostile runs, no leaks."""

from __future__ import annotations

import pytest

from codeloop.sandbox import IsolatedSandbox, Limits
from tests.sandbox.conftest import resident_mb, wait_no_children

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOSTILE = [
    ("x = bytearray(10 ** 10)", "limit"),
    ("while True:\n    pass", "limit"),
    ("import time\ntime.sleep(30)", "limit"),
    ("def f():\n    f()\nf()", "limit"),
    ("raise SystemExit(3)", "error"),
    ("import os\nos._exit(1)", "error"),
]


async def test_mixed_runs_answer_correctly_and_leak_nothing() -> None:
    limits = Limits(cpu_s=0.3, wall_s=1.0, memory_mb=256)
    statuses: list[bool] = []
    async with IsolatedSandbox(limits=limits, pool_size=2, validate=False) as box:
        rss_before = resident_mb()
        for i in range(30):
            if i % 10 == 9:
                program, expected = HOSTILE[(i // 10) % len(HOSTILE)]
                result = await box.run(program)
                statuses.append(result.status == expected)
            else:
                result = await box.run(f"finish({i} * 2)")
                statuses.append(result.value == i * 2)
        rss_after = resident_mb()
    assert all(statuses)
    assert rss_after - rss_before < 50
    assert wait_no_children() == []
