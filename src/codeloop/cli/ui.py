"""``codeloop ui``: serve the dashboard over the store."""

from __future__ import annotations

from typing import Annotated

import typer

from codeloop.cli._context import app_context
from codeloop.cli._output import console
from codeloop.errors import UserInputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command(name="ui")(ui)


def ui(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default 127.0.0.1; others need a token)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default 8765; 0 picks a free one).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CODELOOP_UI__TOKEN",
            help="Token clients must present; made up and printed when listening beyond localhost.",
        ),
    ] = None,
) -> None:
    """Serve a web dashboard of runs, traces, quality over time and the code graph.

    Example: [bold]codeloop ui --port 8765[/bold], then open the printed address.
    """
    from codeloop.ui import build_server, plan
    from codeloop.web import bind

    context = app_context(ctx)
    updates = {k: v for k, v in (("host", host), ("port", port), ("token", token)) if v is not None}
    if token is not None and len(token) < 16:
        raise UserInputError("--token must be at least 16 characters: use a long random string")
    if port is not None and not 0 <= port <= 65535:
        raise UserInputError(f"--port {port} is not a port: give 0 to 65535")
    settings = context.settings.ui.model_copy(update=updates)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        raise UserInputError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror};"
            " pick another --port or --host"
        ) from exc
    serve_plan = plan(settings, sock.getsockname()[1])
    server = build_server(context.store, serve_plan, settings)
    console.print(
        f"codeloop dashboard on {serve_plan.url}  (Ctrl+C stops it)",
        highlight=False,
        soft_wrap=True,
    )
    if serve_plan.policy.token and not settings.token:
        console.print("[yellow]listening beyond localhost: the link carries a new token[/yellow]")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        context.store.close()
