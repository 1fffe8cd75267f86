"""Runs untrusted, model-written programs: validator, OS isolation, host primitives, warm pool.

Use :class:`IsolatedSandbox` (it implements :class:`Sandbox`); :func:`run_process` runs commands
such as test suites under the same OS isolation; :func:`isolation_report` tells which layers work.
"""

from __future__ import annotations

from codeloop.sandbox.isolated import IsolatedSandbox, IsolatedSession
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.protocol import HostFunction, Sandbox, SandboxSession
from codeloop.sandbox.results import ProcessResult, RunError, RunResult, RunStatus, RunUsage

__all__ = [
    "HostFunction",
    "IsolatedSandbox",
    "IsolatedSession",
    "Limits",
    "ProcessResult",
    "RunError",
    "RunResult",
    "RunStatus",
    "RunUsage",
    "Sandbox",
    "SandboxSession",
]
