"""Abstract tree → Rust source. Placeholder bodies are ``todo!()``; rustfmt polishes the layout."""

from __future__ import annotations

from collections.abc import Iterable

from codeloop.knowledge.tree import (
    CodeItem,
    CodeModule,
    CodeSignature,
    DataFlow,
    FieldDef,
    GenericParam,
    Variant,
)

__all__ = ["flow_expression", "linearize_rust"]

_INDENT = "    "


def linearize_rust(node: CodeItem | Iterable[CodeItem]) -> str:
    """Rust source for one item, one module (as a file when it is the root), or several items."""
    lines: list[str] = []
    if isinstance(node, CodeModule):
        _module_body(node, lines, "")
    elif isinstance(node, CodeSignature | DataFlow):
        _item(node, lines, "")
    else:
        for index, item in enumerate(node):
            if index:
                lines.append("")
            _item(item, lines, "")
    return "\n".join(lines) + "\n"


def _doc(doc: str, lines: list[str], pad: str, marker: str = "///") -> None:
    if not doc:
        return
    for line in doc.split("\n"):
        lines.append(f"{pad}{marker} {line}" if line else f"{pad}{marker}")


def _attrs(attributes: Iterable[str], lines: list[str], pad: str) -> None:
    lines.extend(f"{pad}#[{a}]" for a in attributes)


def _vis(visibility: str) -> str:
    return f"{visibility} " if visibility else ""


def _module_body(module: CodeModule, lines: list[str], pad: str) -> None:
    _doc(module.doc, lines, pad, "//!")
    lines.extend(f"{pad}#![{a}]" for a in module.attributes)
    for path in module.uses:
        lines.append(f"{pad}use {path};")
    for path in module.reexports:
        lines.append(f"{pad}pub use {path};")
    for index, child in enumerate(module.children):
        if index or module.uses or module.reexports or module.doc or module.attributes:
            lines.append("")
        _item(child, lines, pad)


def _item(item: CodeItem, lines: list[str], pad: str) -> None:
    if isinstance(item, CodeModule):
        _doc(item.doc, lines, pad)
        _attrs(item.attributes, lines, pad)
        head = f"{pad}{_vis(item.visibility)}mod {item.name}"
        if item.external:
            lines.append(head + ";")
            return
        lines.append(head + " {")
        inner: list[str] = []
        _module_body(
            item.model_copy(update={"doc": item.doc and "", "attributes": []}), inner, pad + _INDENT
        )
        lines.extend(inner)
        lines.append(f"{pad}}}")
        return
    if isinstance(item, DataFlow):
        _flow(item, lines, pad)
        return
    _doc(item.doc, lines, pad)
    if item.derives:
        lines.append(f"{pad}#[derive({', '.join(item.derives)})]")
    _attrs(item.attributes, lines, pad)
    _SIGNATURE[item.kind](item, lines, pad)


def _generics(generics: list[GenericParam]) -> str:
    if not generics:
        return ""
    parts: list[str] = []
    for g in generics:
        if g.kind == "const":
            text = f"const {g.name}: {g.type}"
        else:
            text = g.name + (f": {' + '.join(g.bounds)}" if g.bounds else "")
        if g.default is not None:
            text += f" = {g.default}"
        parts.append(text)
    return f"<{', '.join(parts)}>"


def _where(where: list[str], pad: str) -> str:
    if not where:
        return ""
    return f"\n{pad}where\n" + "".join(f"{pad}{_INDENT}{w},\n" for w in where)


def _fn(sig: CodeSignature, lines: list[str], pad: str) -> None:
    params = ", ".join(
        p.type or "self"
        if p.kind == "self"
        else "..."
        if p.kind == "vararg"
        else f"{p.name}: {p.type}"
        for p in sig.params
    )
    quals = "".join(f"{q} " for q in sig.qualifiers)
    head = f"{pad}{_vis(sig.visibility)}{quals}fn {sig.name}{_generics(sig.generics)}({params})"
    if sig.returns is not None:
        head += f" -> {sig.returns}"
    where = _where(sig.where, pad)
    if sig.declaration:
        lines.append(head + where.rstrip("\n").rstrip(",") + ";")
        return
    body = sig.body if sig.body is not None else "todo!()"
    lines.append(head + (where if where else " ") + ("{" if not where else f"{pad}{{"))
    lines.extend(f"{pad}{_INDENT}{line}" if line else "" for line in body.split("\n"))
    lines.append(f"{pad}}}")


def _field(f: FieldDef, pad: str, lines: list[str], named: bool) -> None:
    if named:
        _doc(f.doc, lines, pad)
        _attrs(f.attributes, lines, pad)
        lines.append(f"{pad}{_vis(f.visibility)}{f.name}: {f.type},")


def _tuple_fields(fields: list[FieldDef]) -> str:
    return ", ".join(
        "".join(f"#[{a}] " for a in f.attributes) + f"{_vis(f.visibility)}{f.type}" for f in fields
    )


