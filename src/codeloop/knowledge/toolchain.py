"""The real tools: rustfmt, ruff format, and the Rust compiler as a checker (JSON diagnostics).

Every tool runs as a subprocess (async); a missing tool is a :class:`MissingDependency` naming the
install step, a tool that fails on our own output is a :class:`ValidationFailed`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import MissingDependency, ValidationFailed

__all__ = [
    "CargoChecker",
    "CheckResult",
    "CompilerDiagnostic",
    "RustChecker",
    "RustcChecker",
    "Suggestion",
    "format_python",
    "format_rust",
    "write_crate",
]

_RUST_INSTALL = "install the Rust toolchain (rustup) so that rustc, cargo and rustfmt are on PATH"


async def _run(
    argv: list[str], stdin: str | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
        )
    except FileNotFoundError as exc:
        raise MissingDependency(
            argv[0],
            _RUST_INSTALL if argv[0] in ("rustc", "cargo", "rustfmt") else f"install {argv[0]}",
        ) from exc
    out, err = await process.communicate(stdin.encode("utf-8") if stdin is not None else None)
    return process.returncode or 0, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


async def format_rust(source: str, *, edition: str = "2021") -> str:
    """``rustfmt`` over ``source``; raises :class:`ValidationFailed` when it cannot parse it."""
    code, out, err = await _run(["rustfmt", "--edition", edition, "--emit", "stdout"], stdin=source)
    if code != 0:
        raise ValidationFailed(f"rustfmt rejected the generated source: {err.strip()[:500]}", [err])
    return out


def _ruff() -> list[str]:
    found = shutil.which("ruff")
    return [found] if found else [sys.executable, "-m", "ruff"]


async def format_python(source: str) -> str:
    code, out, err = await _run(
        [*_ruff(), "format", "--stdin-filename", "generated.py", "-"], stdin=source
    )
    if code != 0:
        if "No module named ruff" in err:
            raise MissingDependency("ruff", "pip install ruff")
        raise ValidationFailed(
            f"ruff format rejected the generated source: {err.strip()[:500]}", [err]
        )
    return out


class Suggestion(BaseModel):
    """A replacement the compiler proposes, in byte offsets of the checked file."""

    model_config = ConfigDict(extra="forbid")

    byte_start: int
    byte_end: int
    replacement: str
    applicability: str = "Unspecified"
    message: str = ""


class CompilerDiagnostic(BaseModel):
    """One compiler error or warning, the parts the repair loop reads."""

    model_config = ConfigDict(extra="forbid")

    level: str
    code: str | None = None
    message: str
    line: int = 0
    column: int = 0
    byte_start: int = 0
    byte_end: int = 0
    label: str = ""
    notes: list[str] = Field(default_factory=list)
    related: list[tuple[int, int, str]] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    rendered: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompilerDiagnostic:
        spans = [s for s in data.get("spans") or [] if isinstance(s, dict)]
        primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else {})
        code = data.get("code")
        diag = cls(
            level=str(data.get("level", "error")),
            code=str(code["code"]) if isinstance(code, dict) and code.get("code") else None,
            message=str(data.get("message", "")),
            line=int(primary.get("line_start", 0) or 0),
            column=int(primary.get("column_start", 0) or 0),
            byte_start=int(primary.get("byte_start", 0) or 0),
            byte_end=int(primary.get("byte_end", 0) or 0),
            label=str(primary.get("label") or ""),
            rendered=str(data.get("rendered") or ""),
        )
        for span in spans:
            if span is not primary:
                diag.related.append(
                    (int(span["byte_start"]), int(span["byte_end"]), str(span.get("label") or ""))
                )
        for child in data.get("children") or []:
            if not isinstance(child, dict):
                continue
            diag.notes.append(str(child.get("message", "")))
            for span in child.get("spans", []) or []:
                if span.get("suggested_replacement") is not None:
                    diag.suggestions.append(
                        Suggestion(
                            byte_start=int(span["byte_start"]),
                            byte_end=int(span["byte_end"]),
                            replacement=str(span["suggested_replacement"]),
                            applicability=str(
                                span.get("suggestion_applicability") or "Unspecified"
                            ),
                            message=str(child.get("message", "")),
                        )
                    )
                else:
                    diag.related.append(
                        (
                            int(span["byte_start"]),
                            int(span["byte_end"]),
                            str(child.get("message", "")),
                        )
                    )
        return diag


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    diagnostics: list[CompilerDiagnostic]
    seconds: float

    @property
    def errors(self) -> list[CompilerDiagnostic]:
        return [
            d
            for d in self.diagnostics
            if d.level == "error" and not d.message.startswith("aborting")
        ]


class RustChecker(Protocol):
    """Compiles one library source file and reports its diagnostics."""

    async def check(self, source: str) -> CheckResult: ...


def _parse_lines(text: str) -> list[CompilerDiagnostic]:
    found: list[CompilerDiagnostic] = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        if data.get("reason") == "compiler-message":
            data = data["message"]
        elif "reason" in data:
            continue
        if data.get("level") in ("error", "warning") and data.get("message"):
            found.append(CompilerDiagnostic.from_json(data))
    return found


class RustcChecker:
    """``rustc --emit=metadata --error-format=json``: the fastest check of one std-only file."""

    def __init__(self, *, edition: str = "2021") -> None:
        self._edition = edition

    async def check(self, source: str) -> CheckResult:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="codeloop-rustc-") as tmp:
            path = Path(tmp) / "lib.rs"
            path.write_text(source, encoding="utf-8")
            code, _, err = await _run(
                [
                    "rustc",
                    "--crate-type",
                    "lib",
                    "--crate-name",
                    "generated",
                    "--edition",
                    self._edition,
                    "--emit=metadata",
                    "--error-format=json",
                    "-A",
                    "dead_code",
                    "-A",
                    "unused",
                    "--out-dir",
                    tmp,
                    str(path),
                ]
            )
        diagnostics = _parse_lines(err)
        return CheckResult(
            ok=code == 0, diagnostics=diagnostics, seconds=time.perf_counter() - started
        )


def write_crate(folder: Path, name: str, source: str, *, edition: str = "2021") -> Path:
    """A std-only library crate at ``folder``: ``Cargo.toml`` and ``src/lib.rs``."""
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "{edition}"\n\n[dependencies]\n',
        encoding="utf-8",
    )
    lib = folder / "src" / "lib.rs"
    lib.write_text(source, encoding="utf-8")
    return lib


class CargoChecker:
    """``cargo check --message-format=json --offline`` on a crate folder (kept for inspection)."""

    def __init__(self, folder: Path, *, name: str = "generated", edition: str = "2021") -> None:
        self._folder = folder
        self._name = name
        self._edition = edition

    async def check(self, source: str) -> CheckResult:
        started = time.perf_counter()
        write_crate(self._folder, self._name, source, edition=self._edition)
        code, out, _ = await _run(
            ["cargo", "check", "--offline", "--quiet", "--message-format=json"], cwd=self._folder
        )
        diagnostics = _parse_lines(out)
        return CheckResult(
            ok=code == 0, diagnostics=diagnostics, seconds=time.perf_counter() - started
        )
