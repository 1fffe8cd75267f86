"""Scheme values: symbols, keywords, syntax objects, procedures and the void value.

Lists are Python lists (``SList`` when read from source, so errors can name a line); strings,
numbers and booleans are Python's own; hash tables are dicts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "VOID",
    "Keyword",
    "Procedure",
    "Promise",
    "SList",
    "SchemeException",
    "Symbol",
    "Syntax",
    "Void",
    "to_display",
    "to_write",
]


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Keyword:
    """``#:name`` in a call: the next form is the argument called ``name``."""

    name: str

    def __str__(self) -> str:
        return f"#:{self.name}"


class SList(list[Any]):
    """A list read from source; ``line`` is where its opening parenthesis stands."""

    line: int = 0


@dataclass(frozen=True, slots=True)
class Syntax:
    """What ``datum->syntax`` and ``llm-query`` return; ``syntax-e`` takes the datum out."""

    datum: Any


class Void:
    """The value of ``define``, ``display`` and other forms run for their effect."""

    _instance: Void | None = None

    def __new__(cls) -> Void:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "#<void>"


VOID = Void()

Builtin = Callable[..., Awaitable[Any]]


@dataclass(slots=True)
class Procedure:
    """A lambda or a primitive. Primitives take ``(args, kwargs)``; lambdas close over ``env``."""

    name: str
    params: list[str] = field(default_factory=list)
    rest: str | None = None
    body: list[Any] = field(default_factory=list)
    env: Any = None
    builtin: Builtin | None = None
    optional: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Promise:
    """What ``llm-query-async`` returns; ``await`` gives its value."""

    task: Any


@dataclass(slots=True)
class SchemeException:
    """The value a ``with-handlers`` handler receives: ``(exn-message e)`` gives the text."""

    message: str
    kind: str = "exn:fail"


def to_write(value: Any) -> str:
    """The external representation, as ``write`` and the REPL print it."""
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return _show(value, to_write)


def to_display(value: Any) -> str:
    """What ``display`` prints: strings without quotes."""
    if isinstance(value, str):
        return value
    return _show(value, to_display)


def _show(value: Any, inner: Callable[[Any], str]) -> str:
    if value is True:
        return "#t"
    if value is False:
        return "#f"
    if isinstance(value, list):
        return "(" + " ".join(inner(v) for v in value) + ")"
    if isinstance(value, dict):
        items = " ".join(f"({inner(k)} . {inner(v)})" for k, v in value.items())
        return f"#hash({items})"
    if isinstance(value, Syntax):
        return f"#<syntax {to_write(value.datum)}>"
    if isinstance(value, Procedure):
        return f"#<procedure:{value.name}>"
    if isinstance(value, SchemeException):
        return f"#<{value.kind}: {value.message}>"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"
    if value is None:
        return "#<void>"
    return str(value)
