"""The typer application and its error boundary: one clear line and exit code 2 for bad input."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Protocol

import typer
from rich.markup import escape

from codeloop.errors import CodeloopError, ConfigError, UserInputError
from codeloop.telemetry import configure_logging

__all__ = ["CommandModule", "build_app", "run_app"]

EXIT_USAGE = 2
EXIT_FAILURE = 1


class CommandModule(Protocol):
    def register(self, app: typer.Typer) -> None: ...


def build_app(modules: Sequence[CommandModule]) -> typer.Typer:
    app = typer.Typer(
        name="codeloop",
        help="Language models write programs; codeloop runs, checks and learns from them.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode="rich",
    )
    for module in modules:
        module.register(app)
    return app


def run_app(app: typer.Typer, argv: Sequence[str] | None = None) -> int:
    """Run the CLI; codeloop errors become one line on stderr, never a traceback."""
    from codeloop.cli._output import err_console

    configure_logging()
    command = typer.main.get_command(app)
    try:
        # Without standalone mode, click returns a command's ``typer.Exit`` code instead of raising.
        code = command.main(
            args=list(argv) if argv is not None else sys.argv[1:], standalone_mode=False
        )
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    except (UserInputError, ConfigError) as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    except CodeloopError as exc:
        err_console.print(
            f"[red]error:[/red] {type(exc).__name__}: {escape(str(exc))}", highlight=False
        )
        return EXIT_FAILURE
    return code if isinstance(code, int) else 0
