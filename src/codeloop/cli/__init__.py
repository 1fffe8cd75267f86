"""The ``codeloop`` command line."""

from __future__ import annotations

import sys

from codeloop.cli import (
    ask,
    bench,
    doctor,
    knowledge,
    model,
    orchestrate,
    patterns,
    pipeline,
    runs,
    sandbox,
    ui,
)
from codeloop.cli._app import build_app, run_app

__all__ = ["app", "main"]

app = build_app(
    [ask, bench, doctor, knowledge, model, orchestrate, patterns, pipeline, runs, sandbox, ui]
)


def main() -> None:
    sys.exit(run_app(app))
