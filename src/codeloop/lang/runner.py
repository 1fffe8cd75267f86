"""How generated code is executed: a :class:`Runner` runs one command on a set of files, isolated.

The signature matches the sandbox's ``run_process``; :class:`BwrapRunner` is a small stand-in
built on bubblewrap (no network, read-only system, rlimits, wall-clock kill) used until the sandbox
package provides the real one. Linters and compilers never go through a runner: they do not execute
the generated code. Test runs always do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import IsolationUnavailable

__all__ = ["BwrapRunner", "ProcessLimits", "ProcessResult", "Runner"]

WORKDIR = "/work/run"


class ProcessLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_s: float = Field(default=20.0, gt=0)
    cpu_s: int = Field(default=20, ge=1)
    memory_mb: int = Field(default=1024, ge=64)
    output_bytes: int = Field(default=200_000, ge=1024)
    file_mb: int = Field(default=64, ge=1)


class ProcessResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exit_code: int
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    limit_hit: str | None = None


class Runner(Protocol):
    """Runs ``argv`` in a fresh scratch directory holding ``files``; never on the bare host."""

    async def run_process(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str],
        limits: ProcessLimits,
    ) -> ProcessResult: ...


def _set_rlimits(limits: ProcessLimits) -> None:  # pragma: no cover - runs in the child
    mem = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s))
    size = limits.file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class BwrapRunner:
    """bubblewrap: namespaces unshared, system and interpreter read-only, scratch dir writable."""

    def __init__(
        self, read_only: Sequence[Path] = (), env: Mapping[str, str] | None = None
    ) -> None:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise IsolationUnavailable("bubblewrap is not installed: apt-get install -y bubblewrap")
        self._bwrap = bwrap
        prefixes = {Path(sys.prefix), Path(sys.base_prefix), *read_only}
        self._read_only = sorted(str(p) for p in prefixes if p.exists())
        self._env = dict(env or {})

    def _argv(self, scratch: str, argv: Sequence[str]) -> list[str]:
        cmd = [self._bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
        cmd += ["--cap-drop", "ALL", "--clearenv"]
        for path in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives"):
            cmd += ["--ro-bind-try", path, path]
        for path in self._read_only:
            cmd += ["--ro-bind", path, path]
        cmd += ["--bind", scratch, WORKDIR, "--chdir", WORKDIR]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp"}
        env |= {"PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"} | self._env
        for key, value in env.items():
            cmd += ["--setenv", key, value]
        return [*cmd, *argv]

    async def run_process(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str],
        limits: ProcessLimits,
    ) -> ProcessResult:
        with tempfile.TemporaryDirectory(prefix="codeloop-run-") as scratch:
            for name, text in files.items():
                target = Path(scratch) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                *self._argv(scratch, argv),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                preexec_fn=lambda: _set_rlimits(limits),
            )
            limit_hit: str | None = None
            try:
                out, err = await asyncio.wait_for(proc.communicate(), timeout=limits.wall_s)
            except TimeoutError:
                limit_hit = "wall"
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                out, err = await proc.communicate()
            seconds = time.perf_counter() - started
            code = proc.returncode if proc.returncode is not None else -9
            if limit_hit is None and code in (-signal.SIGXCPU, -signal.SIGKILL):
                limit_hit = "cpu"
            if len(out) + len(err) > limits.output_bytes:
                limit_hit = limit_hit or "output"
        cap = limits.output_bytes
        return ProcessResult(
            exit_code=code,
            stdout=out[:cap].decode("utf-8", "replace"),
            stderr=err[:cap].decode("utf-8", "replace"),
            seconds=seconds,
            limit_hit=limit_hit,
        )
