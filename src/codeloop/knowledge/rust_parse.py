"""Rust source → abstract tree, with tree-sitter (offline grammar package ``tree-sitter-rust``).

Bodies are dropped (``body=None``): the tree is the signature skeleton. Items produced by macros,
``extern`` blocks and ``macro_rules!`` are skipped; :attr:`RustParse.skipped` counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import tree_sitter as ts
import tree_sitter_rust

from codeloop.knowledge._text import canonical_rust
from codeloop.knowledge.tree import (
    CodeItem,
    CodeModule,
    CodeSignature,
    FieldDef,
    GenericParam,
    Param,
    Variant,
)

__all__ = [
    "ITEM_KINDS",
    "RustParse",
    "flatten_use",
    "parse_rust",
    "parse_rust_module",
    "rust_parser",
    "rust_syntax_errors",
]

ITEM_KINDS = {
    "function_item": "fn",
    "function_signature_item": "fn",
    "struct_item": "struct",
    "union_item": "union",
    "enum_item": "enum",
    "trait_item": "trait",
    "impl_item": "impl",
    "type_item": "type",
    "associated_type": "type",
    "const_item": "const",
    "static_item": "static",
}
_SKIPPED = {"macro_invocation", "macro_definition", "foreign_mod_item", "extern_crate_declaration"}


@cache
def rust_parser() -> ts.Parser:
    """The tree-sitter parser for Rust (built once per process)."""
    return ts.Parser(ts.Language(tree_sitter_rust.language()))


def _text(node: ts.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def _canon(node: ts.Node | None) -> str:
    return canonical_rust(_text(node))


@dataclass
class RustParse:
    """A parsed file: its module tree, how many items were skipped and how many ERROR nodes."""

    module: CodeModule
    skipped: int = 0
    errors: int = 0


def rust_syntax_errors(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` per ERROR or MISSING node: a cheap check before calling the compiler."""
    found: list[tuple[int, str]] = []

    def walk(node: ts.Node) -> None:
        if node.is_missing:
            found.append((node.start_point[0] + 1, f"missing `{node.type}`"))
        elif node.type == "ERROR":
            found.append((node.start_point[0] + 1, f"unexpected `{_text(node)[:40]}`"))
        if node.has_error:
            for child in node.children:
                walk(child)

    walk(rust_parser().parse(source.encode("utf-8")).root_node)
    return found


def parse_rust(source: str) -> list[CodeItem]:
    """The items of a Rust file (modules nested), signatures only."""
    return parse_rust_module(source, name="crate").module.children


def parse_rust_module(source: str, *, name: str) -> RustParse:
    tree = rust_parser().parse(source.encode("utf-8"))
    builder = _Builder()
    module = CodeModule(name=name)
    builder.fill_module(module, tree.root_node)
    return RustParse(module=module, skipped=builder.skipped, errors=builder.errors)


def flatten_use(text: str) -> list[str]:
    """``std::{io::{self, Write}, fmt as f}`` → ``std::io``, ``std::io::Write``, and so on."""
    return [canonical_rust(p) for p in _expand(canonical_rust(text))]


def _expand(text: str) -> list[str]:
    brace = text.find("{")
    if brace < 0:
        return [text.removesuffix("::self")]
    prefix, inner = text[:brace], text[brace + 1 : text.rfind("}")]
    out: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(inner + ","):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            part = inner[start:i].strip()
            start = i + 1
            if part:
                out.extend(_expand(prefix + part))
    return out


