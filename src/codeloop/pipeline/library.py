"""The pattern library: data files (TOML) with a Jinja skeleton, checkable rules and examples.

Built-in patterns live in ``pipeline/library/<language>/``; users add their own by pointing
``--patterns DIR`` (or ``pipeline.patterns_dir``) at a folder of the same kind of files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from codeloop.errors import UserInputError
from codeloop.lang.protocol import LanguageSupport
from codeloop.pipeline.rules import CHECKS, check_rule
from codeloop.pipeline.types import Kind, RuleResult

__all__ = ["Pattern", "PatternLibrary", "Rule"]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    check: str
    message: str
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("check")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CHECKS:
            raise ValueError(f"unknown check {value!r}; known: {', '.join(sorted(CHECKS))}")
        return value


class Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    language: str
    description: str
    kinds: tuple[Kind, ...] = ()
    keywords: tuple[str, ...] = ()
    default: bool = False
    skeleton: str
    rules: tuple[Rule, ...] = ()
    examples: tuple[str, ...] = ()
    source: str = "builtin"

    async def check(self, code: str, lang: LanguageSupport) -> list[RuleResult]:
        return [
            RuleResult(
                id=rule.id,
                passed=await check_rule(rule.check, code, rule.args, lang),
                message=rule.message,
            )
            for rule in self.rules
        ]

    def score(self, description: str, kind: Kind) -> float:
        words = set(re.findall(r"[a-z0-9]+", description.lower()))
        text = description.lower()
        hits = sum(1 for k in self.keywords if (k in words if " " not in k else k in text))
        return hits + (1.5 if kind in self.kinds else 0.0) + (0.1 if self.default else 0.0)


def _load_file(path: Path | Any, source: str) -> Pattern:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Pattern(**data, source=source)
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise UserInputError(f"pattern file {path} is invalid: {exc}") from exc


class PatternLibrary:
    """All patterns by language and name; user patterns override built-ins of the same name."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self._by_key = {(p.language, p.name): p for p in patterns}

    @classmethod
    def load(cls, user_dirs: Sequence[Path] = ()) -> PatternLibrary:
        patterns: list[Pattern] = []
        root = resources.files("codeloop.pipeline") / "library"
        for lang_dir in sorted(root.iterdir(), key=lambda p: p.name):
            if lang_dir.is_dir():
                for item in sorted(lang_dir.iterdir(), key=lambda p: p.name):
                    if item.name.endswith(".toml"):
                        patterns.append(_load_file(item, "builtin"))
        for folder in user_dirs:
            if not folder.is_dir():
                raise UserInputError(
                    f"pattern folder {folder} does not exist: create it or fix --patterns"
                )
            for path in sorted(folder.rglob("*.toml")):
                patterns.append(_load_file(path, str(path)))
        return cls(patterns)

    def for_language(self, language: str) -> list[Pattern]:
        return sorted(
            (p for (lang, _), p in self._by_key.items() if lang == language), key=lambda p: p.name
        )

    def get(self, language: str, name: str) -> Pattern:
        pattern = self._by_key.get((language, name))
        if pattern is None:
            names = ", ".join(p.name for p in self.for_language(language)) or "none"
            raise UserInputError(
                f"unknown pattern {name!r} for {language}: use --pattern with one of {names}"
            )
        return pattern

    def select(self, language: str, description: str, kind: Kind) -> Pattern:
        """The best match to the description (keywords and kind); the language's default on ties."""
        candidates = self.for_language(language)
        if not candidates:
            raise UserInputError(f"no patterns for {language}: add one with --patterns DIR")
        return max(candidates, key=lambda p: (p.score(description, kind), p.default))
