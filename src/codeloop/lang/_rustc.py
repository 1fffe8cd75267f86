"""Reading rustc/clippy ``--error-format=json`` output and applying machine-applicable fixes."""

from __future__ import annotations

import json

from codeloop.lang.types import Diagnostic

__all__ = ["apply_suggestions", "parse_rustc_json"]


def _records(stderr: str) -> list[dict[str, object]]:
    records = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if item.get("$message_type") == "diagnostic":
                records.append(item)
    return records


def parse_rustc_json(stderr: str, *, tool: str, file: str) -> tuple[Diagnostic, ...]:
    diags = []
    for item in _records(stderr):
        level = str(item.get("level"))
        if level not in ("error", "warning"):
            continue
        message = str(item.get("message", ""))
        if message.startswith(("aborting due to", "Some errors have detailed")):
            continue
        if message.endswith(("warning emitted", "warnings emitted")):
            continue
        raw_spans = item.get("spans")
        spans = [s for s in raw_spans if isinstance(s, dict)] if isinstance(raw_spans, list) else []
        primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else {})
        code = item.get("code")
        diags.append(
            Diagnostic(
                file=file,
                line=int(primary.get("line_start", 0) or 0),
                column=int(primary.get("column_start", 0) or 0),
                code=str(code.get("code", "")) if isinstance(code, dict) else "",
                message=message,
                severity="error" if level == "error" else "warning",
                tool=tool,
            )
        )
    return tuple(diags)


def _suggestions(item: dict[str, object]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    children = item.get("children", [])
    for child in [item, *(children if isinstance(children, list) else [])]:
        if not isinstance(child, dict):
            continue
        for span in child.get("spans", []) or []:
            if (
                isinstance(span, dict)
                and span.get("suggestion_applicability") == "MachineApplicable"
                and span.get("suggested_replacement") is not None
            ):
                found.append(
                    (int(span["byte_start"]), int(span["byte_end"]), span["suggested_replacement"])
                )
    return found


def apply_suggestions(code: str, stderr: str) -> str:
    """Apply every non-overlapping MachineApplicable suggestion (what ``cargo fix`` applies)."""
    edits: list[tuple[int, int, str]] = []
    for item in _records(stderr):
        edits.extend(_suggestions(item))
    data = code.encode()
    last_start = len(data) + 1
    for start, end, text in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
        if end > last_start:
            continue
        data = data[:start] + text.encode() + data[end:]
        last_start = start
    return data.decode()
