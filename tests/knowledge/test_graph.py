"""The code graph over the real SQLite store: facts, provenance, queries, edits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.knowledge import CodeGraph, CodeSignature, Param, Provenance, parse_rust_module

SOURCE = """
use std::collections::HashMap;
/// A shape.
#[derive(Debug, Clone)]
pub struct Circle { pub r: f64, tags: HashMap<String, u8> }
impl Circle { pub fn new(r: f64) -> Self { todo!() } pub fn area(&self) -> f64 { todo!() } }
impl Default for Circle { fn default() -> Self { todo!() } }
pub mod inner { pub fn new() {} }
"""
INGESTED = Provenance(how="ingested", source="src/lib.rs")


@pytest.fixture
def loaded(graph: CodeGraph) -> CodeGraph:
    module = parse_rust_module(SOURCE, name="geo").module
    graph.put(module, "rust:geo", INGESTED)
    return graph


def test_tree_round_trips_through_the_store(loaded: CodeGraph) -> None:
    module = parse_rust_module(SOURCE, name="geo").module
    assert loaded.module("rust:geo").shape() == module.shape()


def test_entities_are_keyed_by_qualified_path(loaded: CodeGraph) -> None:
    assert loaded.children("rust:geo") == [
        "rust:geo::Circle",
        "rust:geo::<impl Circle>",
        "rust:geo::<impl Default for Circle>",
        "rust:geo::inner",
    ]
    assert loaded.find("new") == ["rust:geo::<impl Circle>::new", "rust:geo::inner::new"]
    assert loaded.find("Circle", kind="struct") == ["rust:geo::Circle"]
    assert loaded.stats() == {"fn": 4, "impl": 2, "module": 2, "struct": 1}


def test_params_and_fields_are_nodes_with_provenance(loaded: CodeGraph) -> None:
    facts = {(t.predicate, t.object) for t in loaded.facts("rust:geo::<impl Circle>::new#param0")}
    assert facts == {("code:name", "r"), ("code:type", "f64"), ("code:position", "0")}
    field = loaded.facts("rust:geo::Circle#field.tags")
    assert ("code:type", "HashMap<String, u8>") in {(t.predicate, t.object) for t in field}
    derives = loaded.triples.query("rust:geo::Circle", "code:derives")
    assert [t.object for t in derives] == ["Debug", "Clone"]
    assert derives[0].provenance == {"how": "ingested", "source": "src/lib.rs", "line": 5}
    assert [t.object for t in loaded.triples.query("rust:geo", "code:depends-on")] == [
        "std::collections::HashMap"
    ]
    methods = loaded.triples.query(predicate="code:method-of", object="rust:geo::<impl Circle>")
    assert sorted(t.subject for t in methods) == [
        "rust:geo::<impl Circle>::area",
        "rust:geo::<impl Circle>::new",
    ]


def test_set_put_child_replace_and_remove(loaded: CodeGraph) -> None:
    refined = Provenance(how="refined", detail={"attempt": 1})
    loaded.set("rust:geo::<impl Circle>::area", "code:return-type", "f32", refined)
    assert loaded.signature("rust:geo::<impl Circle>::area").returns == "f32"
    child = loaded.put_child(
        "rust:geo", CodeSignature(kind="fn", name="helper", visibility="pub"), refined, position=0
    )
    assert child == "rust:geo::helper"
    assert loaded.children("rust:geo")[0] == "rust:geo::helper"
    loaded.replace(
        "rust:geo::helper", CodeSignature(kind="fn", name="helper", returns="u8"), refined
    )
    assert loaded.children("rust:geo")[0] == "rust:geo::helper"
    assert loaded.signature("rust:geo::helper").returns == "u8"
    removed = loaded.remove("rust:geo::<impl Circle>")
    assert removed > 10
    assert loaded.find("area") == []
    assert "rust:geo::<impl Circle>" not in loaded.children("rust:geo")


def test_unknown_entity_names_the_fix(graph: CodeGraph) -> None:
    with pytest.raises(UserInputError, match="no code entity 'rust:nope'.*codeloop kg query"):
        graph.tree("rust:nope")


def test_data_flows_are_stored_and_rendered(graph: CodeGraph, tmp_path: Path) -> None:
    from codeloop.knowledge import CodeModule, DataFlow, FlowStep, linearize_rust
    from codeloop.knowledge.rust_linearize import flow_expression

    flow = DataFlow(
        name="evens",
        source="values.iter()",
        steps=[FlowStep(op="filter", arg="|v| **v % 2 == 0"), FlowStep(op="map", arg="|v| v * 10")],
        sink="collect()",
    )
    fn = CodeSignature(
        kind="fn",
        name="evens",
        visibility="pub",
        params=[Param(name="values", type="&[u32]")],
        returns="Vec<u32>",
        body=flow_expression(flow),
    )
    graph.put(CodeModule(name="flows", children=[flow, fn]), "rust:flows", INGESTED)
    module = graph.module("rust:flows")
    assert module.children[0].shape() == flow.shape()
    assert graph.children("rust:flows") == ["rust:flows::evens", "rust:flows::evens[2]"]
    source = linearize_rust(module)
    assert "// data flow `evens`:\n//   values.iter()\n//   .filter(|v| **v % 2 == 0)" in source
    (tmp_path / "lib.rs").write_text(source)
    done = subprocess.run(
        [
            "rustc",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--out-dir",
            str(tmp_path),
            str(tmp_path / "lib.rs"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_cfg_twins_get_distinct_nodes(graph: CodeGraph) -> None:
    source = (
        "pub struct Seen {\n    #[cfg(unix)]\n    fd: i32,\n    #[cfg(windows)]\n    fd: u64,\n}\n"
        "#[cfg(unix)]\nfn open() {}\n#[cfg(windows)]\nfn open() {}\n"
    )
    module = parse_rust_module(source, name="os").module
    graph.put(module, "rust:os", INGESTED)
    assert graph.module("rust:os").shape() == module.shape()
    assert graph.children("rust:os") == ["rust:os::Seen", "rust:os::open", "rust:os::open[2]"]
    fields = [t.object for t in graph.triples.query("rust:os::Seen", "code:field")]
    assert fields == ["rust:os::Seen#field.fd", "rust:os::Seen#field.fd[2]"]
