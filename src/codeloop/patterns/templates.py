"""Learned abstractions → source templates that ``codeloop kg gen --template NAME`` instantiates.

A learned abstraction is a pattern over canonical trees (bound names renamed ``v0, v1, …``,
literals folded to ``STR``/``NUM``, punctuation dropped), so it cannot be printed back by itself.
Instead the pattern is matched against the corpus it was learned from, whose trees keep the byte
span of every node: the first occurrence's source text becomes the template body, each hole's
spans becoming a ``{"$hole": "hN"}`` segment whose default is the text found there; the names the
function binds (``v0``…) and string/number literals become holes as well. Earlier
abstractions that a later one calls (``(fn_0 a b)``) are inlined first, so every abstraction is
matched against the original trees. An abstraction that matches nowhere (a Stitch λ-abstraction,
say), or whose text does not parse on its own (a bare parameter list), gives no template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codeloop.errors import UserInputError
from codeloop.knowledge import Hole, HoleKind, Template
from codeloop.patterns.antiunify import instantiate, is_hole
from codeloop.patterns.library import LibraryResult, from_sexpr, to_sexpr
from codeloop.patterns.trees import Node, Parsers, Unit

__all__ = ["learned_templates", "occurrence"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR = re.compile(r"^v\d+$")
Spanned = tuple[str, Node, dict[int, tuple[int, int]], bytes]


def learned_templates(
    result: LibraryResult,
    units: Sequence[Unit],
    names: Sequence[str],
    parsers: Parsers,
) -> list[Template]:
    """One ``form="source"`` template per abstraction found in ``units`` (``names`` pairs with
    ``result.abstractions``); the template name is ``learned-<name>``."""
    corpus = _spanned(units, parsers)
    patterns: dict[str, Node] = {}
    templates: list[Template] = []
    taken: set[str] = set()
    for abstraction, readable in zip(result.abstractions, names, strict=True):
        pattern = _inline(from_sexpr(abstraction.body), patterns)
        patterns[abstraction.name] = pattern
        if not units:
            continue
        language = units[0].language
        found = _first_occurrence(pattern, corpus)
        if found is None:
            continue
        unit_name, segments, defaults, _ = found
        examples = [n for n, tree, _, _ in corpus if _occurs(pattern, tree)]
        name = "learned-" + readable.replace("_", "-")
        if name in taken:
            name = f"{name}-{len(templates)}"
        template = Template(
            name=name,
            description=(
                f"learned by {result.engine} from {abstraction.uses} uses, e.g. in {unit_name}"
            ),
            lang=language,
            form="source",
            holes=[
                Hole(
                    name=hole,
                    kind=HoleKind.IDENT if _IDENT.match(text) else HoleKind.TEXT,
                    default=text,
                    doc=f"was {text[:40]!r} in {unit_name}",
                )
                for hole, text in defaults.items()
            ],
            origin={
                "how": "learned",
                "engine": result.engine,
                "abstraction": abstraction.name,
                "body": abstraction.body,
                "pattern": to_sexpr(pattern),
                "uses": abstraction.uses,
                "size": abstraction.size,
                "examples": examples[:10],
            },
            body=segments,
        )
        try:
            template.instantiate({}, _no_includes)
        except UserInputError:
            continue  # a piece that does not parse on its own (a bare parameter list, say)
        taken.add(name)
        templates.append(template)
    return templates


def occurrence(
    template: Template, unit: Unit, parsers: Parsers
) -> tuple[str, dict[str, str]] | None:
    """Where a learned template's pattern first occurs in ``unit``: that source text and the hole
    values which, given to the template, should give it back (``None`` when it does not occur)."""
    pattern = template.origin.get("pattern")
    if not isinstance(pattern, str):
        raise UserInputError(f"template {template.name!r} was not learned from code")
    found = _first_occurrence(from_sexpr(pattern), _spanned([unit], parsers))
    if found is None:
        return None
    return found[3], found[2]


def _no_includes(name: str) -> Template:
    raise UserInputError(f"a learned template includes no other template ({name!r})")


def _spanned(units: Sequence[Unit], parsers: Parsers) -> list[Spanned]:
    """Each unit re-parsed with the span of every tree node, in the order of ``units``."""
    out: list[Spanned] = []
    for unit in units:
        parsed = parsers.parse_fragment(" " * unit.column + unit.text, unit.language)
        for name, tree, spans in parsed.spanned_units():
            if name == unit.name and tree == unit.tree:
                out.append((name, tree, spans, parsed.source))
                break
    return out


def _inline(pattern: Node, earlier: dict[str, Node]) -> Node:
    if is_hole(pattern):
        return pattern
    children = tuple(_inline(c, earlier) for c in pattern.children)
    called = earlier.get(pattern.label)
    if called is not None:
        return instantiate(called, {f"?{i}": child for i, child in enumerate(children)})
    return Node(pattern.label, children) if children else pattern


def _escaped(label: str) -> str:
    return to_sexpr(Node(label))


def _bind(pattern: Node, tree: Node) -> dict[str, list[Node]] | None:
    """Hole → every subtree of ``tree`` it covers (the same text each time), or ``None``.

    A name the function binds (canonically ``v0``…) and each string or long number literal
    (``STR``, ``NUM``) are holes too: the canonical tree forgot their text, so the template must
    not fix the first example's spelling of them."""
    bound: dict[str, list[Node]] = {}
    literals = 0
    stack = [(pattern, tree)]
    while stack:
        p, t = stack.pop()
        if not p.children and (_VAR.match(p.label) or p.label in ("STR", "NUM")):
            if p.label != t.label or t.children:
                return None
            if _VAR.match(p.label):
                bound.setdefault(p.label, []).append(t)
            else:
                bound[f"{p.label.lower()}{literals}"] = [t]
                literals += 1
            continue
        if is_hole(p):
            seen = bound.setdefault(p.label, [])
            if seen and seen[0] != t:
                return None
            seen.append(t)
            continue
        if p.label != _escaped(t.label) or len(p.children) != len(t.children):
            return None
        stack.extend(zip(p.children, t.children, strict=True))
    return bound


