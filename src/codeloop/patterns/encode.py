"""Encoders: code → one hypervector, from AST path-contexts, tokens, the type signature and the call
sequence, and a composite of the four.

A path-context is (start leaf, path of node types with up/down steps, end leaf), bound as
``ρ¹(start) ⊕ path ⊕ ρ²(end)``: distinct permutations per role, because XOR alone commutes and
would make a context equal to its reverse. The path itself is a permuted sequence
``⊕ₖ ρᵏ⁺³(stepₖ)``. When a function has more contexts than ``max_contexts``, the ones kept are those
with the smallest blake2b digest (consistent sampling), so two near-clones keep the same ones.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from codeloop.patterns.hypervector import HV, SymbolSpace, bind, bundle, permute, random_hv
from codeloop.patterns.trees import Node, Unit

__all__ = [
    "END_ROLE",
    "START_ROLE",
    "CodeEncoder",
    "Context",
    "EncoderConfig",
    "calls_of",
    "leaves_of",
]

START_ROLE, END_ROLE, _PATH0 = 1, 2, 3
_CALLS = frozenset({"call", "call_expression", "macro_invocation"})


@dataclass(frozen=True)
class Context:
    """One path-context: ``start`` leaf, the path between them, ``end`` leaf."""

    start: str
    path: str
    end: str

    def key(self) -> bytes:
        return f"{self.start}\x00{self.path}\x00{self.end}".encode()


@dataclass(frozen=True)
class EncoderConfig:
    max_path_length: int = 8
    max_path_width: int = 4
    max_contexts: int = 256
    weights: tuple[int, int, int, int] = (4, 2, 1, 1)
    """Votes of paths, tokens, signature and calls in the composite bundle."""


def leaves_of(tree: Node) -> list[str]:
    return [node.label for node in tree.preorder() if node.is_leaf]


def calls_of(tree: Node) -> list[str]:
    """Callee names in source order: ``foo``, ``.push``, ``String::new``, ``println!``."""
    calls: list[str] = []
    for node in tree.preorder():
        if node.label not in _CALLS or not node.children:
            continue
        callee = node.children[0]
        if node.label == "macro_invocation":
            calls.append(callee.label + "!")
        elif callee.is_leaf:
            calls.append(callee.label)
        elif callee.label in ("attribute", "field_expression"):
            calls.append("." + callee.children[-1].label)
        elif callee.label == "scoped_identifier":
            calls.append("::".join(leaves_of(callee)))
        else:
            calls.append(callee.label)
    return calls


def _leaf_paths(tree: Node) -> list[tuple[str, tuple[Node, ...]]]:
    """Every leaf with its ancestor chain (root first)."""
    out: list[tuple[str, tuple[Node, ...]]] = []
    stack: list[tuple[Node, tuple[Node, ...]]] = [(tree, ())]
    while stack:
        node, ancestors = stack.pop()
        if node.is_leaf:
            out.append((node.label, ancestors))
            continue
        chain = (*ancestors, node)
        stack.extend((child, chain) for child in reversed(node.children))
    return out


class CodeEncoder:
    """Encodes units with one ``SymbolSpace``; two instances with equal config agree."""

    def __init__(
        self, config: EncoderConfig | None = None, space: SymbolSpace | None = None
    ) -> None:
        self.config = config or EncoderConfig()
        self.space = space or SymbolSpace()
        self._paths: dict[str, HV] = {}

    # -- path contexts -----------------------------------------------------------------------
    def contexts(self, tree: Node) -> list[Context]:
        cfg = self.config
        leaves = _leaf_paths(tree)
        found: list[Context] = []
        for i, (start, up) in enumerate(leaves):
            for j in range(i + 1, min(len(leaves), i + 1 + cfg.max_path_width)):
                end, down = leaves[j]
                common = 0
                while common < min(len(up), len(down)) and up[common] is down[common]:
                    common += 1
                if common == 0:
                    continue
                ups = [n.label for n in reversed(up[common:])]
                downs = [n.label for n in down[common:]]
                if len(ups) + len(downs) + 1 > cfg.max_path_length:
                    continue
                path = " ".join(
                    [*("↑" + u for u in ups), up[common - 1].label, *("↓" + d for d in downs)]
                )
                found.append(Context(start, path, end))
        if len(found) > cfg.max_contexts:
            found.sort(key=lambda c: hashlib.blake2b(c.key(), digest_size=8).digest())
            found = found[: cfg.max_contexts]
        return found

    def path_vector(self, path: str) -> HV:
        cached = self._paths.get(path)
        if cached is None:
            steps = path.split(" ")
            acc = np.zeros_like(random_hv(b""))
            for k, step in enumerate(steps):
                acc ^= self.space.get(step, _PATH0 + k)
            self._paths[path] = cached = acc
        return cached

    def context_vector(self, ctx: Context) -> HV:
        return bind(
            bind(self.space.get(ctx.start, START_ROLE), self.path_vector(ctx.path)),
            self.space.get(ctx.end, END_ROLE),
        )

    def encode_contexts(self, contexts: Sequence[Context]) -> HV:
        if not contexts:
            return self.space.get("<empty>", _PATH0)
        return bundle(np.stack([self.context_vector(c) for c in contexts]))

    def encode_paths(self, tree: Node) -> HV:
        return self.encode_contexts(self.contexts(tree))

    # -- the other views ---------------------------------------------------------------------
    def encode_tokens(self, tokens: Sequence[str]) -> HV:
        """Bundle of position-bound trigrams ``ρ²(tᵢ) ⊕ ρ¹(tᵢ₊₁) ⊕ tᵢ₊₂``."""
        padded = ["<s>", *tokens, "</s>"]
        grams = [
            self.space.get(padded[i], 2)
            ^ self.space.get(padded[i + 1], 1)
            ^ self.space.get(padded[i + 2])
            for i in range(len(padded) - 2)
        ]
        if len(grams) > self.config.max_contexts:
            keys = [
                hashlib.blake2b("\x00".join(padded[i : i + 3]).encode(), digest_size=8).digest()
                for i in range(len(grams))
            ]
            order = sorted(range(len(grams)), key=keys.__getitem__)[: self.config.max_contexts]
            grams = [grams[i] for i in sorted(order)]
        return bundle(np.stack(grams)) if grams else self.space.get("<no-tokens>")

    def encode_signature(self, params: Sequence[str], returns: str) -> HV:
        """Each parameter type bound to its position, plus the return type under its own role."""
        parts = [self.space.get(f"param:{t}", 10 + i) for i, t in enumerate(params)]
        parts.append(self.space.get(f"returns:{returns or '()'}", 9))
        parts.append(self.space.get(f"arity:{len(params)}", 8))
        return bundle(np.stack(parts))

    def encode_calls(self, calls: Sequence[str]) -> HV:
        """Bundle of callees and ordered callee bigrams."""
        parts = [self.space.get(f"call:{c}") for c in calls]
        parts += [
            self.space.get(f"call:{a}", 1) ^ self.space.get(f"call:{b}")
            for a, b in itertools.pairwise(calls)
        ]
        return bundle(np.stack(parts)) if parts else self.space.get("<no-calls>")

    def encode(self, unit: Unit) -> HV:
        """The composite: the four views, each under its own rotation, in a weighted bundle."""
        views = [
            self.encode_paths(unit.tree),
            self.encode_tokens(leaves_of(unit.tree)),
            self.encode_signature(unit.params, unit.returns),
            self.encode_calls(calls_of(unit.tree)),
        ]
        return self.compose(views)

    def compose(self, views: Sequence[HV]) -> HV:
        """Paths, tokens, signature, calls → one vector; each view under its own rotation."""
        rotated = [permute(v, 100 * k) if k else v for k, v in enumerate(views)]
        return bundle(np.stack(rotated), weights=list(self.config.weights))
