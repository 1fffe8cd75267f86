"""The languages codeloop generates, by name."""

from __future__ import annotations

from codeloop.errors import UserInputError
from codeloop.lang.protocol import LanguageSupport
from codeloop.lang.python import PythonSupport
from codeloop.lang.rust import RustSupport
from codeloop.lang.typescript import TypeScriptSupport

__all__ = ["LANGUAGES", "get_language"]

LANGUAGES = ("python", "rust", "typescript")
_ALIASES = {"py": "python", "rs": "rust", "ts": "typescript"}


def get_language(name: str) -> LanguageSupport:
    """A fresh plugin for ``name`` (aliases py, rs, ts accepted)."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key == "python":
        return PythonSupport()
    if key == "rust":
        return RustSupport()
    if key == "typescript":
        return TypeScriptSupport()
    raise UserInputError(
        f"unsupported language {name!r}: use --lang with one of {', '.join(LANGUAGES)}"
    )