class _Builder:
    def __init__(self) -> None:
        self.skipped = 0
        self.errors = 0

    def fill_module(self, module: CodeModule, container: ts.Node) -> None:
        pending_doc: list[str] = []
        pending_attrs: list[str] = []
        for node in container.named_children:
            kind = node.type
            if kind in {"line_comment", "block_comment"}:
                found = _doc_of(node)
                if found is None:
                    continue
                inner, text = found
                if inner:
                    module.doc = _join(module.doc, text)
                else:
                    pending_doc.append(text)
                continue
            if kind == "attribute_item":
                pending_attrs.append(_canon(node.named_children[0]))
                continue
            if kind == "inner_attribute_item":
                module.attributes.append(_canon(node.named_children[0]))
                continue
            doc, attrs = "\n".join(pending_doc), pending_attrs
            pending_doc, pending_attrs = [], []
            if kind == "ERROR":
                self.errors += 1
                continue
            if kind == "use_declaration":
                paths = flatten_use(_text(node.child_by_field_name("argument")))
                (module.reexports if _visibility(node) else module.uses).extend(paths)
                continue
            if kind == "mod_item":
                sub = CodeModule(
                    name=_text(node.child_by_field_name("name")),
                    visibility=_visibility(node),
                    line=node.start_point[0] + 1,
                )
                sub.doc, sub.attributes = doc, attrs
                body = node.child_by_field_name("body")
                if body is None:
                    sub.external = True
                else:
                    self.fill_module(sub, body)
                module.children.append(sub)
                continue
            if kind in _SKIPPED or kind not in ITEM_KINDS:
                if kind not in ("empty_statement",):
                    self.skipped += 1
                continue
            if _signature_has_error(node):
                self.errors += 1
                continue
            module.children.append(self.item(node, doc, attrs))

    def item(self, node: ts.Node, doc: str, attrs: list[str]) -> CodeSignature:
        kind = ITEM_KINDS[node.type]
        derives = [d for a in attrs if a.startswith("derive(") for d in _derive_list(a)]
        sig = CodeSignature(
            kind=kind,  # type: ignore[arg-type]
            line=node.start_point[0] + 1,
            name=_text(node.child_by_field_name("name")),
            visibility=_visibility(node),
            doc=doc,
            attributes=[a for a in attrs if not a.startswith("derive(")],
            derives=derives,
            generics=_generics(node.child_by_field_name("type_parameters")),
            where=_where(node),
        )
        handler = getattr(self, f"_{kind}")
        handler(sig, node)
        return sig

    def _fn(self, sig: CodeSignature, node: ts.Node) -> None:
        sig.qualifiers = _fn_qualifiers(node)
        params = node.child_by_field_name("parameters")
        for child in params.named_children if params else []:
            if child.type == "self_parameter":
                sig.params.append(Param(name="self", type=_canon(child), kind="self"))
            elif child.type == "parameter":
                pattern = child.child_by_field_name("pattern")
                name = _canon(pattern)
                if child.named_children and child.named_children[0].type == "mutable_specifier":
                    name = "mut " + name
                sig.params.append(Param(name=name, type=_canon(child.child_by_field_name("type"))))
            elif child.type == "variadic_parameter":
                sig.params.append(Param(name="...", kind="vararg"))
            elif child.type not in ("attribute_item", "line_comment", "block_comment"):
                sig.params.append(Param(name="_", type=_canon(child)))
        returns = node.child_by_field_name("return_type")
        sig.returns = _canon(returns) if returns is not None else None
        sig.declaration = node.child_by_field_name("body") is None

    def _struct(self, sig: CodeSignature, node: ts.Node) -> None:
        body = node.child_by_field_name("body")
        sig.form, sig.fields = _fields(body)

    def _union(self, sig: CodeSignature, node: ts.Node) -> None:
        self._struct(sig, node)

    def _enum(self, sig: CodeSignature, node: ts.Node) -> None:
        body = node.child_by_field_name("body")
        doc: list[str] = []
        attrs: list[str] = []
        for child in body.named_children if body else []:
            if child.type in ("line_comment", "block_comment"):
                found = _doc_of(child)
                if found and not found[0]:
                    doc.append(found[1])
            elif child.type == "attribute_item":
                attrs.append(_canon(child.named_children[0]))
            elif child.type == "enum_variant":
                form, fields = _fields(child.child_by_field_name("body"))
                value = child.child_by_field_name("value")
                sig.variants.append(
                    Variant(
                        name=_text(child.child_by_field_name("name")),
                        form=form,
                        fields=fields,
                        discriminant=_canon(value) if value is not None else None,
                        doc="\n".join(doc),
                        attributes=attrs,
                    )
                )
                doc, attrs = [], []

    def _trait(self, sig: CodeSignature, node: ts.Node) -> None:
        sig.qualifiers = [_text(c) for c in node.children if c.type == "unsafe"]
        sig.bounds = _bounds(node.child_by_field_name("bounds"))
        self._members(sig, node.child_by_field_name("body"))

    def _impl(self, sig: CodeSignature, node: ts.Node) -> None:
        sig.qualifiers = [_text(c) for c in node.children if c.type == "unsafe"]
        trait = node.child_by_field_name("trait")
        negative = any(c.type == "!" for c in node.children)
        if trait is not None:
            sig.trait = ("!" if negative else "") + _canon(trait)
        sig.self_type = _canon(node.child_by_field_name("type"))
        sig.name = (
            f"impl {sig.trait} for {sig.self_type}"
            if trait is not None
            else f"impl {sig.self_type}"
        )
        self._members(sig, node.child_by_field_name("body"))

    def _members(self, sig: CodeSignature, body: ts.Node | None) -> None:
        pending_doc: list[str] = []
        pending_attrs: list[str] = []
        for child in body.named_children if body else []:
            if child.type in ("line_comment", "block_comment"):
                found = _doc_of(child)
                if found and not found[0]:
                    pending_doc.append(found[1])
                continue
            if child.type == "attribute_item":
                pending_attrs.append(_canon(child.named_children[0]))
                continue
            if child.type in ITEM_KINDS and _signature_has_error(child):
                self.errors += 1
            elif child.type in ITEM_KINDS:
                sig.items.append(self.item(child, "\n".join(pending_doc), pending_attrs))
            else:
                self.skipped += 1
            pending_doc, pending_attrs = [], []

    def _type(self, sig: CodeSignature, node: ts.Node) -> None:
        aliased = node.child_by_field_name("type")
        sig.returns = _canon(aliased) if aliased is not None else None
        sig.bounds = _bounds(node.child_by_field_name("bounds"))
        sig.declaration = aliased is None

    def _const(self, sig: CodeSignature, node: ts.Node) -> None:
        typ = node.child_by_field_name("type")
        sig.returns = _canon(typ) if typ is not None else None
        value = node.child_by_field_name("value")
        sig.body = _canon(value) if value is not None else None
        sig.declaration = value is None

    def _static(self, sig: CodeSignature, node: ts.Node) -> None:
        self._const(sig, node)
        if any(c.type == "mutable_specifier" for c in node.named_children):
            sig.qualifiers = ["mut"]


