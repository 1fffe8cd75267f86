"""codeloop: language models write programs; codeloop runs, checks and learns from them.

From Python: ``from codeloop import api`` (see :mod:`codeloop.api`).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeloop import api

__all__ = ["__version__", "api"]

__version__ = "0.1.0"


def __getattr__(name: str) -> ModuleType:
    """``codeloop.api`` on first use, so ``import codeloop`` (and the CLI's start) stays light."""
    if name == "api":
        return importlib.import_module("codeloop.api")
    raise AttributeError(f"module 'codeloop' has no attribute {name!r}")
