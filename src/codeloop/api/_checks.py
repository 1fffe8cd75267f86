"""The API's arguments checked at the edge: a bad one is a UserInputError that names the fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, get_args

from pydantic import ValidationError

from codeloop.config import BudgetSettings
from codeloop.errors import UserInputError
from codeloop.orchestrate import DataFormat, detect_format

__all__ = ["ProgramLanguage", "bad_options", "budget_settings", "data_format", "program_language"]

ProgramLanguage = Literal["python", "scheme"]


@contextmanager
def bad_options(what: str) -> Iterator[None]:
    """A pydantic error in options the caller gave becomes a UserInputError naming the field."""
    try:
        yield
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UserInputError(f"bad {what}: {problems}") from exc


def data_format(text: str, given: str | None = None, name: str = "") -> DataFormat:
    """``given`` checked, or the format detected from ``name``'s suffix and the content."""
    if given is None:
        return detect_format(text, name)
    if given not in get_args(DataFormat):
        raise UserInputError(f"unknown data format {given!r}: use json, jsonl, csv or text")
    return given  # type: ignore[return-value]


def program_language(language: str) -> ProgramLanguage:
    if language not in get_args(ProgramLanguage):
        raise UserInputError(f"unknown program language {language!r}: use python or scheme")
    return "python" if language == "python" else "scheme"


def budget_settings(
    base: BudgetSettings,
    *,
    max_calls: int | None = None,
    max_tokens: int | None = None,
    max_cost: float | None = None,
    max_seconds: float | None = None,
) -> BudgetSettings:
    """``base`` with the limits that are given (0 is a limit; none keeps the base's)."""
    pairs = (
        ("max_calls", max_calls),
        ("max_tokens", max_tokens),
        ("max_cost_usd", max_cost),
        ("max_seconds", max_seconds),
    )
    with bad_options("budget"):
        return BudgetSettings.model_validate(
            base.model_dump() | {k: v for k, v in pairs if v is not None}
        )
