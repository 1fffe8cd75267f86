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
        signature = inspect.signature(method)
        params = [p for p in signature.parameters.values() if p.name != "self"]
        rendered = str(signature.replace(parameters=params)).replace("'", "")
        host = name if name in HOST_PARAMS else None
        if name == "llm_query_async":
            host = "llm_query"
        infos.append(PrimitiveInfo(name, f"{name}{rendered}", inspect.getdoc(method) or "", host))
    return tuple(infos)


PRIMITIVES: tuple[PrimitiveInfo, ...] = describe_primitives()
