"""Anti-unification: the least general generalisation (LGG) of trees, and matching a pattern with
holes back against a tree.

``lgg(a, b)`` keeps every node the two trees share at the same place and puts a hole ``?i``
wherever they differ; the same pair of differing subtrees always gets the same hole, so
``f(x, x)`` and ``f(y, y)`` generalise to ``f(?0, ?0)``, not ``f(?0, ?1)``. Instantiating the
holes with the recorded substitution gives each input back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

from codeloop.patterns.trees import Node

__all__ = ["HOLE", "instantiate", "is_hole", "lgg", "match", "pattern_size", "renumber"]

HOLE = "?"


def is_hole(node: Node) -> bool:
    return node.label.startswith(HOLE) and not node.children


def lgg(a: Node, b: Node) -> tuple[Node, dict[str, tuple[Node, Node]]]:
    """The LGG and, for each hole, the pair of subtrees it stands for."""
    holes: dict[tuple[Node, Node], str] = {}

    def go(x: Node, y: Node) -> Node:
        if x == y:
            return x
        if x.label == y.label and len(x.children) == len(y.children) and x.children:
            return Node(
                x.label, tuple(go(cx, cy) for cx, cy in zip(x.children, y.children, strict=True))
            )
        name = holes.get((x, y))
        if name is None:
            name = holes[(x, y)] = f"{HOLE}{len(holes)}"
        return Node(name)

    result = go(a, b)
    return result, {name: pair for pair, name in holes.items()}


def match(pattern: Node, tree: Node) -> dict[str, Node] | None:
    """The substitution that turns ``pattern`` into ``tree``, or ``None`` when it does not fit."""
    bindings: dict[str, Node] = {}
    stack = [(pattern, tree)]
    while stack:
        p, t = stack.pop()
        if is_hole(p):
            bound = bindings.get(p.label)
            if bound is None:
                bindings[p.label] = t
            elif bound != t:
                return None
            continue
        if p.label != t.label or len(p.children) != len(t.children):
            return None
        stack.extend(zip(p.children, t.children, strict=True))
    return bindings


def instantiate(pattern: Node, bindings: Mapping[str, Node]) -> Node:
    if is_hole(pattern):
        return bindings[pattern.label]
    if not pattern.children:
        return pattern
    return Node(pattern.label, tuple(instantiate(c, bindings) for c in pattern.children))


def pattern_size(pattern: Node) -> int:
    """Nodes that are not holes: what one use of the pattern saves writing."""
    return sum(1 for n in pattern.preorder() if not is_hole(n))


def renumber(pattern: Node) -> Node:
    """Holes renamed ``?0, ?1, …`` in preorder, so equal shapes compare equal."""
    names: dict[str, str] = {}

    def go(node: Node) -> Node:
        if is_hole(node):
            name = names.setdefault(node.label, f"{HOLE}{len(names)}")
            return Node(name)
        if not node.children:
            return node
        return Node(node.label, tuple(go(c) for c in node.children))

    return go(pattern)
