"""Ingest from real files: module paths, incremental by hash, re-ingest replaces old facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.knowledge import CodeGraph, Ingestor, module_entity
from codeloop.store import Store


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    root = tmp_path / "my-crate"
    (root / "src" / "shapes").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "my-crate"\nversion = "0.1.0"\n')
    (root / "src" / "lib.rs").write_text("pub mod shapes;\npub fn root() -> u8 { 1 }\n")
    (root / "src" / "shapes" / "mod.rs").write_text("pub struct Circle { pub r: f64 }\n")
    (root / "src" / "shapes" / "square.rs").write_text(
        "macro_rules! m { () => {} }\npub struct Square;\n"
    )
    (root / "target").mkdir()
    (root / "target" / "junk.rs").write_text("fn junk() {}")
    return root


def test_module_paths(crate: Path, tmp_path: Path) -> None:
    assert module_entity(crate / "src" / "lib.rs") == "rust:my_crate"
    assert module_entity(crate / "src" / "shapes" / "mod.rs") == "rust:my_crate::shapes"
    assert module_entity(crate / "src" / "shapes" / "square.rs") == "rust:my_crate::shapes::square"
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def f(): pass\n")
    assert module_entity(package / "mod.py") == "py:pkg.sub.mod"
    assert module_entity(package / "__init__.py") == "py:pkg.sub"


def test_incremental_ingest(crate: Path, store: Store, graph: CodeGraph) -> None:
    ingestor = Ingestor(graph, store.kg_files)
    first = ingestor.ingest([crate])
    assert (first.files, first.ingested, first.unchanged, first.items) == (3, 3, 0, 3)
    assert first.skipped_items == 1
    assert graph.find("Circle") == ["rust:my_crate::shapes::Circle"]
    # the external `mod shapes;` and the file's own facts meet in one entity
    assert graph.module("rust:my_crate::shapes").external is True
    second = ingestor.ingest([crate])
    assert (second.ingested, second.unchanged, second.facts) == (0, 3, 0)
    (crate / "src" / "shapes" / "mod.rs").write_text("pub struct Disc { pub r: f64 }\n")
    third = ingestor.ingest([crate])
    assert (third.ingested, third.unchanged) == (1, 2)
    assert graph.find("Circle") == []
    assert graph.find("Disc") == ["rust:my_crate::shapes::Disc"]
    record = store.kg_files.get(str((crate / "src" / "shapes" / "mod.rs").resolve()))
    assert record is not None and record.entities == ["rust:my_crate::shapes"]


def test_bad_paths_are_user_errors(tmp_path: Path, store: Store, graph: CodeGraph) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        Ingestor(graph, store.kg_files).ingest([tmp_path / "missing"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UserInputError, match=r"is not a \.rs or \.py file"):
        Ingestor(graph, store.kg_files).ingest([tmp_path / "notes.txt"])
    (tmp_path / "broken.py").write_text("def (:\n")
    report = Ingestor(graph, store.kg_files).ingest([tmp_path / "broken.py"])
    assert len(report.failed) == 1 and "not valid Python" in report.failed[0]
