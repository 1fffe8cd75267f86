"""Source code → small immutable trees that every miner, encoder and learner in this package shares.

Parsing is tree-sitter for both Python and Rust, so the two languages give trees of one shape.
Fragments (a snippet from a blog post, a body without its function) are parsed as they are first
and, when that leaves syntax errors, again wrapped the way the language allows; the wrap with fewer
errors wins. Comments and punctuation are dropped; operators are kept as leaves because ``a + b``
and ``a - b`` differ. Identifiers that a function binds (parameters, locals, loop variables) are
renamed ``v0, v1, …`` by first occurrence, so two functions that differ only in names give the same
tree; free names (callees, globals, fields, types) are kept, because they carry the API.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import tree_sitter
import tree_sitter_python
import tree_sitter_rust

from codeloop.errors import UserInputError

__all__ = [
    "MAX_DEPTH",
    "Language",
    "Node",
    "ParsedCode",
    "Parsers",
    "Unit",
]

Language = Literal["python", "rust"]

_PUNCT = frozenset(
    {"(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "::", "->", "=>", "=", "'", '"', "#"}
)
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})
_LITERALS = frozenset(
    {
        "string",
        "concatenated_string",
        "string_literal",
        "raw_string_literal",
        "char_literal",
        "integer",
        "float",
        "integer_literal",
        "float_literal",
        "true",
        "false",
        "none",
        "boolean_literal",
    }
)
_NUMBERS = frozenset({"integer", "float", "integer_literal", "float_literal"})
_STRINGS = frozenset(
    {"string", "concatenated_string", "string_literal", "raw_string_literal", "char_literal"}
)

# (parent type, field) pairs whose identifiers a function binds.
_BINDERS: dict[Language, frozenset[tuple[str, str]]] = {
    "python": frozenset(
        {
            ("parameters", ""),
            ("lambda_parameters", ""),
            ("default_parameter", "name"),
            ("typed_parameter", ""),
            ("typed_default_parameter", "name"),
            ("list_splat_pattern", ""),
            ("dictionary_splat_pattern", ""),
            ("assignment", "left"),
            ("augmented_assignment", "left"),
            ("for_statement", "left"),
            ("for_in_clause", "left"),
            ("as_pattern_target", ""),
            ("named_expression", "name"),
            ("except_clause", "alias"),
        }
    ),
    "rust": frozenset(
        {
            ("parameter", "pattern"),
            ("let_declaration", "pattern"),
            ("let_condition", "pattern"),
            ("for_expression", "pattern"),
            ("closure_parameters", ""),
            ("match_pattern", ""),
        }
    ),
}
# Identifiers below these nodes inside a binding site are not bound (``x.y = 1`` binds nothing).
_NOT_BINDING_BELOW = frozenset(
    {"attribute", "subscript", "call", "scoped_identifier", "field_expression", "index_expression"}
)
_FUNCTIONS: dict[Language, str] = {"python": "function_definition", "rust": "function_item"}
MAX_DEPTH = 150
"""Deeper code (a generated 300-term sum, say) is skipped: every tree walk here stays shallow."""


class Node:
    """An immutable tree node: ``label`` is the node type for inner nodes and the canonical text
    for leaves. Hash, size and depth are computed once at construction, so hashing and comparing
    deep trees never recurses."""

    __slots__ = ("_depth", "_hash", "_size", "children", "label")

    label: str
    children: tuple[Node, ...]
    _hash: int
    _size: int
    _depth: int

    def __init__(self, label: str, children: tuple[Node, ...] = ()) -> None:
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "_hash", hash((label, tuple(c._hash for c in children))))
        object.__setattr__(self, "_size", 1 + sum(c._size for c in children))
        object.__setattr__(self, "_depth", 1 + max((c._depth for c in children), default=0))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Node is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        stack: list[tuple[Node, Node]] = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if a._hash != b._hash or a.label != b.label or len(a.children) != len(b.children):
                return False
            stack.extend(zip(a.children, b.children, strict=True))
        return True

    def __repr__(self) -> str:
        return f"Node({self.sexpr()!r})"

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def size(self) -> int:
        return self._size

    def depth(self) -> int:
        return self._depth

    def preorder(self) -> Iterator[Node]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def sexpr(self) -> str:
        if not self.children:
            return self.label
        return "(" + " ".join([self.label, *(c.sexpr() for c in self.children)]) + ")"


@dataclass(frozen=True)
class Unit:
    """One unit of code (a function, or a whole fragment) as a canonical tree with its origin."""

    name: str
    language: Language
    tree: Node
    text: str
    line: int
    errors: int = 0
    params: tuple[str, ...] = ()
    returns: str = ""
    column: int = 0


@dataclass(frozen=True)
class ParsedCode:
    """A parsed snippet: the tree-sitter root, how many syntax errors remain, and the wrap used."""

    language: Language
    source: bytes
    root: tree_sitter.Node
    errors: int
    wrapped: str

    @property
    def ok(self) -> bool:
        """No syntax error left, and shallow enough to mine."""
        return self.errors == 0 and self.shallow

    @cached_property
    def shallow(self) -> bool:
        return _depth(self.root) <= MAX_DEPTH

    @cached_property
    def tree(self) -> Node:
        return _convert(
            self.root, self.source, self.language, _bound_names(self.root, self.language)
        )

    def spanned_units(self) -> list[tuple[str, Node, dict[int, tuple[int, int]]]]:
        """Each function's name and tree, with the byte span in ``source`` of every tree node
        (keyed by ``id``): what turns a learned pattern back into source text."""
        found: list[tuple[str, Node, dict[int, tuple[int, int]]]] = []
        kind = _FUNCTIONS[self.language]
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.type == kind and _depth(node) <= MAX_DEPTH:
                name_node = node.child_by_field_name("name")
                name = _text(name_node, self.source) if name_node is not None else "<anonymous>"
                spans: dict[int, tuple[int, int]] = {}
                names = _bound_names(node, self.language)
                tree = _convert(node, self.source, self.language, names, spans)
                found.append((name, tree, spans))
            stack.extend(reversed(node.children))
        return found

    def units(self) -> list[Unit]:
        """Every function (nested ones too), or the whole snippet when it defines none."""
        found: list[Unit] = []
        kind = _FUNCTIONS[self.language]
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.type == kind:
                unit = self._unit(node)
                if unit is not None:
                    found.append(unit)
            stack.extend(reversed(node.children))
        if not found and self.shallow:
            found.append(Unit("<fragment>", self.language, self.tree, self.source.decode(), 1))
        return found

    def _unit(self, node: tree_sitter.Node) -> Unit | None:
        if _depth(node) > MAX_DEPTH:
            return None
        name_node = node.child_by_field_name("name")
        name = _text(name_node, self.source) if name_node is not None else "<anonymous>"
        tree = _convert(node, self.source, self.language, _bound_names(node, self.language))
        text = self.source[node.start_byte : node.end_byte].decode(errors="replace")
        params, returns = _signature(node, self.source)
        return Unit(
            name,
            self.language,
            tree,
            text,
            node.start_point[0] + 1,
            _count_errors(node),
            params,
            returns,
            node.start_point[1],
        )


class Parsers:
    """One tree-sitter parser per language, created on first use (they are not thread-safe)."""

    def __init__(self) -> None:
        self._parsers: dict[Language, tree_sitter.Parser] = {}

    def _parser(self, language: Language) -> tree_sitter.Parser:
        parser = self._parsers.get(language)
        if parser is None:
            grammar = tree_sitter_python if language == "python" else tree_sitter_rust
            parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
            self._parsers[language] = parser
        return parser

    def parse(self, code: str, language: Language) -> ParsedCode:
        """Parse exactly ``code``; syntax errors are counted, never raised."""
        if language not in _FUNCTIONS:
            raise UserInputError(f"unsupported language {language!r}: use python or rust")
        source = code.encode()
        root = self._parser(language).parse(source).root_node
        return ParsedCode(language, source, root, _count_errors(root), "")

    def parse_fragment(self, code: str, language: Language) -> ParsedCode:
        """Parse a snippet that may not be a whole file; the reading with fewest errors wins."""
        best = self.parse(code, language)
        if best.ok:
            return best
        for wrap, text in _wraps(code, language):
            candidate = self.parse(text, language)
            if candidate.errors < best.errors:
                best = ParsedCode(
                    language, candidate.source, candidate.root, candidate.errors, wrap
                )
            if best.ok:
                break
        return best


def _wraps(code: str, language: Language) -> list[tuple[str, str]]:
    if language == "python":
        lines = code.splitlines()
        if any(line.startswith(">>> ") for line in lines):
            kept = [line[4:] for line in lines if line.startswith((">>> ", "... "))]
            return [("doctest", "\n".join(kept) + "\n")]
        return [("dedent", textwrap.dedent(code))]
    return [
        ("fn-body", "fn __fragment() {\n" + code + "\n}\n"),
        ("impl-body", "impl __Fragment {\n" + code + "\n}\n"),
        ("expr", "fn __fragment() {\n" + code + ";\n}\n"),
    ]


def _depth(node: tree_sitter.Node) -> int:
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in current.children)
    return deepest


def _signature(node: tree_sitter.Node, source: bytes) -> tuple[tuple[str, ...], str]:
    """Parameter types (``?`` where none is written) and the return type of a function node."""
    params: list[str] = []
    parameters = node.child_by_field_name("parameters")
    for child in parameters.named_children if parameters is not None else []:
        if child.type in _COMMENTS:
            continue
        if child.type == "self_parameter":
            params.append("Self")
            continue
        annotation = child.child_by_field_name("type")
        params.append(" ".join(_text(annotation, source).split()) if annotation else "?")
    returns = node.child_by_field_name("return_type")
    return tuple(params), " ".join(_text(returns, source).split()) if returns else ""


def _text(node: tree_sitter.Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode(errors="replace")


def _count_errors(node: tree_sitter.Node) -> int:
    if not node.has_error:
        return 0
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            count += 1
            continue
        stack.extend(c for c in current.children if c.has_error or c.is_missing)
    return count


def _bound_names(root: tree_sitter.Node, language: Language) -> dict[str, str]:
    """Names bound inside ``root`` → ``v0, v1, …`` in order of first binding."""
    binders = _BINDERS[language]
    names: dict[str, str] = {}
    stack: list[tuple[tree_sitter.Node, bool]] = [(root, False)]
    while stack:
        node, binding = stack.pop()
        if binding and node.type == "identifier":
            name = node.text.decode() if node.text is not None else ""
            names.setdefault(name, f"v{len(names)}")
            continue
        if binding and node.type in _NOT_BINDING_BELOW:
            continue
        children = node.children
        pushed: list[tuple[tree_sitter.Node, bool]] = []
        for index, child in enumerate(children):
            field = node.field_name_for_child(index) or ""
            is_binding = binding or (node.type, field) in binders
            if node.type == "typed_parameter" and index > 0:
                is_binding = binding
            pushed.append((child, is_binding))
        stack.extend(reversed(pushed))
    return names


def _convert(
    node: tree_sitter.Node,
    source: bytes,
    language: Language,
    names: dict[str, str],
    spans: dict[int, tuple[int, int]] | None = None,
) -> Node:
    result = _convert_node(node, source, language, names, spans)
    if spans is not None:
        spans[id(result)] = (node.start_byte, node.end_byte)
    return result


def _convert_node(
    node: tree_sitter.Node,
    source: bytes,
    language: Language,
    names: dict[str, str],
    spans: dict[int, tuple[int, int]] | None,
) -> Node:
    kind = node.type
    if kind in _LITERALS:
        return Node(_literal(kind, _text(node, source)))
    if kind == "identifier":
        text = _text(node, source)
        return Node(names.get(text, text))
    if not node.children:
        return Node(_text(node, source) if node.is_named else kind)
    children: list[Node] = []
    for index, child in enumerate(node.children):
        if child.type in _COMMENTS:
            continue
        if not child.is_named:
            if child.type in _PUNCT or (
                any(ch.isalnum() for ch in child.type) and not kind.endswith("operator")
            ):
                continue
            leaf = Node(child.type)
            if spans is not None:
                spans[id(leaf)] = (child.start_byte, child.end_byte)
            children.append(leaf)
            continue
        field = node.field_name_for_child(index) or ""
        if child.type == "identifier" and (
            (kind == "attribute" and field == "attribute")
            or (kind == "keyword_argument" and field == "name")
            or kind in ("scoped_identifier", "scoped_type_identifier", "macro_invocation")
        ):
            leaf = Node(_text(child, source))
            if spans is not None:
                spans[id(leaf)] = (child.start_byte, child.end_byte)
            children.append(leaf)
            continue
        children.append(_convert(child, source, language, names, spans))
    return Node(kind, tuple(children))


def _literal(kind: str, text: str) -> str:
    if kind in _STRINGS:
        return "STR"
    if kind in _NUMBERS:
        return text if len(text) <= 3 else "NUM"
    return text
