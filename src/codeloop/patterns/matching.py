"""Which learned template fits a generation request: the pipeline's ``LearnedTemplates`` source.

A learned template (``learned-*``, ``form="source"``) keeps its provenance: the functions it was
found in and the text of its first occurrence. A request is a description, a signature and a
name. Both become sets of word pieces (``parse_user`` → ``parse``, ``user``; plurals folded;
keywords and stop words dropped). The similarity is the mean of two cosines: the request's words
against the template's (its code, hole defaults included, and the names of the functions it came
from), and the requested name's pieces against the closest of those function names. Below the
threshold nothing is offered: an unrelated example misleads a small model more than no example.
Above it, the learner's own value (uses × size) chooses: the common big shape, not a rare
specialisation of it.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from codeloop.errors import UserInputError
from codeloop.knowledge import Template

__all__ = ["LearnedTemplateMatch", "LearnedTemplateMatcher", "word_pieces"]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_STOP = frozenset(
    {
        "a", "an", "the", "that", "which", "and", "or", "of", "to", "in", "for", "with", "from",
        "by", "as", "on", "at", "into", "its", "it", "is", "be", "are", "was", "this", "these",
        "those", "their", "each", "every", "any", "all", "given", "write", "create", "make",
        "build", "implement", "function", "python", "rust", "returns", "return", "value",
        "values", "code", "should", "must", "when", "then", "else",
    }
)  # fmt: skip


def word_pieces(text: str) -> frozenset[str]:
    """Lower-case word pieces of prose and identifiers, plurals folded, noise words dropped."""
    pieces: set[str] = set()
    for raw in _WORD.findall(text):
        word = raw.lower()
        if len(word) < 2 or word in _STOP or keyword.iskeyword(word):
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        pieces.add(word)
    return frozenset(pieces)


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


class LearnedTemplateMatch(BaseModel):
    """A learned template that fits a request, with the source its defaults give."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: str
    similarity: float
    uses: int
    seen_in: tuple[str, ...]
    size: int


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: str
    language: str
    source: str
    uses: int
    size: int
    seen_in: tuple[str, ...]
    words: frozenset[str]
    names: tuple[frozenset[str], ...]


class LearnedTemplateMatcher:
    """Scores every learned template of the request's language against a request; see
    :meth:`match` for which relevant one is chosen."""

    def __init__(self, templates: Iterable[Template], *, threshold: float = 0.3) -> None:
        self.threshold = threshold
        self._entries: list[_Entry] = []
        for template in templates:
            origin = template.origin
            if template.form != "source" or origin.get("how") != "learned":
                continue
            try:
                source = template.instantiate({}, _no_includes).source or ""
            except UserInputError:
                continue  # stored by an older version, or hand-edited into something unparsable
            seen_in = tuple(str(n) for n in origin.get("examples", []))
            self._entries.append(
                _Entry(
                    template=template.name,
                    language=template.lang,
                    source=source,
                    uses=int(origin.get("uses", len(seen_in))),
                    size=int(origin.get("size", 0)),
                    seen_in=seen_in,
                    words=word_pieces(source + "\n" + " ".join(seen_in)),
                    names=tuple(word_pieces(n) for n in seen_in),
                )
            )

    def __len__(self) -> int:
        return len(self._entries)

    def scores(self, language: str, text: str, name: str) -> list[LearnedTemplateMatch]:
        """Every learned template of ``language``, best first, whatever its similarity."""
        words = word_pieces(f"{text}\n{name}")
        wanted = word_pieces(name)
        found = [
            LearnedTemplateMatch(
                name=e.template,
                source=e.source,
                similarity=round(_similarity(words, wanted, e), 4),
                uses=e.uses,
                seen_in=e.seen_in,
                size=e.size,
            )
            for e in self._entries
            if e.language == language
        ]
        return sorted(found, key=lambda m: (-m.similarity, -m.size, m.name))

    def match(self, language: str, text: str, name: str) -> LearnedTemplateMatch | None:
        """Of the templates at or above the threshold, the one the learner valued most (uses ×
        size: the most common big shape, not a rare specialisation of it); ties by similarity."""
        relevant = [m for m in self.scores(language, text, name) if m.similarity >= self.threshold]
        if not relevant:
            return None
        return max(relevant, key=lambda m: (m.uses * m.size, m.similarity))


def _similarity(words: frozenset[str], wanted: frozenset[str], entry: _Entry) -> float:
    """Mean of the text cosine and the best name cosine (see the module docstring)."""
    name = max((_cosine(wanted, n) for n in entry.names), default=0.0)
    return (_cosine(words, entry.words) + name) / 2


def _no_includes(name: str) -> Template:
    raise UserInputError(f"a learned template includes no other template ({name!r})")
