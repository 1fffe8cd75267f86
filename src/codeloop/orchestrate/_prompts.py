"""Prompt templates (Jinja2, StrictUndefined) under ``codeloop/prompts/orchestrate``."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

__all__ = ["render"]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("codeloop", "prompts/orchestrate"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, **variables: Any) -> str:
    """Render ``name`` (e.g. ``analyze.j2``) with ``variables``; a missing variable is an error."""
    return _environment().get_template(name).render(**variables).strip()
