"""Rust: tree-sitter parse → abstract tree → linearize → parse gives the same tree."""

from __future__ import annotations

import pytest

from codeloop.knowledge import (
    CodeModule,
    CodeSignature,
    canonical_rust,
    linearize_rust,
    parse_rust,
    parse_rust_module,
    rust_syntax_errors,
)
from codeloop.knowledge.rust_parse import flatten_use

SOURCE = """
//! Shapes.
use std::{collections::{HashMap, HashSet}, fmt as f};
pub use crate::inner::Thing;

/// A point.
/// Two lines.
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub(crate) struct P<'a, T: Clone + 'a, const N: usize = 3> where T: Copy {
    /// The x.
    pub x: &'a T,
    y: [u8; N],
}
struct U(pub u8, String);
struct E;
pub enum K { A, B(u8) = 3, C { x: u8 } }
pub unsafe trait Tr<T>: Clone + Send {
    type Item: Copy;
    const X: u8;
    fn f(&self, x: u8) -> u8;
    fn g(&mut self) { }
}
impl<T> Tr<T> for P<'_, T> where T: Copy { type Item = u8; fn f(&self, x: u8) -> u8 { 1 } }
impl !Send for E {}
pub const fn h(mut self: Box<Self>, (a, b): (u8, u8), _: i32)
    -> impl Fn(u8) -> u8 + 'static { todo!() }
pub async unsafe fn k<'a>(s: &'a str)
    -> Result<Vec<&'a str>, Box<dyn std::error::Error + Send>> { todo!() }
type A<T> = Vec<T>;
static mut S: u8 = 1;
const LIMIT: f64 = -1.5e+10_f64;
mod m { fn z() {} }
mod n;
"""


def test_round_trip_of_every_construct() -> None:
    module = parse_rust_module(SOURCE, name="shapes").module
    again = parse_rust_module(linearize_rust(module), name="shapes").module
    assert again.shape() == module.shape()
    assert [type(c).__name__ for c in module.children].count("CodeModule") == 2
    assert module.doc == "Shapes."
    assert module.uses == [
        "std::collections::HashMap",
        "std::collections::HashSet",
        "std::fmt as f",
    ]
    assert module.reexports == ["crate::inner::Thing"]


def test_signature_details() -> None:
    items = parse_rust(SOURCE)
    point = items[0]
    assert isinstance(point, CodeSignature)
    assert (point.kind, point.name, point.visibility) == ("struct", "P", "pub(crate)")
    assert point.doc == "A point.\nTwo lines."
    assert point.derives == ["Debug", "Clone", "PartialEq"]
    assert point.attributes == ["repr(C)"]
    assert [(g.kind, g.name, g.bounds, g.type, g.default) for g in point.generics] == [
        ("lifetime", "'a", [], None, None),
        ("type", "T", ["Clone", "'a"], None, None),
        ("const", "N", [], "usize", "3"),
    ]
    assert point.where == ["T: Copy"]
    assert [(f.name, f.type, f.visibility, f.doc) for f in point.fields] == [
        ("x", "&'a T", "pub", "The x."),
        ("y", "[u8; N]", "", ""),
    ]
    h = next(i for i in items if isinstance(i, CodeSignature) and i.name == "h")
    assert h.qualifiers == ["const"]
    assert [(p.name, p.type, p.kind) for p in h.params] == [
        ("mut self", "Box<Self>", "normal"),
        ("(a, b)", "(u8, u8)", "normal"),
        ("_", "i32", "normal"),
    ]
    assert h.returns == "impl Fn(u8) -> u8 + 'static"
    impl = next(i for i in items if isinstance(i, CodeSignature) and i.kind == "impl")
    assert (impl.trait, impl.self_type, impl.name) == (
        "Tr<T>",
        "P<'_, T>",
        "impl Tr<T> for P<'_, T>",
    )
    trait = next(i for i in items if isinstance(i, CodeSignature) and i.kind == "trait")
    assert trait.qualifiers == ["unsafe"] and trait.bounds == ["Clone", "Send"]
    assert [(i.kind, i.name, i.declaration) for i in trait.items] == [
        ("type", "Item", True),
        ("const", "X", True),
        ("fn", "f", True),
        ("fn", "g", False),
    ]


def test_linearized_output_is_exact() -> None:
    sig = parse_rust("#[derive(Debug)]\npub struct Config { pub host: String, port: u16 }")[0]
    assert linearize_rust(sig) == (
        "#[derive(Debug)]\npub struct Config {\n    pub host: String,\n    port: u16,\n}\n"
    )
    fn = parse_rust("/// Adds.\npub fn add(a: u32, b: u32) -> u32 { a + b }")[0]
    assert linearize_rust(fn) == "/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    todo!()\n}\n"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Vec< u8 >", "Vec<u8>"),
        ("HashMap<String,u32>", "HashMap<String, u32>"),
        ("& 'a  mut T", "&'a mut T"),
        ("dyn std :: error :: Error+Send", "dyn std::error::Error + Send"),
        ("fn(&str)->Result<(),E>", "fn(&str) -> Result<(), E>"),
        ("1.5e+10_f64", "1.5e+10_f64"),
        ('"a , b"', '"a , b"'),
        ('&["a", "b", ]', '&["a", "b"]'),
        ("(u8,)", "(u8, )"),
        ("&'static [(&'static str, u8), ]", "&'static[(&'static str, u8)]"),
    ],
)
def test_canonical_spelling(text: str, canonical: str) -> None:
    assert canonical_rust(text) == canonical


def test_use_trees_flatten() -> None:
    assert flatten_use("std::{io::{self, Write}, fmt as f}") == [
        "std::io",
        "std::io::Write",
        "std::fmt as f",
    ]


def test_syntax_errors_name_the_missing_token() -> None:
    assert rust_syntax_errors("pub struct A { x: Vec<u8 }") != []
    assert rust_syntax_errors("pub struct A { x: Vec<u8> }") == []


def test_macro_items_are_counted_as_skipped() -> None:
    parsed = parse_rust_module("macro_rules! m { () => {} }\nm!();\nfn f() {}", name="x")
    assert parsed.skipped == 2
    assert [c.name for c in parsed.module.children] == ["f"]
    assert isinstance(parsed.module, CodeModule)


def test_items_the_grammar_cannot_read_are_counted_not_stored() -> None:
    """Nightly-only syntax (``[const]`` bounds) would be misread: such items are left out; an error
    inside a function body does not matter, bodies are not part of the signature."""
    parsed = parse_rust_module(
        "pub struct A;\nimpl<T: [const] Eq> Eq for W<T> {}\nfn ok() { let x = ; }\npub struct B;\n",
        name="x",
    )
    assert parsed.errors == 1
    assert [c.name for c in parsed.module.children] == ["A", "ok", "B"]
