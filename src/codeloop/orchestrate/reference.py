"""The API reference a model receives, generated from the primitives it describes.

Python primitives come from ``codeloop.sandbox.PRIMITIVES`` (built from the program-facing
functions' own signatures and docstrings), Scheme primitives from the interpreter's own table, so
neither can drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from codeloop.orchestrate._prompts import render
from codeloop.sandbox import PRIMITIVES
from codeloop.sandbox.scheme.primitives import PRIMITIVE_DOCS

__all__ = ["PrimitiveDoc", "get_codegen_reference", "python_primitives", "scheme_primitives"]

Language = Literal["python", "scheme"]


class PrimitiveDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    signature: str
    summary: str


def python_primitives() -> list[PrimitiveDoc]:
    """The sandbox's primitives, as it describes them from their own signatures and docstrings."""
    return [
        PrimitiveDoc(
            name=info.name,
            signature=info.signature,
            summary=info.doc.split("\n\n", 1)[0].replace("\n", " ").strip(),
        )
        for info in PRIMITIVES
    ]


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
