"""``codeloop doctor``: what is available on this machine and, for what is missing, the fix."""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from pydantic import BaseModel, ConfigDict
from rich.table import Table

from codeloop.api import Session
from codeloop.cli._context import app_context
from codeloop.cli._output import console, emit_json
from codeloop.errors import CodeloopError
from codeloop.lang import RustSupport
from codeloop.models import DEFAULT_EMBEDDED, EMBEDDED_MODELS, verify_gguf
from codeloop.sandbox.report import isolation_report

__all__ = ["Check", "register", "run_checks"]

APT_FIX = "make test (installs it), or: apt-get install -y {}"


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version(argv: list[str]) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (done.stdout or done.stderr).strip().splitlines()
    return out[0] if done.returncode == 0 and out else None


def _tool(name: str, argv: list[str], fix: str, *, required: bool = True) -> Check:
    version = _version(argv)
    return Check(
        name=name,
        ok=version is not None,
        detail=version or "not found",
        fix="" if version else fix,
        required=required,
    )


def _python(_: Session) -> Check:
    ok = sys.version_info >= (3, 11)
    return Check(
        name="python",
        ok=ok,
        detail=f"{platform.python_version()} ({sys.executable})",
        fix="" if ok else "install Python 3.11 or newer",
    )


def _store(app: Session) -> Check:
    try:
        migrations = app.store.db.applied_migrations
    except CodeloopError as exc:
        return Check(
            name="store", ok=False, detail=str(exc), fix="set CODELOOP_HOME to a writable folder"
        )
    return Check(
        name="store", ok=True, detail=f"{app.settings.db_path} ({len(migrations)} migrations)"
    )


def _model(app: Session) -> list[Check]:
    """The default embedded model must be there; the other one is reported, not required."""
    checks = []
    for asset in EMBEDDED_MODELS.values():
        default = asset.name == DEFAULT_EMBEDDED
        fix = "codeloop model install" + ("" if default else f" {asset.name}")
        name = "embedded model" if default else f"other embedded model {asset.name}"
        path = app.settings.model_dir / asset.filename
        try:
            if not path.exists():
                checks.append(Check(name=name, ok=False, detail=f"{path} missing", fix=fix,
                                    required=default))  # fmt: skip
                continue
            verify_gguf(path, asset)
        except CodeloopError as exc:
            checks.append(Check(name=name, ok=False, detail=str(exc), fix=fix, required=default))
            continue
        checks.append(Check(name=name, ok=True, detail=f"local:{asset.name} verified ({path})"))
    return checks


def _llama(_: Session) -> Check:
    try:
        version = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            name="llama.cpp",
            ok=False,
            detail="llama-cpp-python missing",
            fix="pip install codeloop",
        )
    return Check(name="llama.cpp", ok=True, detail=f"llama-cpp-python {version}")


def _rust_coverage(_: Session) -> Check:
    llvm = RustSupport().llvm_tools()
    if llvm is None:
        return Check(
            name="rust coverage",
            ok=False,
            detail="no llvm-profdata/llvm-cov of rustc's LLVM major",
            fix="scripts/system-deps.sh (apt llvm-<major>) or rustup component add llvm-tools",
            required=False,
        )
    detail = f"LLVM {llvm.major}: {llvm.cov}"
    return Check(name="rust coverage", ok=True, detail=detail, required=False)


OPTIONAL_LAYERS = ("landlock", "unshare (fallback)")


def _sandbox_layers(_: Session) -> list[Check]:
    """Each isolation layer of the sandbox, probed by starting a real worker."""
    return [
        Check(
            name=f"sandbox: {layer.layer}",
            ok=layer.active,
            detail=layer.detail,
            fix=layer.fix,
            required=layer.layer not in OPTIONAL_LAYERS,
        )
        for layer in isolation_report()
    ]


CHECKS: tuple[Callable[[Session], Check | list[Check]], ...] = (
    _python,
    _store,
    _model,
    _llama,
    _sandbox_layers,
    lambda _: _tool("rustc", ["rustc", "--version"], "install Rust (rustup) for Rust generation"),
    lambda _: _tool("cargo", ["cargo", "--version"], "install Rust (rustup) for Rust generation"),
    lambda _: _tool(
        "rustfmt", ["rustfmt", "--version"], "rustup component add rustfmt", required=False
    ),
    _rust_coverage,
    lambda _: _tool("ruff", [sys.executable, "-m", "ruff", "--version"], "pip install codeloop"),
    lambda _: _tool(
        "mypy", [sys.executable, "-m", "mypy", "--version"], "pip install mypy", required=False
    ),
    lambda _: _tool("node", ["node", "--version"], APT_FIX.format("nodejs"), required=False),
)


def run_checks(app: Session) -> list[Check]:
    checks: list[Check] = []
    for check in CHECKS:
        result = check(app)
        checks.extend(result if isinstance(result, list) else [result])
    return checks


def doctor(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show what codeloop can use on this machine and how to fix what is missing.

    Example: codeloop doctor --json
    """
    checks = run_checks(app_context(ctx))
    if json_output:
        emit_json([c.model_dump() for c in checks])
    else:
        table = Table("", "component", "status", "fix")
        for c in checks:
            mark = (
                "[green]✓[/green]"
                if c.ok
                else ("[red]✗[/red]" if c.required else "[yellow]–[/yellow]")
            )
            table.add_row(mark, c.name, c.detail, c.fix)
        console.print(table)
    if any(c.required and not c.ok for c in checks):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
