"""The invocation's :class:`~codeloop.api.Session`: settings and the services built from them."""

from __future__ import annotations

import typer

from codeloop.api import Session, load_settings

__all__ = ["app_context"]


def app_context(ctx: typer.Context) -> Session:
    """The invocation's session, created on first use (settings errors become ConfigError)."""
    root = ctx.find_root()
    existing = root.obj
    if isinstance(existing, Session):
        return existing
    created = Session(load_settings())
    root.obj = created
    return created
