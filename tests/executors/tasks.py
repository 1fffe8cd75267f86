"""Top-level task functions, importable by Ray workers."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time

from codeloop.errors import LimitExceeded


def digest(n: int) -> str:
    """A little CPU work with one right answer."""
    value = str(n).encode()
    for _ in range(2000):
        value = hashlib.sha256(value).digest()
    return value.hex()[:12]


async def async_square(n: int) -> int:
    await asyncio.sleep(0.001)
    return n * n


def fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError(f"item {n} is bad")
    return n


def limit_on_two(n: int) -> int:
    if n == 2:
        raise LimitExceeded("wall", "took longer than 5s")
    return n


def worker_pid(_: int) -> int:
    return os.getpid()


def die(_: int) -> int:
    os._exit(1)


def logged_square(n: int) -> int:
    """Square ``n``, appending it to the file in CODELOOP_TEST_LOG first (to count executions)."""
    with open(os.environ["CODELOOP_TEST_LOG"], "a") as log:
        log.write(f"{n}\n")
    time.sleep(0.05)
    return n * n


def flaky_once(n: int) -> int:
    """Fails the first time it sees an odd ``n`` (a marker file remembers), then succeeds."""
    marker = os.path.join(os.environ["CODELOOP_TEST_LOG"] + f".{n}")
    if n % 2 and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError(f"transient failure on {n}")
    return n * n