def _signature_has_error(node: ts.Node) -> bool:
    """Syntax the grammar does not know (nightly-only forms) outside the item's body: such an
    item would be read wrongly, so it is counted and left out rather than stored."""
    if not node.has_error:
        return False
    body = node.child_by_field_name("body")
    keep_members = node.type in ("impl_item", "trait_item")
    for child in node.children:
        if (
            body is not None
            and child.id == body.id
            and (keep_members or node.type == "function_item")
        ):
            continue
        if child.type == "ERROR" or child.is_missing or child.has_error:
            return True
    return False


def _join(a: str, b: str) -> str:
    return f"{a}\n{b}" if a else b


def _doc_of(node: ts.Node) -> tuple[bool, str] | None:
    """``(inner, text)`` for a doc comment, ``None`` for an ordinary comment."""
    outer = node.child_by_field_name("outer")
    inner = node.child_by_field_name("inner")
    if outer is None and inner is None:
        return None
    text = _text(node.child_by_field_name("doc"))
    if node.type == "block_comment":
        text = text.strip()
    else:
        text = text.removesuffix("\n").removesuffix("\r")
        text = text.removeprefix(" ")
    return inner is not None, text


def _visibility(node: ts.Node) -> str:
    for child in node.named_children:
        if child.type == "visibility_modifier":
            return _canon(child)
    return ""


def _fn_qualifiers(node: ts.Node) -> list[str]:
    for child in node.named_children:
        if child.type == "function_modifiers":
            return [canonical_rust(_text(c)) for c in child.children]
    return []


def _derive_list(attr: str) -> list[str]:
    inner = attr[len("derive(") : -1]
    return [d.strip() for d in inner.split(",") if d.strip()]


def _generics(node: ts.Node | None) -> list[GenericParam]:
    out: list[GenericParam] = []
    for child in node.named_children if node else []:
        if child.type == "lifetime_parameter":
            out.append(
                GenericParam(
                    kind="lifetime",
                    name=_canon(child.child_by_field_name("name")),
                    bounds=_bounds(child.child_by_field_name("bounds")),
                )
            )
        elif child.type == "type_parameter":
            default = child.child_by_field_name("default_type")
            out.append(
                GenericParam(
                    name=_canon(child.child_by_field_name("name")),
                    bounds=_bounds(child.child_by_field_name("bounds")),
                    default=_canon(default) if default is not None else None,
                )
            )
        elif child.type == "const_parameter":
            value = child.child_by_field_name("value")
            out.append(
                GenericParam(
                    kind="const",
                    name=_canon(child.child_by_field_name("name")),
                    type=_canon(child.child_by_field_name("type")),
                    default=_canon(value) if value is not None else None,
                )
            )
        elif child.type not in ("attribute_item", "line_comment", "block_comment"):
            out.append(GenericParam(name=_canon(child)))
    return out


def _bounds(node: ts.Node | None) -> list[str]:
    if node is None:
        return []
    return [
        _canon(c) for c in node.named_children if c.type not in ("line_comment", "block_comment")
    ]


def _where(node: ts.Node) -> list[str]:
    for child in node.named_children:
        if child.type == "where_clause":
            return [_canon(p) for p in child.named_children if p.type == "where_predicate"]
    return []


def _fields(body: ts.Node | None) -> tuple[Literal["named", "tuple", "unit"], list[FieldDef]]:
    if body is None:
        return "unit", []
    fields: list[FieldDef] = []
    if body.type == "ordered_field_declaration_list":
        visibility = ""
        attrs: list[str] = []
        for child in body.named_children:
            if child.type == "visibility_modifier":
                visibility = _canon(child)
            elif child.type == "attribute_item":
                attrs.append(_canon(child.named_children[0]))
            elif child.type not in ("line_comment", "block_comment"):
                fields.append(
                    FieldDef(
                        name=str(len(fields)),
                        type=_canon(child),
                        visibility=visibility,
                        attributes=attrs,
                    )
                )
                visibility, attrs = "", []
        return "tuple", fields
    doc: list[str] = []
    attrs = []
    for child in body.named_children:
        if child.type in ("line_comment", "block_comment"):
            found = _doc_of(child)
            if found and not found[0]:
                doc.append(found[1])
        elif child.type == "attribute_item":
            attrs.append(_canon(child.named_children[0]))
        elif child.type == "field_declaration":
            fields.append(
                FieldDef(
                    name=_text(child.child_by_field_name("name")),
                    type=_canon(child.child_by_field_name("type")),
                    visibility=_visibility(child),
                    doc="\n".join(doc),
                    attributes=attrs,
                )
            )
            doc, attrs = [], []
    return "named", fields
