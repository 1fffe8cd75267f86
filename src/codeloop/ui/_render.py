"""Turning step payloads and series into what a page shows: code blocks, diffs, diagnostics tables
and small SVG line charts (no chart library, no inline script or style, so the CSP stays strict)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup, escape

from codeloop.store import StepRecord

__all__ = ["CODE_KEYS", "Section", "line_chart", "step_sections"]

# Payload keys whose string value is program text.
CODE_KEYS = ("code", "program", "source", "candidate", "fixed", "text")
_DIFF_KEYS = ("diff", "patch")
_DIAGNOSTIC_KEYS = ("diagnostics",)
_DIAGNOSTIC_FIELDS = ("severity", "file", "line", "code", "message")
SectionKind = Literal["code", "diff", "diagnostics", "json", "text", "error"]


@dataclass(frozen=True)
class Section:
    """One block of a trace node's detail."""

    kind: SectionKind
    label: str
    text: str = ""
    language: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


def step_sections(step: StepRecord) -> list[Section]:
    """The step's input, output and error as blocks; a diff is computed when input and output both
    carry code and the output names no diff itself."""
    sections: list[Section] = []
    if step.error:
        sections.append(Section(kind="error", label="error", text=step.error))
    before = _payload_sections("input", step.input)
    after = _payload_sections("output", step.output)
    if not any(s.kind == "diff" for s in after):
        old, new = _code_of(step.input), _code_of(step.output)
        if old is not None and new is not None and old != new:
            after.insert(
                0, Section(kind="diff", label="diff input → output", lines=_diff(old, new))
            )
    return sections + before + after


def _payload_sections(where: str, value: Any) -> list[Section]:
    if value is None or value in ("", {}, []):
        return []
    if isinstance(value, str):
        return [Section(kind="text", label=where, text=value)]
    if _is_messages(value):
        return [Section(kind="text", label=f"{where} messages", text=_messages(value))]
    if not isinstance(value, dict):
        return [Section(kind="json", label=where, text=_json(value))]
    language = value["language"] if isinstance(value.get("language"), str) else ""
    sections: list[Section] = []
    rest: dict[str, Any] = {}
    for key, item in value.items():
        label = f"{where}.{key}"
        if key in CODE_KEYS and isinstance(item, str):
            sections.append(Section(kind="code", label=label, text=item, language=language))
        elif key in _DIFF_KEYS and isinstance(item, str):
            sections.append(Section(kind="diff", label=label, lines=_classify(item.splitlines())))
        elif key in _DIAGNOSTIC_KEYS and isinstance(item, list):
            sections.append(Section(kind="diagnostics", label=label, rows=_diagnostics(item)))
        elif key == "language" and language:
            continue
        elif key == "messages" and _is_messages(item):
            sections.append(Section(kind="text", label=label, text=_messages(item)))
        else:
            rest[key] = item
    if rest:
        sections.append(Section(kind="json", label=where, text=_json(rest)))
    return sections


def _code_of(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in CODE_KEYS:
            if isinstance(value.get(key), str):
                code: str = value[key]
                return code
    return None


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=3
    )
    return _classify(list(lines))


def _classify(lines: Sequence[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith(("+++", "---")):
            out.append(("file", line))
        elif line.startswith("@@"):
            out.append(("hunk", line))
        elif line.startswith("+"):
            out.append(("add", line))
        elif line.startswith("-"):
            out.append(("del", line))
        else:
            out.append(("ctx", line))
    return out


def _diagnostics(items: list[Any]) -> list[dict[str, str]]:
    rows = []
    for item in items:
        if isinstance(item, dict):
            rows.append(
                {k: "" if item.get(k) is None else str(item[k]) for k in _DIAGNOSTIC_FIELDS}
            )
        else:
            rows.append({**dict.fromkeys(_DIAGNOSTIC_FIELDS, ""), "message": str(item)})
    return rows


def _is_messages(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, dict) and "content" in m for m in value)
    )


def _messages(items: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"[{m.get('role', '?')}]\n{m['content']}" for m in items)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def line_chart(
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    percent: bool = False,
    width: int = 360,
    height: int = 160,
) -> Markup:
    """An SVG line chart of one daily series; ``None`` values are gaps."""
    pad_l, pad_r, pad_t, pad_b = 44, 10, 22, 26
    known = [v for _, v in points if v is not None]
    top = 1.0 if percent else max(known, default=1.0) or 1.0
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    step = inner_w / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return pad_t + inner_h - (value / top) * inner_h

    def fmt(value: float) -> str:
        return f"{value * 100:.0f}%" if percent else f"{value:.3g}"

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" aria-label="{escape(title)}">',
        f'<text class="chart-title" x="{pad_l}" y="14">{escape(title)}</text>',
        f'<line class="axis" x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}"'
        f' y2="{pad_t + inner_h}"/>',
        f'<text class="tick" x="{pad_l - 4}" y="{pad_t + 4}" text-anchor="end">{fmt(top)}</text>',
        f'<text class="tick" x="{pad_l - 4}" y="{pad_t + inner_h}" text-anchor="end">'
        f"{fmt(0)}</text>",
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x = pad_l + i * step
        segment.append(f"{x:.1f},{y(value):.1f}")
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y(value):.1f}" r="2.5">'
            f"<title>{escape(points[i][0])}: {fmt(value)}</title></circle>"
        )
    if segment:
        segments.append(segment)
    parts.extend(f'<polyline class="line" points="{" ".join(s)}"/>' for s in segments)
    if points:
        parts.append(
            f'<text class="tick" x="{pad_l}" y="{height - 8}">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text class="tick" x="{width - pad_r}" y="{height - 8}" text-anchor="end">'
            f"{escape(points[-1][0])}</text>"
        )
    if not known:
        parts.append(
            f'<text class="empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">'
            "no data</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
