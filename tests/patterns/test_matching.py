"""Learned templates matched to generation requests (what ``codeloop gen`` shows the model)."""

from __future__ import annotations

import pytest

from codeloop.knowledge import Template, TemplateLibrary
from codeloop.patterns import AntiUnificationLearner
from codeloop.patterns.library import name_from_context
from codeloop.patterns.matching import LearnedTemplateMatcher, word_pieces
from codeloop.patterns.templates import learned_templates
from codeloop.patterns.trees import Parsers

CORPUS = "\n".join(
    f'''
def parse_{record}(data: dict) -> dict:
    """Check a {record} record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("{record} must be a dict")
    missing = [key for key in ("{a}", "{b}") if key not in data]
    if missing:
        raise ValueError(f"{record} is missing {{missing}}")
    return {{"{a}": str(data["{a}"]).strip(), "{b}": int(data["{b}"])}}
'''
    for record, a, b in (("book", "title", "year"), ("song", "artist", "seconds"),
                         ("city", "name", "population"), ("course", "code", "credits"))
)  # fmt: skip
USER = (
    "Write a function parse_user(data: dict) -> dict that checks a user record: raise ValueError"
    ' naming the missing keys if "name" or "age" is missing'
)


@pytest.fixture(scope="module")
def learned() -> list[Template]:
    parsers = Parsers()
    units = parsers.parse(CORPUS, "python").units()
    result = AntiUnificationLearner().learn([u.tree for u in units], top_k=3)
    names = [name_from_context(a) for a in result.abstractions]
    return learned_templates(result, units, names, parsers)


def test_word_pieces_split_identifiers_fold_plurals_and_drop_noise() -> None:
    assert word_pieces("Write a parse_user function: returns userRecords for the keys") == {
        "parse",
        "user",
        "record",
        "key",
    }


def test_a_related_request_gets_the_largest_learned_shape(learned: list[Template]) -> None:
    matcher = LearnedTemplateMatcher(learned)
    found = matcher.match("python", USER, "parse_user")
    assert found is not None
    assert found.name.startswith("learned-")
    assert found.similarity >= 0.3
    assert found.seen_in == ("parse_book", "parse_song", "parse_city", "parse_course")
    assert 'raise ValueError("book must be a dict")' in found.source
    ranked = matcher.scores("python", USER, "parse_user")
    assert found.uses * found.size == max(m.uses * m.size for m in ranked)


def test_unrelated_requests_and_other_languages_get_nothing(learned: list[Template]) -> None:
    matcher = LearnedTemplateMatcher(learned)
    add = "Write a function add(a, b) that adds two integers: add(1, 2) == 3"
    assert matcher.match("python", add, "add") is None
    assert 0.0 <= matcher.scores("python", add, "add")[0].similarity < 0.1
    assert matcher.match("rust", USER, "parse_user") is None
    strict = LearnedTemplateMatcher(learned, threshold=1.0)
    assert strict.match("python", USER, "parse_user") is None


def test_only_learned_source_templates_are_considered(learned: list[Template]) -> None:
    builtin = TemplateLibrary.builtin()
    assert len(LearnedTemplateMatcher(builtin)) == 0
    assert len(LearnedTemplateMatcher([*builtin, *learned])) == len(learned)
