"""run_process: generated code's tests under the same OS isolation, with exec allowed."""

from __future__ import annotations

import json
import shutil

import pytest

from codeloop.sandbox import Limits
from codeloop.sandbox.process import run_process
from tests.sandbox.conftest import SECRET, Canaries

MODULE = "def add(a, b):\n    if a > 100:\n        return 0\n    return a + b\n"
TESTS = "from mod import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


async def test_pytest_with_branch_coverage(tmp_path: object) -> None:
    files = {"mod.py": MODULE, "test_mod.py": TESTS}
    argv = ["sh", "-c", "python -m coverage run --branch -m pytest -q -p no:cacheprovider"
            " && python -m coverage json -q -o cov.json"]  # fmt: skip
    result = await run_process(argv, files=files, collect=["cov.json"])
    assert result.exit_code == 0, result.stderr
    assert "1 passed" in result.stdout
    summary = json.loads(result.files["cov.json"])["files"]["mod.py"]["summary"]
    assert (summary["covered_lines"], summary["missing_lines"]) == (3, 1)


async def test_failing_test_gives_exit_code_one() -> None:
    result = await run_process(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        files={"test_x.py": "def test_x():\n    assert 1 == 2\n"},
    )
    assert result.exit_code == 1
    assert "1 failed" in result.stdout
    assert result.limit is None


async def test_no_network_no_secrets_unprivileged(canaries: Canaries) -> None:
    script = (
        f"id -u; cat {canaries.secret_file} || echo no-secret; env | grep -c OPENAI || true;"
        f" python -c \"import socket; socket.create_connection(('127.0.0.1', {canaries.port}))\""
        " 2>&1 | tail -1"
    )
    result = await run_process(["sh", "-c", script], files={})
    lines = result.stdout.splitlines()
    assert lines[0] == "65533"
    assert lines[1] == "no-secret"
    assert lines[2] == "0"
    assert lines[3] == "PermissionError: [Errno 1] Operation not permitted"
    assert SECRET not in result.stdout + result.stderr
    assert canaries.connections == []


async def test_fork_bomb_and_wall_deadline_are_contained() -> None:
    limits = Limits(wall_s=2.0, cpu_s=2.0, memory_mb=256, processes=64)
    bomb = await run_process(
        ["bash", "-c", "f() { f | f & }; f; sleep 30"], files={}, limits=limits
    )
    assert bomb.limit == "wall"
    assert bomb.exit_code is None
    assert bomb.seconds < 4
    from tests.sandbox.conftest import wait_no_children

    assert wait_no_children() == []


async def test_files_cannot_escape_the_working_directory() -> None:
    from codeloop.errors import UserInputError

    with pytest.raises(UserInputError, match="leaves the working directory"):
        await run_process(["true"], files={"../evil.py": "x"})


async def test_bytes_files_are_executable() -> None:
    result = await run_process(["./run.sh"], files={"run.sh": b"#!/bin/sh\necho ran as $(id -u)\n"})
    assert (result.exit_code, result.stdout) == (0, "ran as 65533\n")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_node_test_runner_can_spawn_its_children() -> None:
    test = "const t = require('node:test');\nt.test('one', () => {});\n"
    result = await run_process(["node", "--test"], files={"a.test.js": test})
    assert result.exit_code == 0, result.stdout
    assert "# pass 1" in result.stdout
