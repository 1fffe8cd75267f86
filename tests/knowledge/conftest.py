"""Knowledge fixtures: a real SQLite store, the graph over it, the built-in templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codeloop.knowledge import CodeGraph, TemplateLibrary
from codeloop.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "kg.sqlite")
    yield opened
    opened.close()


@pytest.fixture
def graph(store: Store) -> CodeGraph:
    return CodeGraph(store.triples)


@pytest.fixture(scope="session")
def library() -> TemplateLibrary:
    return TemplateLibrary.builtin()
