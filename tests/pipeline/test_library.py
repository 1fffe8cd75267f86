from __future__ import annotations

from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.lang import PythonSupport, RustSupport
from codeloop.pipeline import PatternLibrary


def test_builtin_library_has_the_promised_patterns() -> None:
    library = PatternLibrary.load()
    counts = {lang: len(library.for_language(lang)) for lang in ("python", "rust", "typescript")}
    assert counts["python"] >= 8
    assert counts["rust"] >= 7
    assert counts["typescript"] >= 2
    rust = {p.name for p in library.for_language("rust")}
    assert {
        "error-enum",
        "builder",
        "trait-impl",
        "iterator",
        "from-impl",
        "new-constructor",
        "test-module",
    } <= rust


@pytest.mark.parametrize(
    ("language", "description", "kind", "expected"),
    [
        ("python", "a pydantic model for a user with validation", "model", "pydantic-model"),
        ("python", "a typer CLI command that greets", "cli", "typer-cli"),
        ("python", "an async HTTP client with retries", "client", "async-http-client"),
        ("python", "compute the median of a list", "function", "typed-function"),
        ("rust", "an iterator over the Fibonacci sequence", "class", "iterator"),
        ("rust", "an error enum for a parser", "error", "error-enum"),
    ],
)
def test_selection_by_description(
    language: str, description: str, kind: str, expected: str
) -> None:
    assert PatternLibrary.load().select(language, description, kind).name == expected  # type: ignore[arg-type]


def test_unknown_pattern_lists_the_known_ones() -> None:
    with pytest.raises(
        UserInputError,
        match=r"unknown pattern 'singleton' for python: use --pattern with one of async-http-cl",
    ):
        PatternLibrary.load().get("python", "singleton")


async def test_rules_are_real_checks() -> None:
    library = PatternLibrary.load()
    typed = library.get("python", "typed-function")
    good = 'def f(x: int) -> int:\n    """Double."""\n    return 2 * x\n'
    bad = "def f(x):\n    print(x)\n    return 2 * x\n"
    results = {r.id: r.passed for r in await typed.check(good, PythonSupport())}
    assert results == {"type-hints": True, "docstring": True, "no-io": True, "ruff-clean": True}
    results = {r.id: r.passed for r in await typed.check(bad, PythonSupport())}
    assert results == {"type-hints": False, "docstring": False, "no-io": False, "ruff-clean": True}
    error_enum = library.get("rust", "error-enum")
    rust = (
        "use std::fmt;\n#[derive(Debug)]\npub enum E { A }\n"
        "impl fmt::Display for E {\n"
        "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n"
        '        write!(f, "a")\n    }\n}\n'
    )
    results = {r.id: r.passed for r in await error_enum.check(rust, RustSupport())}
    assert results == {"enum": True, "display": True, "error-trait": False, "clippy-clean": True}


def test_user_patterns_load_from_a_folder_and_override(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        'name = "typed-function"\nlanguage = "python"\ndescription = "mine"\n'
        'skeleton = "def {{ name }}(): ..."\n'
        '[[rules]]\nid = "no-eval"\ncheck = "python.forbidden_call"\nargs = { names = ["eval"] }\n'
        'message = "no eval"\n'
    )
    pattern = PatternLibrary.load([tmp_path]).get("python", "typed-function")
    assert pattern.description == "mine"
    assert pattern.source.endswith("mine.toml")


def test_invalid_user_pattern_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'name = "x"\nlanguage = "python"\ndescription = "d"\nskeleton = ""\n'
        '[[rules]]\nid = "r"\ncheck = "python.nonsense"\nmessage = "m"\n'
    )
    with pytest.raises(UserInputError, match=r"unknown check 'python\.nonsense'"):
        PatternLibrary.load([tmp_path])
    with pytest.raises(UserInputError, match="does not exist"):
        PatternLibrary.load([tmp_path / "missing"])
