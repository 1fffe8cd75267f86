"""The compiler-feedback loop with the real rustc: five defect kinds, each repaired in the graph."""

from __future__ import annotations

import json

import pytest

from codeloop.knowledge import (
    CegisLoop,
    CodeGraph,
    CodeModule,
    CompilerDiagnostic,
    Provenance,
    RustcChecker,
    TemplateLibrary,
    classify,
    parse_rust,
)
from codeloop.knowledge.cegis import balance_brackets

MODULE = "rust:shop"
IMPL = "rust:shop::<impl Cart>[2]"
BODIES = {
    "bump": "self.count += 1;",
    "size": "self.items.len()",
    "twice": "let a = self.size();\nlet b = self.size();\na + b",
    "count": "self.count",
    "describe": 'format!("{:?}", self)',
    "show": "String::new()",
}


@pytest.fixture
def shop(graph: CodeGraph, library: TemplateLibrary) -> CodeGraph:
    """A crate that compiles: a struct from templates and an impl with real bodies."""
    fields = "owner: String, count: u64, items: HashMap<String, u32>"
    items = library.instantiate("struct", {"Type": "Cart", "fields": fields}).items
    items += library.instantiate("new-constructor", {"Type": "Cart", "fields": fields}).items
    extra = parse_rust(
        "impl Cart { fn bump(&mut self) {} fn size(&self) -> usize {} fn twice(self) -> usize {}"
        " fn count(&self) -> u64 {} fn describe(&self) -> String {} fn show(&self) -> String {} }"
    )[0]
    for method in extra.items:  # type: ignore[union-attr]
        method.body = BODIES[method.name]
    module = CodeModule(name="shop", uses=["std::collections::HashMap"], children=[*items, extra])
    graph.put(module, MODULE, Provenance(how="generated"))
    return graph


async def _run(graph: CodeGraph, library: TemplateLibrary, max_attempts: int = 3):  # type: ignore[no-untyped-def]
    return await CegisLoop(graph, RustcChecker(), library, max_attempts=max_attempts).run(MODULE)


async def test_a_clean_graph_needs_no_repair(shop: CodeGraph, library: TemplateLibrary) -> None:
    report = await _run(shop, library)
    assert report.ok and report.repairs == 0


@pytest.mark.parametrize(
    ("defect", "kind", "action", "check"),
    [
        (
            lambda g, p: g.set(f"{IMPL}::count", "code:return-type", "u32", p),
            "type_mismatch",
            "set-return-type",
            lambda g: g.signature(f"{IMPL}::count").returns == "u64",
        ),
        (
            lambda g, p: g.set("rust:shop::<impl Cart>::new#param1", "code:type", "i32", p),
            "type_mismatch",
            "set-param-type",
            lambda g: g.signature("rust:shop::<impl Cart>::new").params[1].type == "u64",
        ),
        (
            lambda g, p: g.triples.remove_fact(
                MODULE, "code:depends-on", "std::collections::HashMap"
            ),
            "unresolved",
            "add-depends-on",
            lambda g: g.module(MODULE).uses == ["std::collections::HashMap"],
        ),
        (
            lambda g, p: g.triples.remove_fact("rust:shop::Cart", "code:derives", "Debug"),
            "missing_trait",
            "add-derive",
            lambda g: "Debug" in g.signature("rust:shop::Cart").derives,
        ),
        (
            lambda g, p: g.set(f"{IMPL}::show", "code:body", "self.to_string()", p),
            "missing_trait",
            "add-impl",
            lambda g: (
                [g.signature(e).trait for e in g.entities(kind="impl")].count("std::fmt::Display")
                == 1
            ),
        ),
        (
            lambda g, p: g.set(f"{IMPL}::bump#param0", "code:type", "&self", p),
            "ownership",
            "mutable-receiver",
            lambda g: g.signature(f"{IMPL}::bump").params[0].type == "&mut self",
        ),
        (
            lambda g, p: g.set(f"{IMPL}::size#param0", "code:type", "self", p),
            "ownership",
            "borrow-receiver",
            lambda g: g.signature(f"{IMPL}::size").params[0].type == "&self",
        ),
        (
            lambda g, p: g.set(
                "rust:shop::Cart#field.items", "code:type", "HashMap<String, u32", p
            ),
            "syntax",
            "balance-brackets",
            lambda g: g.signature("rust:shop::Cart").fields[2].type == "HashMap<String, u32>",
        ),
    ],
    ids=[
        "return-type",
        "param-type",
        "import",
        "derive",
        "impl",
        "mut-receiver",
        "moved-self",
        "syntax",
    ],
)
async def test_seeded_defect_is_repaired(
    shop: CodeGraph,
    library: TemplateLibrary,
    defect,
    kind: str,
    action: str,
    check,  # type: ignore[no-untyped-def]
) -> None:
    defect(shop, Provenance(how="user"))
    report = await _run(shop, library)
    assert report.ok, [a.errors for a in report.attempts]
    assert report.repairs == 1
    edits = report.attempts[0].edits
    assert [(e.kind, e.action) for e in edits] == [(kind, action)]
    assert check(shop)
    refinements = shop.triples.query(MODULE, "code:refinement")
    assert [json.loads(t.object)["ok"] for t in refinements] == [False, True]
    first = refinements[0].provenance["detail"]["diagnostics"][0]
    assert first["code"] == report.attempts[0].errors[0].code


async def test_edits_carry_the_diagnostic_as_provenance(
    shop: CodeGraph, library: TemplateLibrary
) -> None:
    shop.set(f"{IMPL}::count", "code:return-type", "u32", Provenance(how="user"))
    await _run(shop, library)
    fact = shop.triples.query(f"{IMPL}::count", "code:return-type")[0]
    assert fact.provenance["how"] == "refined"
    assert fact.provenance["detail"]["attempt"] == 0
    assert fact.provenance["detail"]["diagnostic"]["code"] == "E0308"
    assert "expected `u32`, found `u64`" in fact.provenance["detail"]["diagnostic"]["label"]


async def test_the_loop_is_bounded(shop: CodeGraph, library: TemplateLibrary) -> None:
    shop.set(f"{IMPL}::count", "code:body", "undefined_function_xyz()", Provenance(how="user"))
    report = await _run(shop, library, max_attempts=2)
    assert not report.ok
    assert len(report.attempts) <= 3
    assert all(d.code == "E0425" for d in report.attempts[0].errors)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("E0308", "type_mismatch"),
        ("E0412", "unresolved"),
        ("E0432", "unresolved"),
        ("E0277", "missing_trait"),
        ("E0382", "ownership"),
        ("E0596", "ownership"),
        (None, "syntax"),
        ("E9999", "other"),
    ],
)
def test_classify_by_error_code(code: str | None, kind: str) -> None:
    assert classify(CompilerDiagnostic(level="error", code=code, message="m")) == kind


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("Vec<u8", "Vec<u8>"),
        ("HashMap<String, Vec<u8>", "HashMap<String, Vec<u8>>"),
        ("Option<(u8, u16>", "Option<(u8, u16)>"),
        ("u8>", "u8"),
        ("fn(u8) -> u8", "fn(u8) -> u8"),
    ],
)
def test_balance_brackets(broken: str, fixed: str) -> None:
    assert balance_brackets(broken) == fixed
