"""Binary hypervectors: 10,000 bits packed into bytes.

bind = XOR, bundle = majority, permute = rotate.

Base vectors are derived from the symbol with blake2b (never ``hash()``, which is salted per
process), so two runs and two machines agree on every vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "DIM",
    "HV",
    "SymbolSpace",
    "bind",
    "bundle",
    "hamming",
    "hamming_many",
    "permute",
    "random_hv",
    "similarity",
]

DIM = 10_000
NBYTES = DIM // 8

HV = npt.NDArray[np.uint8]
"""A packed hypervector: ``NBYTES`` unsigned bytes, most significant bit first."""


def random_hv(seed: bytes) -> HV:
    """A pseudo-random vector fully determined by ``seed``."""
    digest = hashlib.blake2b(seed, digest_size=16).digest()
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest, "little")))
    return rng.integers(0, 256, size=NBYTES, dtype=np.uint8)


def bind(a: HV, b: HV) -> HV:
    """XOR: self-inverse, so ``bind(bind(a, b), b) == a``."""
    return np.bitwise_xor(a, b)


def permute(v: HV, shift: int = 1) -> HV:
    """Rotate the bit vector by ``shift`` positions; distinct shifts give quasi-orthogonal roles."""
    if shift % DIM == 0:
        return v.copy()
    bits = np.unpackbits(v)
    return np.packbits(np.roll(bits, shift))


def bundle(
    vectors: Sequence[HV] | npt.NDArray[np.uint8], weights: Sequence[int] | None = None
) -> HV:
    """Bitwise majority; ties are broken by a fixed vector so the result is deterministic."""
    stack = np.asarray(vectors, dtype=np.uint8)
    if stack.ndim != 2 or stack.shape[0] == 0:
        raise ValueError("bundle needs at least one vector")
    bits = np.unpackbits(stack, axis=1).astype(np.int32)
    if weights is None:
        counts = bits.sum(axis=0)
        total = stack.shape[0]
    else:
        w = np.asarray(weights, dtype=np.int32)
        counts = (bits * w[:, None]).sum(axis=0)
        total = int(w.sum())
    twice = 2 * counts
    out = (twice > total).astype(np.uint8)
    ties = twice == total
    if ties.any():
        tie_break = np.unpackbits(random_hv(b"codeloop:bundle-tie-break"))
        out[ties] = tie_break[ties]
    return np.packbits(out)


def hamming(a: HV, b: HV) -> int:
    """The number of differing bits."""
    return int(np.bitwise_count(np.bitwise_xor(a, b)).sum())


def hamming_many(query: HV, matrix: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Bit distances from ``query`` to every row of ``matrix`` (exact popcount)."""
    counts: npt.NDArray[np.int64] = np.bitwise_count(np.bitwise_xor(matrix, query)).sum(
        axis=1, dtype=np.int64
    )
    return counts


def similarity(a: HV, b: HV) -> float:
    """1 - normalised Hamming distance: 1.0 identical, ~0.5 unrelated."""
    return 1.0 - hamming(a, b) / DIM


class SymbolSpace:
    """Base vectors per symbol, memoised per instance; ``namespace`` separates vocabularies."""

    def __init__(self, namespace: str = "codeloop") -> None:
        self.namespace = namespace
        self._cache: dict[tuple[str, int], HV] = {}

    def get(self, symbol: str, role: int = 0) -> HV:
        """The base vector of ``symbol``, permuted by ``role`` so roles never commute."""
        key = (symbol, role)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        base = random_hv(f"{self.namespace}\x00{symbol}".encode())
        vec = permute(base, role) if role else base
        self._cache[key] = vec
        return vec

    def __len__(self) -> int:
        return len(self._cache)
