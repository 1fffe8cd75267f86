"""How generated code is executed: a :class:`Runner` runs one command on a set of files, isolated.

:class:`SandboxRunner` delegates to the sandbox's ``run_process`` (bubblewrap namespaces, no
network, an unprivileged uid, seccomp, rlimits, a wall-clock kill). Linters and compilers never go
through a runner: they do not execute the generated code. Test runs always do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from codeloop.sandbox import Limits, run_process

__all__ = ["ProcessLimits", "ProcessResult", "Runner", "SandboxRunner"]


class ProcessLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_s: float = Field(default=20.0, gt=0)
    cpu_s: int = Field(default=20, ge=1)
    memory_mb: int = Field(default=2048, ge=64)
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


class SandboxRunner:
    """The real sandbox; ``read_only`` toolchains (the Rust sysroot) are mounted at their paths."""

    def __init__(
        self, read_only: Sequence[Path] = (), env: Mapping[str, str] | None = None
    ) -> None:
        self._read_only = tuple(read_only)
        self._env = dict(env or {})

    async def run_process(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str],
        limits: ProcessLimits,
    ) -> ProcessResult:
        result = await run_process(
            argv,
            files=dict(files),
            limits=Limits(
                wall_s=limits.wall_s,
                cpu_s=float(limits.cpu_s),
                memory_mb=limits.memory_mb,
                output_bytes=limits.output_bytes,
                file_mb=limits.file_mb,
            ),
            read_only=self._read_only,
            env={"PYTHONDONTWRITEBYTECODE": "1", **self._env},
        )
        return ProcessResult(
            exit_code=result.exit_code if result.exit_code is not None else -9,
            stdout=result.stdout,
            stderr=result.stderr,
            seconds=result.seconds,
            limit_hit=result.limit,
        )
