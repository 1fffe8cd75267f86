"""Frequent API-call sequences (PrefixSpan): callees in order, gaps allowed, support counted per
document, only maximal sequences kept."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from codeloop.errors import UserInputError

__all__ = ["CallSequence", "mine_call_sequences"]


@dataclass(frozen=True)
class CallSequence:
    calls: tuple[str, ...]
    support: int


def mine_call_sequences(
    sequences: Sequence[Sequence[str]],
    *,
    min_support: int = 2,
    max_length: int = 4,
    min_length: int = 2,
) -> list[CallSequence]:
    """Every maximal subsequence (in order, with gaps) of at most ``max_length`` calls that occurs
    in at least ``min_support`` of the ``sequences``."""
    if min_support < 1 or max_length < 1:
        raise UserInputError("min_support and max_length must be at least 1")
    found: dict[tuple[str, ...], int] = {}

    def grow(prefix: tuple[str, ...], projected: list[tuple[int, int]]) -> None:
        if len(prefix) >= max_length:
            return
        firsts: dict[str, dict[int, int]] = defaultdict(dict)
        for doc, start in projected:
            seq = sequences[doc]
            for pos in range(start, len(seq)):
                firsts[seq[pos]].setdefault(doc, pos + 1)
        for call, where in sorted(firsts.items()):
            if len(where) < min_support:
                continue
            longer = (*prefix, call)
            found[longer] = len(where)
            grow(longer, sorted(where.items()))

    grow((), [(doc, 0) for doc in range(len(sequences))])
    covered = {calls[:i] + calls[i + 1 :] for calls in found for i in range(len(calls))}
    kept = [
        CallSequence(calls, support)
        for calls, support in found.items()
        if len(calls) >= min_length and calls not in covered
    ]
    kept.sort(key=lambda s: (-s.support, -len(s.calls), s.calls))
    return kept
