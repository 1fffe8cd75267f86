"""Nearest-neighbour search over 10,000-bit hypervectors: build time, memory, query p50/p95 and
recall@10 against exact search, for numpy (exact), faiss (flat, HNSW), usearch (exact, HNSW) and
codeloop's sketch + exact re-rank index.

Data that looks like code vectors: families of noisy copies around random centres (10–20 members,
6–25 % of bits flipped), queries are fresh noisy copies of a family centre, so the true top-10 is
a real family (≥ 10 members) and not the noise of equidistant random vectors.

    python -m benchmarks.index                  # 20k vectors, under a minute
    python -m benchmarks.index --sizes 100000 1000000 --hnsw usearch faiss
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks._report import format_table, rss_mb, write_result
from codeloop.patterns.hypervector import NBYTES
from codeloop.patterns.index import ExactIndex, SketchIndex

Matrix = npt.NDArray[np.uint8]


def noise(rng: np.random.Generator, shape: tuple[int, ...], level: int) -> Matrix:
    """A mask with each bit set with probability 2**-level."""
    mask = rng.integers(0, 256, shape, dtype=np.uint8)
    for _ in range(level - 1):
        mask &= rng.integers(0, 256, shape, dtype=np.uint8)
    return mask


def make_data(n: int, n_queries: int, seed: int) -> tuple[Matrix, Matrix]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(10, 21, size=n // 10 + 10)
    owner = np.repeat(np.arange(sizes.size), sizes)[:n]
    centres = rng.integers(0, 256, (sizes.size, NBYTES), dtype=np.uint8)
    data = np.empty((n, NBYTES), dtype=np.uint8)
    step = 50_000
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        levels = rng.integers(2, 5, size=hi - lo)  # 25 %, 12.5 %, 6.25 % of bits flipped
        block = centres[owner[lo:hi]].copy()
        for level in (2, 3, 4):
            rows = np.nonzero(levels == level)[0]
            block[rows] ^= noise(rng, (rows.size, NBYTES), level)
        data[lo:hi] = block
    picked = rng.choice(np.unique(owner), size=n_queries, replace=False)
    queries = centres[picked] ^ noise(rng, (n_queries, NBYTES), 3)
    return data, queries


def recall_at_k(
    found: list[list[int]],
    truth_ids: list[list[int]],
    truth_kth: list[int],
    dist_of: Callable[[int, int], int],
    k: int,
) -> float:
    """Tie-aware recall: a returned id counts when its true distance is within the true k-th."""
    hits = 0
    for q, ids in enumerate(found):
        hits += sum(1 for i in ids[:k] if dist_of(q, i) <= truth_kth[q])
    return hits / (k * len(found))


def time_queries(
    search: Callable[[Matrix], list[list[int]]], queries: Matrix, batch: bool
) -> tuple[list[list[int]], list[float]]:
    if batch:
        t = time.perf_counter()
        out = search(queries)
        per = (time.perf_counter() - t) / len(queries)
        return out, [per] * len(queries)
    out, times = [], []
    for q in queries:
        t = time.perf_counter()
        out.append(search(q[None, :])[0])
        times.append(time.perf_counter() - t)
    return out, times


def run_size(
    n: int, n_queries: int, hnsw: set[str], sketches: list[tuple[int, int]], seed: int
) -> list[dict[str, Any]]:
    import faiss
    from usearch.index import Index, MetricKind
    from usearch.index import search as usearch_search

    faiss.omp_set_num_threads(2)
    data, queries = make_data(n, n_queries, seed)
    ids = np.arange(n, dtype=np.int64)
    rows: list[dict[str, Any]] = []

    exact = ExactIndex()
    exact.add(ids.tolist(), data)
    truth = faiss.IndexBinaryFlat(NBYTES * 8)
    truth.add(data)
    truth_dist, truth_idx = truth.search(queries, 10)
    del truth
    truth_ids = truth_idx.tolist()
    truth_kth = [int(row[-1]) for row in truth_dist]

    def dist_of(q: int, i: int) -> int:
        return int(np.bitwise_count(data[i] ^ queries[q]).sum())

    def record(
        name: str,
        build_s: float,
        mem_mb: float,
        search: Callable[[Matrix], list[list[int]]],
        batch: bool = False,
        max_queries: int | None = None,
    ) -> None:
        qs = queries if max_queries is None else queries[:max_queries]
        faiss.omp_set_num_threads(2 if batch else 1)
        found, times = time_queries(search, qs, batch)
        ms = np.asarray(times) * 1000
        rows.append(
            {
                "n": n,
                "method": name,
                "build_s": round(build_s, 2),
                "memory_mb": round(mem_mb, 1),
                "p50_ms": float(np.percentile(ms, 50)),
                "p95_ms": float(np.percentile(ms, 95)),
                "recall@10": recall_at_k(
                    found, truth_ids[: len(qs)], truth_kth[: len(qs)], dist_of, 10
                ),
                "queries": len(qs),
                "batched": batch,
            }
        )
        print(format_table(rows[-1:], list(rows[-1])), flush=True)

    mb = data.nbytes / 2**20
    record(
        "numpy exact (popcount)",
        0.0,
        mb,
        lambda q: [[i for i, _ in h] for h in exact.search(q, 10)],
        max_queries=min(50, n_queries),
    )

    t = time.perf_counter()
    flat = faiss.IndexBinaryFlat(NBYTES * 8)
    flat.add(data)
    build, mem = time.perf_counter() - t, mb
    record("faiss IndexBinaryFlat", build, mem, lambda q, f=flat: f.search(q, 10)[1].tolist())
    record(
        "faiss IndexBinaryFlat",
        build,
        mem,
        lambda q, f=flat: f.search(q, 10)[1].tolist(),
        batch=True,
    )
    del flat

    record(
        "usearch exact (b1 hamming)",
        0.0,
        mb,
        lambda q: (
            usearch_search(data, q, 10, MetricKind.Hamming, exact=True)
            .keys.reshape(len(q), -1)
            .tolist()
        ),
    )

    for sketch_bits, cand in sketches:
        t = time.perf_counter()
        sk = SketchIndex(sketch_bits=sketch_bits, candidates=cand)
        sk.add(ids.tolist(), data)
        _ = sk._exact.matrix
        build, mem = time.perf_counter() - t, mb * (1 + sketch_bits / (NBYTES * 8))
        name = f"codeloop sketch{sketch_bits}+rerank c={cand}"
        record(name, build, mem, lambda q, s=sk: [[i for i, _ in h] for h in s.search(q, 10)])
        record(
            name,
            build,
            mem,
            lambda q, s=sk: [[i for i, _ in h] for h in s.search(q, 10)],
            batch=True,
        )
        del sk

    if "usearch" in hnsw:
        t = time.perf_counter()
        uidx = Index(
            ndim=NBYTES * 8,
            metric="hamming",
            dtype="b1",
            connectivity=16,
            expansion_add=64,
            expansion_search=128,
        )
        uidx.add(ids, data, threads=2)
        build, mem = time.perf_counter() - t, uidx.memory_usage / 2**20
        record(
            "usearch HNSW (M=16, ef=128)",
            build,
            mem,
            lambda q: uidx.search(q, 10).keys.reshape(len(q), -1).tolist(),
        )
        del uidx
    if "faiss" in hnsw:
        m0 = rss_mb()
        t = time.perf_counter()
        fh = faiss.IndexBinaryHNSW(NBYTES * 8, 16)
        fh.hnsw.efConstruction = 64
        fh.add(data)
        fh.hnsw.efSearch = 128
        build, mem = time.perf_counter() - t, rss_mb() - m0
        record(
            "faiss IndexBinaryHNSW (M=16, ef=128)",
            build,
            mem,
            lambda q: fh.search(q, 10)[1].tolist(),
        )
        del fh
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--hnsw",
        nargs="*",
        default=[],
        choices=["usearch", "faiss"],
        help="also build these HNSW graphs (slow)",
    )
    parser.add_argument("--hnsw-max", type=int, default=200_000, help="no HNSW above this size")
    parser.add_argument(
        "--sketches",
        nargs="+",
        default=["512:100", "1024:100", "1024:300"],
        help="codeloop sketch configurations, BITS:CANDIDATES",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--name", default="index", help="results/NAME.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        hnsw = set(args.hnsw) if n <= args.hnsw_max else set()
        sketches = [(int(b), int(c)) for b, c in (s.split(":") for s in args.sketches)]
        rows += run_size(n, args.queries, hnsw, sketches, args.seed)
    columns = ["n", "method", "batched", "build_s", "memory_mb", "p50_ms", "p95_ms", "recall@10"]
    print(format_table(rows, columns))
    write_result(args.name, {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