def _occurs(pattern: Node, tree: Node) -> bool:
    return any(_bind(pattern, node) is not None for node in tree.preorder())


def _first_occurrence(
    pattern: Node, corpus: list[Spanned]
) -> tuple[str, list[str | dict[str, str]], dict[str, str], str] | None:
    """The first match of ``pattern``: its unit, segments, hole values and whole source text."""
    for unit_name, tree, spans, source in corpus:
        for node in tree.preorder():
            bound = _bind(pattern, node)
            if bound is None or id(node) not in spans:
                continue
            start, end = spans[id(node)]
            holes = {label: "h" + label[1:] if is_hole(Node(label)) else label for label in bound}
            cuts = sorted(
                (spans[id(t)][0], spans[id(t)][1], holes[hole])
                for hole, found in bound.items()
                for t in found
                if id(t) in spans
            )
            if len(cuts) != sum(len(v) for v in bound.values()):
                continue
            indent = _indent(source, start)
            segments: list[str | dict[str, str]] = []
            defaults: dict[str, str] = {}
            at = start
            for cut_start, cut_end, hole in cuts:
                segments.append(_text(source[at:cut_start], indent))
                segments.append({"$hole": hole})
                defaults.setdefault(
                    hole, _text(source[cut_start:cut_end], _indent(source, cut_start))
                )
                at = cut_end
            segments.append(_text(source[at:end], indent))
            return (
                unit_name,
                [s for s in segments if s != ""],
                dict(sorted(defaults.items())),
                _text(source[start:end], indent),
            )
    return None


def _indent(source: bytes, at: int) -> int:
    """The indentation of the line that byte ``at`` is on."""
    line = source[source.rfind(b"\n", 0, at) + 1 : at]
    return len(line) - len(line.lstrip(b" "))


def _text(chunk: bytes, indent: int) -> str:
    """Source text with the occurrence's own indentation taken off its continuation lines."""
    text = chunk.decode(errors="replace")
    if indent:
        text = text.replace("\n" + " " * indent, "\n")
    return text
