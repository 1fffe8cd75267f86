"""Library learning: abstractions shared by many code fragments, scored by how much they compress
the corpus, behind one interface with two engines.

* ``AntiUnificationLearner`` (codeloop's own): every subtree gets a short structural hypervector;
  each is anti-unified only with its nearest neighbours (so the work grows with n·k, not n²); the
  generalisations become candidates, counted by matching, chosen greedily by compression gain and
  rewritten into the corpus so later abstractions can use earlier ones.
* ``StitchLearner``: the same trees, serialised as s-expressions, compressed by ``stitch-core``
  (Stitch, POPL 2023).

Both report cost with one measure — atoms in the rewritten corpus plus atoms in the library — so
their compression ratios compare directly.
"""

from __future__ import annotations

import heapq
import keyword
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from codeloop.errors import MissingDependency
from codeloop.patterns.antiunify import instantiate, is_hole, lgg, match, pattern_size, renumber
from codeloop.patterns.encode import CodeEncoder
from codeloop.patterns.hypervector import HV
from codeloop.patterns.index import FaissFlatIndex
from codeloop.patterns.trees import Node

__all__ = [
    "Abstraction",
    "AntiUnificationLearner",
    "LibraryLearner",
    "LibraryResult",
    "StitchLearner",
    "from_sexpr",
    "to_sexpr",
]

_VAR = re.compile(r"^v\d+$")


