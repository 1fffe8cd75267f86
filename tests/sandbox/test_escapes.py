"""The escape suite: every attempt runs twice, with the validator on and with it off.

With the validator off, only the OS layers (bubblewrap, uid, seccomp, Landlock, rlimits, the
host watchdog) stand between the program and the canaries.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from codeloop.sandbox import IsolatedSandbox, RunResult
from tests.sandbox.conftest import (
    ESCAPE,
    FAKE_KEY,
    SECRET,
    Canaries,
    resident_mb,
    wait_no_children,
)
from tests.sandbox.escapes import ATTEMPTS, Attempt

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def echo(instruction: str, data: str = "", **_: Any) -> str:
    return f"{instruction}:{len(data)}"


async def restore(name: str) -> Any:
    return None


async def checkpoint(name: str, value: Any) -> None:
    return None


HOST = {"llm_query": echo, "restore": restore, "checkpoint": checkpoint}


@pytest.fixture(scope="module")
def rss_before_suite() -> float:
    return resident_mb()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def boxes(
    canaries: Canaries, rss_before_suite: float
) -> AsyncIterator[dict[bool, IsolatedSandbox]]:
    on = IsolatedSandbox(limits=ESCAPE, pool_size=1, validate=True)
    off = IsolatedSandbox(limits=ESCAPE, pool_size=2, validate=False)
    try:
        yield {True: on, False: off}
    finally:
        await on.aclose()
        await off.aclose()


def program_for(attempt: Attempt, canaries: Canaries) -> str:
    return (
        attempt.program.replace("SECRET_PATH", str(canaries.secret_file))
        .replace("HOST_HOME", str(canaries.home))
        .replace("PORT", str(canaries.port))
    )


@pytest.mark.parametrize("validate", [True, False], ids=["validator-on", "validator-off"])
@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
async def test_escape_attempt_is_contained(
    attempt: Attempt, validate: bool, boxes: dict[bool, IsolatedSandbox], canaries: Canaries
) -> None:
    before = len(canaries.connections)
    result: RunResult = await boxes[validate].run(program_for(attempt, canaries), host=HOST)
    expected = attempt.on if validate else attempt.off
    dumped = result.model_dump_json()
    assert result.status in expected, dumped[:1500]
    assert not canaries.reached(dumped), dumped[:1500]
    assert len(canaries.connections) == before
    if result.status in ("policy", "limit", "error"):
        assert result.error is not None
        assert result.error.message


async def test_suite_is_large_and_covers_every_family() -> None:
    families = {a.family for a in ATTEMPTS}
    assert len(ATTEMPTS) >= 60
    assert {"imports", "introspection", "evasion", "resources", "filesystem", "network",
            "processes", "protocol"} <= families  # fmt: skip


async def test_host_is_healthy_after_the_suite(
    boxes: dict[bool, IsolatedSandbox], rss_before_suite: float
) -> None:
    result = await boxes[False].run("finish(sum(range(10)))")
    assert (result.status, result.value) == ("finished", 45)
    # the 146 hostile runs (memory bombs, floods) must not have grown the host
    assert resident_mb() - rss_before_suite < 256
    for box in boxes.values():
        await box.aclose()
    assert wait_no_children() == []


async def test_canaries_are_planted(canaries: Canaries) -> None:

    assert os.environ["OPENAI_API_KEY"] == FAKE_KEY
    assert canaries.secret_file.read_text() == SECRET
    assert os.environ["HOME"] == str(canaries.home)
