"""The primitives a program can call, described from their own signatures and docstrings.

The orchestration layer renders ``PRIMITIVES`` into the API reference a model reads, so the
reference cannot drift from the code that implements it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from codeloop.sandbox._worker.prims import HOST_PARAMS, PRIMITIVE_NAMES, Primitives

__all__ = ["HOST_PARAMS", "PRIMITIVES", "PrimitiveInfo", "describe_primitives"]

_EXTRA = (
    ("context", "context", "The data given to this run (any JSON value); a plain variable."),
    (
        "print",
        "print(*values, sep=' ', end='\\n')",
        "Captured into the run's stdout, which is truncated at the output limit.",
    ),
)


@dataclass(frozen=True)
class PrimitiveInfo:
    """One primitive: ``signature`` is what the program writes, ``host`` the host function it
    calls (None when it runs inside the worker alone)."""

    name: str
    signature: str
    doc: str
    host: str | None


def describe_primitives() -> tuple[PrimitiveInfo, ...]:
    infos = [PrimitiveInfo(name, sig, doc, None) for name, sig, doc in _EXTRA]
    for name in PRIMITIVE_NAMES:
        method = getattr(Primitives, name)
        rendered = _render(inspect.signature(method))
        host = name if name in HOST_PARAMS else None
        if name == "llm_query_async":
            host = "llm_query"
        infos.append(PrimitiveInfo(name, f"{name}{rendered}", inspect.getdoc(method) or "", host))
    return tuple(infos)


def _render(signature: inspect.Signature) -> str:
    """``(a: str, b: Any = '', *, c: int = 8) -> str`` from the source annotations."""
    parts: list[str] = []
    star = False
    for param in signature.parameters.values():
        if param.name == "self":
            continue
        if param.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = param.name
        if param.annotation is not inspect.Parameter.empty:
            text += f": {param.annotation}"
        if param.default is not inspect.Parameter.empty:
            text += f" = {param.default!r}"
        parts.append(text)
    result = signature.return_annotation
    arrow = "" if result is inspect.Signature.empty else f" -> {result}"
    return f"({', '.join(parts)}){arrow}"


PRIMITIVES: tuple[PrimitiveInfo, ...] = describe_primitives()
