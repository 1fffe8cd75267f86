"""Runs untrusted, model-written programs: validator, OS isolation, host primitives, warm pool.

:class:`IsolatedSandbox` implements :class:`Sandbox`; :class:`TracedSandbox` records each run as a
store step; :func:`run_process` runs commands such as test suites under the same OS isolation;
:func:`isolation_report` tells ``doctor`` which layers work; :data:`PRIMITIVES` describes what a
program can call, for the model-facing API reference.
"""

from __future__ import annotations

from codeloop.sandbox.isolated import IsolatedSandbox, IsolatedSession
from codeloop.sandbox.limits import Limits
from codeloop.sandbox.primitives import HOST_PARAMS, PRIMITIVES, PrimitiveInfo
from codeloop.sandbox.process import run_process
from codeloop.sandbox.protocol import HostFunction, Sandbox, SandboxSession
from codeloop.sandbox.report import LayerStatus, isolation_report
from codeloop.sandbox.results import ProcessResult, RunError, RunResult, RunStatus, RunUsage
from codeloop.sandbox.traced import TracedSandbox

__all__ = [
    "HOST_PARAMS",
    "PRIMITIVES",
    "HostFunction",
    "IsolatedSandbox",
    "IsolatedSession",
    "LayerStatus",
    "Limits",
    "PrimitiveInfo",
    "ProcessResult",
    "RunError",
    "RunResult",
    "RunStatus",
    "RunUsage",
    "Sandbox",
    "SandboxSession",
    "TracedSandbox",
    "isolation_report",
    "run_process",
]
