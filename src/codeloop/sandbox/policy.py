"""The whitelist validator (host side); the same module also runs inside the worker for exec_sub."""

from __future__ import annotations

from codeloop.sandbox._worker.policy import (
    ALLOWED_MODULES,
    FORBIDDEN_ATTRIBUTES,
    FORBIDDEN_BUILTINS,
    Finding,
    check,
    imported_modules,
    module_allowed,
)

__all__ = [
    "ALLOWED_MODULES",
    "FORBIDDEN_ATTRIBUTES",
    "FORBIDDEN_BUILTINS",
    "Finding",
    "check",
    "imported_modules",
    "module_allowed",
]
