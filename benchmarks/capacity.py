"""Capacity of one bundle: how many path-contexts a single 10,000-bit majority bundle holds before
its members can no longer be retrieved from it.

Members and non-members are distinct real path-contexts from Python stdlib functions (real ones
share starts, ends and paths, so they are more alike than random vectors). For a bundle of n
members, retrieval succeeds for a member when it ranks among the top n of the n members plus a
codebook of non-member contexts, by similarity to the bundle (clean-up memory). Reported: the
fraction retrieved per n, and the largest n still at ≥ 0.9.

    python -m benchmarks.capacity                     # 5,000 non-members, 5 trials
    python -m benchmarks.capacity --codebook 50000 --trials 10
"""

from __future__ import annotations

import argparse
import random
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._report import format_table, write_result
from codeloop.patterns.encode import CodeEncoder, Context
from codeloop.patterns.hypervector import bundle, hamming_many
from codeloop.patterns.trees import Parsers

SIZES = (10, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000)


def real_contexts(n: int, seed: int) -> list[Context]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(stdlib.glob("*.py"))
    random.Random(seed).shuffle(files)
    parsers, encoder = Parsers(), CodeEncoder()
    seen: dict[Context, None] = {}
    for path in files:
        for unit in parsers.parse(path.read_text(errors="replace"), "python").units():
            for ctx in encoder.contexts(unit.tree):
                seen.setdefault(ctx, None)
        if len(seen) >= n:
            break
    pool = list(seen)
    random.Random(seed).shuffle(pool)
    return pool[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=int, default=5000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    encoder = CodeEncoder()
    contexts = real_contexts(max(SIZES) + args.codebook, args.seed)
    vectors = np.stack([encoder.context_vector(c) for c in contexts])
    rng = np.random.default_rng(args.seed)
    rows: list[dict[str, Any]] = []
    for n in SIZES:
        fractions = []
        for _ in range(args.trials):
            order = rng.permutation(len(vectors))
            members, others = order[:n], order[n : n + args.codebook]
            bundled = bundle(vectors[members])
            dist = hamming_many(bundled, vectors[np.concatenate([members, others])])
            threshold = np.sort(dist)[n - 1]
            fractions.append(float((dist[:n] <= threshold).mean()))
        member_sim = 1 - float(hamming_many(bundled, vectors[members]).mean()) / 10_000
        rows.append(
            {
                "contexts": n,
                "retrieved": float(np.mean(fractions)),
                "mean_member_similarity": member_sim,
            }
        )
    capacity = max((r["contexts"] for r in rows if r["retrieved"] >= 0.9), default=0)
    print(format_table(rows, list(rows[0])))
    print(
        f"capacity (largest bundle with ≥ 0.9 of members retrieved among {args.codebook} "
        f"non-members): {capacity}"
    )
    write_result("capacity", {"args": vars(args), "rows": rows, "capacity_at_0.9": capacity})


if __name__ == "__main__":
    main()
