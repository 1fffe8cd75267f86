"""What a Scheme program may reach outside itself: the same primitives a Python program gets.

The evaluator has no file, network or foreign-function access of its own; every effect goes through
a :class:`SchemeHost` that the caller binds to a sandbox session and a model.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["QueryArgs", "SchemeHost", "SchemeLimits"]


class QueryArgs(BaseModel):
    """Arguments of ``llm-query`` and ``unsafe-raw-query`` (``#:instruction``, ``#:data``, ...)."""

    model_config = ConfigDict(extra="forbid")

    instruction: str
    data: str = ""
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    system: str | None = None


class SchemeLimits(BaseModel):
    """Bounds on one Scheme program: evaluation steps, nesting depth and printed output."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(default=2_000_000, ge=1)
    max_depth: int = Field(default=300, ge=10)
    max_output_chars: int = Field(default=1_000_000, ge=1)
    max_concurrency: int = Field(default=8, ge=1)


class SchemeHost(Protocol):
    """Host side of the seed primitives; values crossing it are JSON-like."""

    async def py_exec(self, code: str) -> str:
        """Run Python in the program's sandbox session; return what it printed."""
        ...

    async def py_eval(self, expression: str) -> Any:
        """Evaluate a Python expression in the session; return its value as JSON-like data."""
        ...

    async def py_set(self, name: str, value: Any) -> None:
        """Bind ``name`` in the session to ``value``."""
        ...

    async def query(self, args: QueryArgs) -> str:
        """Call a model (its name resolved through the alias table) and return its text."""
        ...

    async def checkpoint(self, name: str, value: Any) -> None:
        """Save ``value`` under ``name`` for this run."""
        ...

    async def restore(self, name: str) -> Any:
        """The value saved under ``name``, or ``None``."""
        ...
