"""Sampling, validation, code extraction and the reference: no sandbox, no model."""

from __future__ import annotations

import json

import pytest

from codeloop.errors import UserInputError
from codeloop.orchestrate import (
    detect_format,
    extract_code,
    get_codegen_reference,
    parse_data,
    sample_data,
    validate_program,
)
from codeloop.orchestrate.reference import python_primitives
from codeloop.sandbox._worker.prims import PRIMITIVE_NAMES, Primitives
from codeloop.sandbox.scheme.evaluator import Environment, Evaluator
from codeloop.sandbox.scheme.primitives import PRIMITIVE_DOCS, host_primitives


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ('[{"a": 1}]', "", "json"),
        ('{"a": 1}\n{"a": 2}\n', "", "jsonl"),
        ("a,b\n1,2\n3,4\n", "", "csv"),
        ("just some words\nand more\n", "", "text"),
        ("x", "data.csv", "csv"),
        ("x", "data.ndjson", "jsonl"),
    ],
)
def test_detect_format(text: str, name: str, expected: str) -> None:
    assert detect_format(text, name) == expected


def test_sample_is_faithful_for_records() -> None:
    rows = [{"id": i, "tag": None if i % 2 else "x", "score": i / 2} for i in range(100)]
    sample = sample_data(json.dumps(rows), "json")
    assert sample.records == 100
    assert [(f.name, f.types, f.present) for f in sample.fields] == [
        ("id", ["int"], 100),
        ("tag", ["str", "null"], 100),
        ("score", ["float"], 100),
    ]
    assert [e.split(" ")[0] for e in sample.examples] == ["[0]", "[1]", "[2]", "[50]", "[99]"]
    assert sample.python_type == "list of dict"


def test_sample_of_text_and_long_records_is_bounded() -> None:
    text = "\n".join("word " * 200 for _ in range(1000))
    sample = sample_data(text, "text")
    assert sample.shape == "plain text, 1000 lines"
    assert all(len(e) < 260 for e in sample.examples)
    assert sample.render().startswith(f"format: text; size: {len(text)} characters")


def test_bad_json_names_the_fix() -> None:
    with pytest.raises(UserInputError, match="pass --format text"):
        parse_data("[1, 2", "json")


def test_csv_numbers_are_converted() -> None:
    assert parse_data("a,b\n1,x\n2.5,y\n", "csv") == [{"a": 1, "b": "x"}, {"a": 2.5, "b": "y"}]


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        ("final_report = 1", []),
        ("if True:\n    final_report = 2", []),
        ("def f():\n    final_report = 1", ["result-variable"]),
        ("final_report = 1\nfinish(final_report)", ["no-finish"]),
        ("final_report = (", ["syntax"]),
        ("", ["empty"]),
    ],
)
def test_validate_python(code: str, rules: list[str]) -> None:
    assert [f.rule for f in validate_program(code)] == rules


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        ("(define final_report 1)", []),
        ("(define x 1)", ["result-variable"]),
        ("(define final_report 1) (finish final_report)", ["no-finish"]),
        ("(define final_report", ["syntax"]),
    ],
)
def test_validate_scheme(code: str, rules: list[str]) -> None:
    assert [f.rule for f in validate_program(code, language="scheme")] == rules


def test_extract_code_prefers_the_language_block() -> None:
    reply = "text\n```\nplain\n```\n```python\nx = 1\n```"
    assert extract_code(reply) == "x = 1"
    assert extract_code("```scheme\n(define a 1)\n```", "scheme") == "(define a 1)"
    assert extract_code("x = 2") == "x = 2"
    assert extract_code("```python\nx = 3\n") == "x = 3"  # an unclosed fence (cut reply)


def test_reference_is_generated_from_the_sandbox_primitives() -> None:
    docs = python_primitives()
    assert [d.name for d in docs] == list(PRIMITIVE_NAMES)
    first_line = (Primitives.llm_query.__doc__ or "").splitlines()[0]
    text = get_codegen_reference()
    assert "llm_query(instruction: str, data: Any = '', *, model: str | None = None" in text
    assert first_line in text
    assert "finish(" not in get_codegen_reference(exclude=("finish", "finish_var"))


async def test_scheme_reference_covers_every_host_primitive() -> None:
    evaluator = Evaluator(host=None)  # type: ignore[arg-type]
    names = set(host_primitives(evaluator, Environment()))
    assert names == set(PRIMITIVE_DOCS)
    text = get_codegen_reference("scheme")
    assert all(signature in text for signature, _ in PRIMITIVE_DOCS.values())
