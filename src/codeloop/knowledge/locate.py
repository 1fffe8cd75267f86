"""Map a byte offset in generated Rust back to the tree node (and so the graph entity) it came from.

The linearizer emits a module's items in tree order, so the n-th item node tree-sitter finds is the
n-th item of the tree; inside an item, params, fields and variants pair up the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from codeloop.knowledge.rust_parse import ITEM_KINDS, rust_parser
from codeloop.knowledge.tree import CodeModule, CodeSignature, DataFlow, FieldDef, Param

__all__ = ["Location", "locate"]


@dataclass
class Location:
    """Where a span falls: the innermost module and item, and which part of the item."""

    module: CodeModule
    item: CodeSignature | None = None
    container: CodeSignature | None = None
    part: str = ""
    param: Param | None = None
    field: FieldDef | None = None
    body_start: int = 0
    body_end: int = 0
    item_start: int = 0
    item_end: int = 0


def _items(container: ts.Node) -> list[ts.Node]:
    return [c for c in container.named_children if c.type in ITEM_KINDS or c.type == "mod_item"]


def _inside(node: ts.Node, byte: int) -> bool:
    return node.start_byte <= byte < max(node.end_byte, node.start_byte + 1)


def locate(source: str, module: CodeModule, byte: int) -> Location:
    root = rust_parser().parse(source.encode("utf-8")).root_node
    return _in_module(root, module, byte)


def _in_module(container: ts.Node, module: CodeModule, byte: int) -> Location:
    children = [c for c in module.children if not isinstance(c, DataFlow)]
    for node, child in zip(_items(container), children, strict=False):
        if not _inside(node, byte):
            continue
        if isinstance(child, CodeModule):
            body = node.child_by_field_name("body")
            if body is not None:
                return _in_module(body, child, byte)
            return Location(module=child)
        if isinstance(child, CodeSignature):
            return _in_item(node, child, module, None, byte)
    return Location(module=module)


def _in_item(
    node: ts.Node,
    item: CodeSignature,
    module: CodeModule,
    container: CodeSignature | None,
    byte: int,
) -> Location:
    where = Location(
        module=module,
        item=item,
        container=container,
        item_start=node.start_byte,
        item_end=node.end_byte,
    )
    body = node.child_by_field_name("body")
    if item.kind in ("impl", "trait") and body is not None:
        for member_node, member in zip(_items(body), item.items, strict=False):
            if _inside(member_node, byte):
                return _in_item(member_node, member, module, item, byte)
        where.part = "header"
        return where
    params = node.child_by_field_name("parameters")
    if params is not None and _inside(params, byte):
        nodes = [
            c
            for c in params.named_children
            if c.type in ("self_parameter", "parameter", "variadic_parameter")
        ]
        for param_node, param in zip(nodes, item.params, strict=False):
            if _inside(param_node, byte):
                where.part, where.param = "param", param
                return where
        where.part = "params"
        return where
    returns = node.child_by_field_name("return_type")
    if returns is not None and _inside(returns, byte):
        where.part = "return"
        return where
    if body is not None and _inside(body, byte):
        if item.kind in ("struct", "union"):
            where.part = "fields"
            for field_node in body.named_children:
                if field_node.type == "field_declaration" and _inside(field_node, byte):
                    name = field_node.child_by_field_name("name")
                    text = name.text.decode() if name is not None and name.text else ""
                    where.field = next((f for f in item.fields if f.name == text), None)
                    where.part = "field"
            return where
        where.part = "body"
        where.body_start, where.body_end = body.start_byte, body.end_byte
        return where
    where.part = "header"
    return where
