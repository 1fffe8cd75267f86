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
    signature = inspect.signature(func)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    shown = signature.replace(parameters=params, return_annotation=inspect.Signature.empty)
    text = str(shown).replace("'", "")
    doc = inspect.getdoc(func) or ""
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return PrimitiveDoc(name=name, signature=f"{name}{text}", summary=summary)


def python_primitives() -> list[PrimitiveDoc]:
    from codeloop.sandbox import primitives

    return [describe(name, func) for name, func in primitives.PRIMITIVES.items()]


def scheme_primitives() -> list[PrimitiveDoc]:
    return [
        PrimitiveDoc(name=name, signature=signature, summary=summary)
        for name, (signature, summary) in PRIMITIVE_DOCS.items()
    ]


def get_codegen_reference(language: Language = "python", *, exclude: Iterable[str] = ()) -> str:
    """The reference text for ``language``; ``exclude`` drops primitives a run does not offer."""
    skip = set(exclude)
    docs = python_primitives() if language == "python" else scheme_primitives()
    return render(f"reference_{language}.j2", primitives=[d for d in docs if d.name not in skip])
