"""Running checker tools (linters, compilers) as plain subprocesses on files in a temp dir.

Checkers read the generated code; they never execute it, so they do not need the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ToolOutput", "find_tool", "run_tool", "scratch_dir"]


@dataclass(frozen=True)
class ToolOutput:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def find_tool(name: str, *extra: Path) -> str | None:
    """The tool beside the running interpreter, in ``extra`` folders, or on ``PATH``."""
    for folder in (Path(sys.executable).parent, *extra):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


@contextlib.contextmanager
def scratch_dir(files: Mapping[str, str]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="codeloop-lang-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        yield root


async def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path,
    stdin: str | None = None,
    timeout_s: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> ToolOutput:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    data = stdin.encode() if stdin is not None else None
    try:
        out, err = await asyncio.wait_for(proc.communicate(data), timeout=timeout_s)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        return ToolOutput(124, out.decode(errors="replace"), "timed out", timeout_s)
    return ToolOutput(
        proc.returncode if proc.returncode is not None else -1,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        time.perf_counter() - started,
    )
