"""The API reference a model receives, generated from the primitives it describes.

Python primitives are described from their own signatures and docstrings (the sandbox's
program-facing functions), Scheme primitives from the interpreter's own table, so neither can drift.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from codeloop.orchestrate._prompts import render
from codeloop.sandbox._worker.prims import PRIMITIVE_NAMES, Primitives
from codeloop.sandbox.scheme.primitives import PRIMITIVE_DOCS

__all__ = ["PrimitiveDoc", "describe", "get_codegen_reference"]

Language = Literal["python", "scheme"]


class PrimitiveDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    signature: str
    summary: str


def describe(name: str, func: Callable[..., Any]) -> PrimitiveDoc:
    """One line for ``func``: its signature (without ``self``) and its docstring's first line."""
    parts: list[str] = []
    keyword_only = False
    for param in inspect.signature(func).parameters.values():
        if param.name == "self":
            continue
        if param.kind is param.KEYWORD_ONLY and not keyword_only:
            parts.append("*")
            keyword_only = True
        text = param.name
        if param.annotation is not param.empty:
            text += f": {str(param.annotation).strip(chr(39))}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        parts.append(text)
    doc = inspect.getdoc(func) or ""
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return PrimitiveDoc(name=name, signature=f"{name}({', '.join(parts)})", summary=summary)


def python_primitives() -> list[PrimitiveDoc]:
    return [describe(name, getattr(Primitives, name)) for name in PRIMITIVE_NAMES]


def scheme_primitives() -> list[PrimitiveDoc]:
    return [
        PrimitiveDoc(name=name, signature=signature, summary=summary)
        for name, (signature, summary) in PRIMITIVE_DOCS.items()
    ]


def get_codegen_reference(
    language: Language = "python", *, exclude: Iterable[str] = (), example: bool = True
) -> str:
    """The reference text for ``language``; ``exclude`` drops primitives a run does not offer,
    ``example=False`` leaves out the worked example (a prompt may bring its own)."""
    skip = set(exclude)
    docs = python_primitives() if language == "python" else scheme_primitives()
    kept = [d for d in docs if d.name not in skip]
    return render(f"reference_{language}.j2", primitives=kept, example=example)
