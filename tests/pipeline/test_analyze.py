from __future__ import annotations

import pytest

from codeloop.errors import UserInputError
from codeloop.models import ScriptedModel
from codeloop.pipeline import RequestAnalyzer, find_examples


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("add(1, 2) == 3 and add(0, 0) == 0", "add", [("add(1, 2)", "3"), ("add(0, 0)", "0")]),
        (
            "slugify('Hello World') -> 'hello-world'.",
            None,
            [("slugify('Hello World')", "'hello-world'")],
        ),
        ("e.g. rev([1, 2]) returns [2, 1]", "rev", [("rev([1, 2])", "[2, 1]")]),
        (">>> f(3)\n9\n>>> f(-1)\n1\n", "f", [("f(3)", "9"), ("f(-1)", "1")]),
        ("count(x) is the number of items", "count", []),
        ("fib(n) == fib(n - 1) + fib(n - 2), is_odd(abc) == True", None, []),
        (
            "def pick(arr):\n    Example 1:\n        Input: [4,2,3]\n        Output: [2, 1]\n",
            "pick",
            [("pick([4, 2, 3])", "[2, 1]")],
        ),
        (
            "def fill(grid, capacity):\n  Input:\n  Input: grid = [[0, 1]], capacity = 1\n"
            "  Output: 6\n  Input: 3, 5\n\n  Output: 0",
            "fill",
            [("fill(grid=[[0, 1]], capacity=1)", "6"), ("fill(3, 5)", "0")],
        ),
        ("def f(a):\n  Input: a = 1, b = 2\n  Output: 3\n", "f", []),
        ("def g(xs):\n  Input: values = [1]\n  Output: 1\n", "g", [("g([1])", "1")]),
        (
            'def hex_key(num):\n    For num = "AB" the output should be 1.\n',
            "hex_key",
            [("hex_key(num='AB')", "1")],
        ),
    ],
)
def test_find_examples(text: str, name: str | None, expected: list[tuple[str, str]]) -> None:
    assert [(e.call, e.expected) for e in find_examples(text, name)] == expected


async def test_rules_find_language_kind_name_signature() -> None:
    spec = await RequestAnalyzer().analyze(
        "In Rust, write fn gcd(a: u64, b: u64) -> u64 returning the greatest common divisor: "
        "gcd(12, 18) == 6"
    )
    assert (spec.language, spec.kind, spec.name, spec.name_source) == (
        "rust",
        "function",
        "gcd",
        "signature",
    )
    assert spec.signature == "fn gcd(a: u64, b: u64) -> u64"
    assert [(e.call, e.expected) for e in spec.examples] == [("gcd(12, 18)", "6")]


async def test_python_literals_become_typescript_literals() -> None:
    spec = await RequestAnalyzer().analyze(
        "a TypeScript function isEven(n) where isEven(4) == True", language="ts"
    )
    assert spec.language == "typescript"
    assert [(e.call, e.expected) for e in spec.examples] == [("isEven(4)", "true")]


async def test_model_names_the_function_only_when_rules_find_nothing() -> None:
    model = ScriptedModel(["`reverse_words`"])
    spec = await RequestAnalyzer(model).analyze("reverse the order of the words in a sentence")
    assert (spec.name, spec.name_source, spec.module) == ("reverse_words", "model", "reverse_words")
    assert len(model.requests) == 1
    named = await RequestAnalyzer(model).analyze("a function called word_count that counts words")
    assert (named.name, named.name_source) == ("word_count", "explicit")
    assert len(model.requests) == 1


async def test_empty_request_and_unknown_language_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="the description is empty"):
        await RequestAnalyzer().analyze("  ")
    with pytest.raises(UserInputError, match="unsupported language 'go'"):
        await RequestAnalyzer().analyze("add numbers", language="go")


@pytest.mark.parametrize(
    ("description", "signature"),
    [
        ("slugify(text): slugify('Hello World') == 'hello-world'", "def slugify(text: str) -> str"),
        (
            "median(values): median([3, 1]) == 2, median([1, 2]) == 1.5",
            "def median(values: list[int]) -> float",
        ),
        (
            "chunk(items, size): chunk([1, 2, 3], 2) == [[1, 2], [3]]",
            "def chunk(items: list[int], size: int) -> list[list[int]]",
        ),
        ("pairs(x): pairs([1, 'a']) == 2", None),
    ],
)
async def test_typed_signature_inferred_from_examples(
    description: str, signature: str | None
) -> None:
    spec = await RequestAnalyzer().analyze(description)
    assert spec.signature == signature
