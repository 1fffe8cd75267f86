"""Rendering helpers shared by commands: one console, JSON output for scripts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from rich.console import Console

__all__ = ["console", "emit_json", "err_console"]

console = Console()
err_console = Console(stderr=True)


def emit_json(value: Any) -> None:
    """Print one JSON document on stdout (pydantic models included)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))