class Abstraction(BaseModel):
    """A learned function: ``body`` is an s-expression whose holes are ``?0, ?1, …``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    body: str
    arity: int
    uses: int
    size: int
    example: str = ""
    """One use from the corpus, instantiated: what the abstraction stands for."""


class LibraryResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Literal["codeloop", "stitch"]
    programs: int
    abstractions: list[Abstraction]
    initial_cost: int
    final_cost: int
    seconds: float

    @property
    def compression(self) -> float:
        return self.initial_cost / max(1, self.final_cost)


class LibraryLearner(Protocol):
    def learn(self, trees: Sequence[Node], *, top_k: int = 10) -> LibraryResult: ...


# -- s-expressions shared by both engines ---------------------------------------------------------
def _escape(label: str) -> str:
    safe = "".join(
        ch if ch.isalnum() or ch in "_+-*/<>=!?&|%^~@.'" else f"%{ord(ch):02x}" for ch in label
    )
    if safe.startswith(("#", "$", "?", "lam")):
        safe = "%" + safe
    return safe or "%empty"


def to_sexpr(node: Node, holes: str = "?") -> str:
    if is_hole(node):
        return "#" + node.label[1:] if holes == "#" else node.label
    if not node.children:
        return _escape(node.label)
    return "(" + " ".join([_escape(node.label), *(to_sexpr(c, holes) for c in node.children)]) + ")"


def from_sexpr(text: str) -> Node:
    """Parse an s-expression back into a ``Node`` (``#i`` holes become ``?i``)."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def atom(tok: str) -> Node:
        return Node("?" + tok[1:]) if tok.startswith("#") else Node(tok)

    def parse() -> Node:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok != "(":
            return atom(tok)
        head = tokens[pos]
        pos += 1
        children: list[Node] = []
        while tokens[pos] != ")":
            children.append(parse())
        pos += 1
        return Node(head, tuple(children))

    return parse()


def _atoms(text: str) -> int:
    return len(text.replace("(", " ").replace(")", " ").split())


# -- codeloop's learner ---------------------------------------------------------------------------
class AntiUnificationLearner:
    """LGG over hypervector-nearest neighbours, greedy selection by compression gain."""

    def __init__(
        self,
        encoder: CodeEncoder | None = None,
        *,
        neighbours: int = 6,
        min_size: int = 4,
        max_size: int = 80,
        sketch_bytes: int = 128,
        shortlist: int = 400,
    ) -> None:
        self.encoder = encoder or CodeEncoder()
        self.neighbours = neighbours
        self.min_size = min_size
        self.max_size = max_size
        self.sketch_bytes = sketch_bytes
        self.shortlist = shortlist

    def learn(self, trees: Sequence[Node], *, top_k: int = 10) -> LibraryResult:
        started = time.perf_counter()
        corpus = list(trees)
        initial = sum(t.size() for t in corpus)
        candidates = self._candidates(corpus)
        chosen: list[Abstraction] = []
        heap = [(-gain, i) for i, (_, gain) in enumerate(candidates)]
        heapq.heapify(heap)
        while heap and len(chosen) < top_k:
            _, i = heapq.heappop(heap)
            pattern = candidates[i][0]
            uses = _count_uses(pattern, corpus)
            gain = _gain(pattern, uses)
            if heap and gain < -heap[0][0]:
                heapq.heappush(heap, (-gain, i))
                continue
            if gain <= 0 or uses < 2:
                continue
            name = f"fn_{len(chosen)}"
            corpus, example = _rewrite(corpus, pattern, name)
            chosen.append(
                Abstraction(
                    name=name,
                    body=to_sexpr(pattern),
                    arity=_arity(pattern),
                    uses=uses,
                    size=pattern_size(pattern),
                    example=to_sexpr(example) if example is not None else "",
                )
            )
        library_cost = sum(_atoms(a.body) for a in chosen)
        final = sum(t.size() for t in corpus) + library_cost
        return LibraryResult(
            engine="codeloop",
            programs=len(trees),
            abstractions=chosen,
            initial_cost=initial,
            final_cost=final,
            seconds=time.perf_counter() - started,
        )

    def _candidates(self, corpus: Sequence[Node]) -> list[tuple[Node, float]]:
        multiplicity: Counter[Node] = Counter()
        for tree in corpus:
            for node in tree.preorder():
                if node.children and self.min_size <= node.size() <= self.max_size:
                    multiplicity[node] += 1
        subtrees = list(multiplicity)
        if len(subtrees) < 2:
            return []
        sketches = np.stack([self._sketch(t) for t in subtrees])
        index = FaissFlatIndex(self.sketch_bytes)
        index.add(list(range(len(subtrees))), sketches)
        hits = index.search(sketches, self.neighbours + 1)
        seen: dict[Node, float] = {}
        for i, row in enumerate(hits):
            a = subtrees[i]
            for j, _ in row:
                if j <= i and multiplicity[a] < 2:
                    continue
                b = subtrees[j]
                if a.label != b.label:
                    continue
                pattern = renumber(lgg(a, b)[0]) if j != i else a
                size = pattern_size(pattern)
                if size < 3 or _arity(pattern) > 4:
                    continue
                estimate = multiplicity[a] + (multiplicity[b] if j != i else 0)
                seen[pattern] = max(seen.get(pattern, 0.0), float(estimate * (size - 1) - size))
        for pattern, uses in _skeletons(corpus).items():
            size = pattern_size(pattern)
            if uses >= 2 and size >= 3 and _arity(pattern) <= 4:
                seen[pattern] = max(seen.get(pattern, 0.0), float(uses * (size - 1) - size))
        return sorted(seen.items(), key=lambda kv: -kv[1])[: self.shortlist]

    def _sketch(self, tree: Node) -> HV:
        """The first ``sketch_bytes`` of the token-trigram vector of the subtree's preorder."""
        full = self.encoder.encode_tokens([n.label for n in tree.preorder()])
        return np.ascontiguousarray(full[: self.sketch_bytes])


def _skeletons(corpus: Sequence[Node], depths: tuple[int, ...] = (1, 2, 3)) -> Counter[Node]:
    """Top-down candidates counted exactly: each node cut at depth ``d``, with its leaves kept or
    opened as holes (the generalisations that nearest neighbours, being alike, rarely yield)."""
    counts: Counter[Node] = Counter()
    for tree in corpus:
        for node in tree.preorder():
            if not node.children:
                continue
            for depth in depths:
                for open_leaves in (False, True):
                    counts[renumber(_cut(node, depth, open_leaves, [0]))] += 1
    return counts


def _cut(node: Node, depth: int, open_leaves: bool, counter: list[int]) -> Node:
    if not node.children:
        if open_leaves and depth < 1:
            counter[0] += 1
            return Node(f"?{counter[0]}")
        return node
    if depth == 0:
        counter[0] += 1
        return Node(f"?{counter[0]}")
    return Node(node.label, tuple(_cut(c, depth - 1, open_leaves, counter) for c in node.children))


def _arity(pattern: Node) -> int:
    return len({n.label for n in pattern.preorder() if is_hole(n)})


def _gain(pattern: Node, uses: int) -> float:
    size = pattern_size(pattern)
    return float(uses * (size - 1) - (size + _arity(pattern)))


def _count_uses(pattern: Node, corpus: Sequence[Node]) -> int:
    count = 0
    for tree in corpus:
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.label == pattern.label and (bindings := match(pattern, node)) is not None:
                count += 1
                stack.extend(bindings.values())
                continue
            stack.extend(node.children)
    return count


def _rewrite(corpus: Sequence[Node], pattern: Node, name: str) -> tuple[list[Node], Node | None]:
    holes = sorted({n.label for n in pattern.preorder() if is_hole(n)}, key=lambda h: int(h[1:]))
    first: list[Node] = []

    def go(node: Node) -> Node:
        if node.label == pattern.label and (bindings := match(pattern, node)) is not None:
            if not first:
                first.append(instantiate(pattern, bindings))
            return Node(name, tuple(go(bindings[h]) for h in holes))
        if not node.children:
            return node
        return Node(node.label, tuple(go(c) for c in node.children))

    rewritten = [go(t) for t in corpus]
    return rewritten, first[0] if first else None


# -- Stitch ------------------------------------------------------------------------------------
class StitchLearner:
    """``stitch-core`` over the same trees; its abstractions come back in codeloop's form."""

    def __init__(self, max_arity: int = 3, threads: int = 1) -> None:
        self.max_arity = max_arity
        self.threads = threads

    def learn(self, trees: Sequence[Node], *, top_k: int = 10) -> LibraryResult:
        try:
            import stitch_core
        except ImportError as exc:
            raise MissingDependency("stitch-core", "pip install stitch-core==0.1.29") from exc
        started = time.perf_counter()
        programs = [to_sexpr(t) for t in trees]
        result = stitch_core.compress(
            programs, iterations=top_k, max_arity=self.max_arity, threads=self.threads
        )
        uses: dict[str, int] = defaultdict(int)
        for text in result.rewritten:
            for token in text.replace("(", " ").replace(")", " ").split():
                if token.startswith("fn_"):
                    uses[token] += 1
        abstractions = [
            Abstraction(
                name=a.name,
                body=a.body.replace("#", "?"),
                arity=a.arity,
                uses=uses[a.name],
                size=_atoms(a.body) - a.arity,
            )
            for a in result.abstractions
        ]
        final = sum(_atoms(t) for t in result.rewritten) + sum(
            _atoms(a.body) for a in result.abstractions
        )
        return LibraryResult(
            engine="stitch",
            programs=len(trees),
            abstractions=abstractions,
            initial_cost=sum(_atoms(p) for p in programs),
            final_cost=final,
            seconds=time.perf_counter() - started,
        )


def name_from_context(abstraction: Abstraction) -> str:
    """A readable name from what the body is and the API names it mentions."""
    body = from_sexpr(abstraction.body)
    words = [
        n.label
        for n in body.preorder()
        if n.is_leaf
        and not is_hole(n)
        and n.label.isidentifier()
        and not _VAR.match(n.label)
        and not keyword.iskeyword(n.label)
        and n.label not in ("STR", "NUM", "self")
    ]
    root = body.label.removesuffix("_expression").removesuffix("_statement").removesuffix("_item")
    picked = list(dict.fromkeys(words))[:2]
    return "_".join([root, *picked]).lower()[:48] or abstraction.name
