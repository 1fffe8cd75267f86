"""codeloop's one exception tree.

Every error says who must act. Foreign exceptions (SDK, OS, sqlite) are translated at the boundary
where they occur and chained with ``raise ... from``.

::

    CodeloopError                      root; never raised itself
    ├── UserInputError                 the user: bad request, option or file (message names the fix)
    ├── ConfigError                    the operator: settings or installation
    │   └── MissingDependency          the operator: a missing package or tool (has the install)
    ├── StoreError                     the operator: the SQLite store cannot be read or written
    ├── ModelError                     the provider or the model
    │   ├── ModelHTTPError             an HTTP status from the provider (status, retry_after)
    │   ├── ModelTimeout               no answer within the timeout
    │   ├── ModelConnectionError       connection refused or dropped
    │   ├── ModelResponseError         an answer that cannot be parsed
    │   ├── ReplayMiss                 a replay cassette has no recording for this request
    │   └── BudgetExceeded             a call/token/cost/seconds budget ran out (kind, limit, used)
    ├── SandboxError                   model-written code did something the sandbox refuses
    │   ├── PolicyViolation            the validator refused the program (line, rule, allowed)
    │   ├── ExecutionFailed            the program raised (traceback_tail: the program's own frames)
    │   ├── LimitExceeded              a resource limit was hit (kind: cpu, memory, wall, output...)
    │   └── IsolationUnavailable       no OS isolation on this machine and ``unsafe`` was not given
    └── ValidationFailed               generated code failed its checks (diagnostics)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "BudgetExceeded",
    "CodeloopError",
    "ConfigError",
    "ExecutionFailed",
    "IsolationUnavailable",
    "LimitExceeded",
    "MissingDependency",
    "ModelConnectionError",
    "ModelError",
    "ModelHTTPError",
    "ModelResponseError",
    "ModelTimeout",
    "PolicyViolation",
    "ReplayMiss",
    "SandboxError",
    "StoreError",
    "UserInputError",
    "ValidationFailed",
]


class CodeloopError(Exception):
    """Root of every error codeloop raises on purpose."""


class UserInputError(CodeloopError):
    """The request, an option or an input file is wrong; the message says how to fix it."""


class ConfigError(CodeloopError):
    """Settings or the installation are wrong; an operator must act."""


class MissingDependency(ConfigError):
    """An optional package or tool is not installed; the message carries the install command."""

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not installed: {install}")
        self.what = what
        self.install = install


class StoreError(CodeloopError):
    """The SQLite store cannot be opened, migrated, read or written."""


class ModelError(CodeloopError):
    """A model provider failed or answered something unusable."""


class ModelHTTPError(ModelError):
    """The provider answered with an HTTP error status."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status in (408, 409, 429) or self.status >= 500


class ModelTimeout(ModelError):
    """The provider did not answer within the timeout."""


class ModelConnectionError(ModelError):
    """The connection to the provider was refused, reset or dropped."""


class ModelResponseError(ModelError):
    """The provider's answer could not be parsed."""


class ReplayMiss(ModelError):
    """A replay cassette holds no response for this request."""


class BudgetExceeded(ModelError):
    """A budget (calls, tokens, cost, seconds) ran out; raise the limit or narrow the task."""

    def __init__(self, kind: str, limit: float, used: float) -> None:
        super().__init__(f"budget exceeded: {kind} limit {limit:g}, used {used:g}")
        self.kind = kind
        self.limit = limit
        self.used = used


class SandboxError(CodeloopError):
    """Model-written code was refused or failed inside the sandbox."""


class PolicyViolation(SandboxError):
    """The validator refused the program before it ran."""

    def __init__(self, line: int, rule: str, message: str, allowed: str = "") -> None:
        text = f"line {line}: {rule}: {message}"
        if allowed:
            text += f" (allowed instead: {allowed})"
        super().__init__(text)
        self.line = line
        self.rule = rule
        self.allowed = allowed


class ExecutionFailed(SandboxError):
    """The program raised; ``traceback_tail`` shows only the program's own frames."""

    def __init__(self, message: str, traceback_tail: str = "") -> None:
        super().__init__(message)
        self.traceback_tail = traceback_tail


class LimitExceeded(SandboxError):
    """A resource limit was hit: ``kind`` is cpu, memory, wall, output, file_size or recursion."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or f"{kind} limit exceeded")
        self.kind = kind


class IsolationUnavailable(SandboxError):
    """No OS isolation layer works here; install bubblewrap or pass ``unsafe`` explicitly."""


class ValidationFailed(CodeloopError):
    """Generated code failed its checks; ``diagnostics`` lists what the checkers said."""

    def __init__(self, message: str, diagnostics: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)
