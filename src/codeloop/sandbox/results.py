"""What comes back from the sandbox: plain data, parsed from size-capped JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ProcessResult", "RunError", "RunResult", "RunStatus", "RunUsage"]

RunStatus = Literal["finished", "error", "limit", "policy"]
LimitKind = Literal["cpu", "wall", "output"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunError(_Data):
    """Why a run did not finish: the feedback a model gets for its retry."""

    type: str
    message: str
    line: int | None = None
    traceback_tail: str = ""
    kind: str | None = Field(default=None, description="for limits: cpu, memory, wall, output, ...")
    rule: str | None = Field(default=None, description="for policy: the rule that was broken")


class RunUsage(_Data):
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    host_calls: dict[str, int] = Field(default_factory=dict)
    stdout_truncated: bool = False
    worker: Literal["warm", "cold", "session"] = "cold"


class RunResult(_Data):
    """One program run: ``status`` is the outcome, ``finished`` whether ``finish`` was called."""

    status: RunStatus
    value: Any = None
    finished: bool = False
    variables: dict[str, Any] = Field(default_factory=dict)
    stdout: str = ""
    error: RunError | None = None
    seconds: float = 0.0
    usage: RunUsage = Field(default_factory=RunUsage)

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    def feedback(self) -> str:
        """A short, deterministic message for the model's retry (empty when the run was fine)."""
        if self.error is None:
            return ""
        where = f"line {self.error.line}: " if self.error.line else ""
        if self.status == "policy":
            return f"policy: {self.error.message}"
        if self.status == "limit":
            return f"{self.error.kind or 'resource'} limit: {self.error.message}"
        return self.error.traceback_tail or f"{where}{self.error.type}: {self.error.message}"


class ProcessResult(_Data):
    """A command run in the sandbox (tests, compilers): its exit and capped output."""

    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float
    limit: LimitKind | None = None
    files: dict[str, str] = Field(default_factory=dict)
