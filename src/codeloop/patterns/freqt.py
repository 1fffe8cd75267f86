"""FREQT: frequent ordered, induced subtrees by rightmost-path extension (Asai et al., SDM 2002).

A pattern is its preorder list of ``(depth, label)``. It grows one node at a time, only on its
rightmost path, so each pattern is generated exactly once. Each occurrence is kept as the image of
the pattern's rightmost leaf alone: the images of the rest of the rightmost path are its ancestors,
so that one node is enough to extend from. Support is document frequency (how many input trees hold
the pattern), which is anti-monotone, so infrequent patterns are pruned with all their extensions.
A pattern is *maximal* when no frequent pattern one node larger contains it; patterns at
``max_size`` count as maximal within the bound.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from codeloop.errors import UserInputError
from codeloop.patterns.trees import Node

__all__ = ["FrequentTree", "mine_frequent_trees", "pattern_tree"]

Shape = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class FrequentTree:
    """A frequent pattern: its shape, how many trees hold it, and which."""

    shape: Shape
    support: int
    documents: tuple[int, ...] = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.shape)

    @property
    def tree(self) -> Node:
        return pattern_tree(self.shape)


def pattern_tree(shape: Shape) -> Node:
    """The pattern's shape as a ``Node`` tree."""

    def build(pos: int) -> tuple[Node, int]:
        depth, label = shape[pos]
        children: list[Node] = []
        nxt = pos + 1
        while nxt < len(shape) and shape[nxt][0] == depth + 1:
            child, nxt = build(nxt)
            children.append(child)
        return Node(label, tuple(children)), nxt

    return build(0)[0]


class _Forest:
    """The input trees flattened into preorder arrays of labels, parents and children."""

    def __init__(self, trees: Sequence[Node]) -> None:
        self.label: list[str] = []
        self.parent: list[int] = []
        self.doc: list[int] = []
        self.children: list[list[int]] = []
        self.sibling_rank: list[int] = []
        for doc, tree in enumerate(trees):
            stack: list[tuple[Node, int, int]] = [(tree, -1, 0)]
            while stack:
                node, parent, rank = stack.pop()
                index = len(self.label)
                self.label.append(node.label)
                self.parent.append(parent)
                self.doc.append(doc)
                self.children.append([])
                self.sibling_rank.append(rank)
                if parent >= 0:
                    self.children[parent].append(index)
                stack.extend((c, index, r) for r, c in reversed(list(enumerate(node.children))))


def mine_frequent_trees(
    trees: Sequence[Node],
    *,
    min_support: int = 2,
    max_size: int = 6,
    maximal: bool = True,
    max_patterns: int = 200_000,
) -> list[FrequentTree]:
    """Every frequent induced ordered subtree of at most ``max_size`` nodes (maximal ones only,
    unless ``maximal`` is false), most frequent and largest first."""
    if min_support < 1 or max_size < 1:
        raise UserInputError("min_support and max_size must be at least 1")
    forest = _Forest(trees)
    found: list[FrequentTree] = []

    seeds: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for node, label in enumerate(forest.label):
        seeds[label][forest.doc[node]].add(node)
    frontier: list[tuple[Shape, dict[int, set[int]]]] = [
        (((0, label),), occ) for label, occ in seeds.items() if len(occ) >= min_support
    ]
    while frontier:
        shape, occurrences = frontier.pop()
        found.append(FrequentTree(shape, len(occurrences), tuple(sorted(occurrences))))
        if len(found) > max_patterns:
            raise UserInputError(
                f"more than {max_patterns} frequent patterns:"
                " raise --min-support or lower --max-size"
            )
        if len(shape) >= max_size:
            continue
        for child_shape, child_occ in _extensions(forest, shape, occurrences).items():
            if len(child_occ) >= min_support:
                frontier.append(((*shape, child_shape), child_occ))
    if maximal:
        found = _maximal(found)
    found.sort(key=lambda p: (-p.support, -p.size, p.shape))
    return found


def _extensions(
    forest: _Forest, shape: Shape, occurrences: dict[int, set[int]]
) -> dict[tuple[int, str], dict[int, set[int]]]:
    rightmost_depth = shape[-1][0]
    out: dict[tuple[int, str], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for doc, images in occurrences.items():
        for image in images:
            # New child of the rightmost leaf.
            for child in forest.children[image]:
                out[(rightmost_depth + 1, forest.label[child])][doc].add(child)
            # New right sibling of a node on the rightmost path, at depth d >= 1.
            node = image
            for depth in range(rightmost_depth, 0, -1):
                parent = forest.parent[node]
                siblings = forest.children[parent]
                for sibling in siblings[forest.sibling_rank[node] + 1 :]:
                    out[(depth, forest.label[sibling])][doc].add(sibling)
                node = parent
    return out


def _maximal(found: list[FrequentTree]) -> list[FrequentTree]:
    """Drop every pattern that a frequent pattern one node larger contains.

    Every pattern one node smaller than ``Q`` is ``Q`` less one leaf, or less its root when the
    root has one child, so listing those for each frequent ``Q`` finds every non-maximal one.
    """
    covered: set[Shape] = set()
    for pattern in found:
        covered.update(_one_smaller(pattern.shape))
    return [p for p in found if p.shape not in covered]


def _one_smaller(shape: Shape) -> list[Shape]:
    out: list[Shape] = []
    for i, (depth, _) in enumerate(shape):
        if i > 0 and (i + 1 == len(shape) or shape[i + 1][0] <= depth):
            out.append(shape[:i] + shape[i + 1 :])
    if len(shape) > 1 and sum(1 for d, _ in shape if d == 1) == 1:
        out.append(tuple((d - 1, label) for d, label in shape[1:]))
    return out