def _struct(sig: CodeSignature, lines: list[str], pad: str) -> None:
    keyword = "union" if sig.kind == "union" else "struct"
    head = f"{pad}{_vis(sig.visibility)}{keyword} {sig.name}{_generics(sig.generics)}"
    where = _where(sig.where, pad)
    if sig.form == "unit":
        lines.append(head + (where.rstrip("\n").rstrip(",") if where else "") + ";")
    elif sig.form == "tuple":
        lines.append(
            head
            + f"({_tuple_fields(sig.fields)})"
            + (where.rstrip("\n").rstrip(",") if where else "")
            + ";"
        )
    else:
        lines.append(head + (where + f"{pad}{{" if where else " {"))
        for f in sig.fields:
            _field(f, pad + _INDENT, lines, True)
        lines.append(f"{pad}}}")


def _variant(v: Variant, lines: list[str], pad: str) -> None:
    _doc(v.doc, lines, pad)
    _attrs(v.attributes, lines, pad)
    tail = f" = {v.discriminant}" if v.discriminant is not None else ""
    if v.form == "unit":
        lines.append(f"{pad}{v.name}{tail},")
    elif v.form == "tuple":
        lines.append(f"{pad}{v.name}({_tuple_fields(v.fields)}){tail},")
    else:
        lines.append(f"{pad}{v.name} {{")
        for f in v.fields:
            _field(f, pad + _INDENT, lines, True)
        lines.append(f"{pad}}}{tail},")


def _enum(sig: CodeSignature, lines: list[str], pad: str) -> None:
    where = _where(sig.where, pad)
    head = f"{pad}{_vis(sig.visibility)}enum {sig.name}{_generics(sig.generics)}"
    lines.append(head + (where + f"{pad}{{" if where else " {"))
    for v in sig.variants:
        _variant(v, lines, pad + _INDENT)
    lines.append(f"{pad}}}")


def _members(sig: CodeSignature, lines: list[str], pad: str) -> None:
    for index, member in enumerate(sig.items):
        if index:
            lines.append("")
        _item(member, lines, pad + _INDENT)
    lines.append(f"{pad}}}")


def _trait(sig: CodeSignature, lines: list[str], pad: str) -> None:
    quals = "".join(f"{q} " for q in sig.qualifiers)
    head = f"{pad}{_vis(sig.visibility)}{quals}trait {sig.name}{_generics(sig.generics)}"
    if sig.bounds:
        head += ": " + " + ".join(sig.bounds)
    where = _where(sig.where, pad)
    lines.append(head + (where + f"{pad}{{" if where else " {"))
    _members(sig, lines, pad)


def _impl(sig: CodeSignature, lines: list[str], pad: str) -> None:
    quals = "".join(f"{q} " for q in sig.qualifiers)
    head = f"{pad}{quals}impl{_generics(sig.generics)} "
    if sig.trait is not None:
        head += f"{sig.trait} for "
    head += sig.self_type or sig.name
    where = _where(sig.where, pad)
    lines.append(head + (where + f"{pad}{{" if where else " {"))
    _members(sig, lines, pad)


def _type(sig: CodeSignature, lines: list[str], pad: str) -> None:
    head = f"{pad}{_vis(sig.visibility)}type {sig.name}{_generics(sig.generics)}"
    if sig.bounds:
        head += ": " + " + ".join(sig.bounds)
    where = _where(sig.where, pad).rstrip("\n").rstrip(",") if sig.where else ""
    if sig.returns is not None:
        lines.append(f"{head}{where} = {sig.returns};")
    else:
        lines.append(f"{head}{where};")


def _const(sig: CodeSignature, lines: list[str], pad: str) -> None:
    keyword = "static" if sig.kind == "static" else "const"
    quals = "".join(f"{q} " for q in sig.qualifiers)
    head = f"{pad}{_vis(sig.visibility)}{keyword} {quals}{sig.name}"
    if sig.returns is not None:
        head += f": {sig.returns}"
    if sig.declaration:
        lines.append(head + ";")
    else:
        lines.append(f"{head} = {sig.body if sig.body is not None else 'todo!()'};")


def flow_expression(flow: DataFlow) -> str:
    """The flow as one iterator chain: ``source.map(f).filter(g).collect()``."""
    chain = flow.source + "".join(f"\n{_INDENT}.{s.op}({s.arg})" for s in flow.steps)
    return chain + (f"\n{_INDENT}.{flow.sink}" if flow.sink else "")


def _flow(flow: DataFlow, lines: list[str], pad: str) -> None:
    """At item level a flow is documentation: a comment block naming each stage."""
    _doc(flow.doc, lines, pad, "//")
    lines.append(f"{pad}// data flow `{flow.name}`:")
    lines.extend(f"{pad}//   {line.strip()}" for line in flow_expression(flow).split("\n"))


_SIGNATURE = {
    "fn": _fn,
    "struct": _struct,
    "union": _struct,
    "enum": _enum,
    "trait": _trait,
    "impl": _impl,
    "type": _type,
    "const": _const,
    "static": _const,
}
