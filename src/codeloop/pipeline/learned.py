"""Learned templates as examples in the generate prompt, through an injected source.

Library learning (``codeloop library learn``) turns shapes shared by many functions into source
templates. The pipeline does not know where they are stored or how they are matched: it asks a
:class:`LearnedTemplates` for the best match to the request, shows the match to the model as a
worked example, and records which one it used in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

__all__ = ["LearnedMatch", "LearnedTemplateUse", "LearnedTemplates"]


class LearnedMatch(Protocol):
    """One learned template that matched a request, rendered with its first occurrence's values."""

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def similarity(self) -> float: ...

    @property
    def uses(self) -> int: ...

    @property
    def seen_in(self) -> Sequence[str]: ...


class LearnedTemplates(Protocol):
    """Finds the learned template closest to a request, or ``None`` below its threshold."""

    def match(self, language: str, text: str, name: str) -> LearnedMatch | None: ...


class LearnedTemplateUse(BaseModel):
    """What the report says about the learned template offered to the model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    similarity: float
    uses: int
    seen_in: list[str]

    @classmethod
    def of(cls, found: LearnedMatch) -> LearnedTemplateUse:
        return cls(
            name=found.name,
            similarity=round(found.similarity, 4),
            uses=found.uses,
            seen_in=list(found.seen_in),
        )
