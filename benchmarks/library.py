"""Library learning on real functions (Python stdlib): compression and time of codeloop's
anti-unification learner against stitch-core on the same canonicalised trees, with one cost
measure (atoms of the rewritten corpus + atoms of the library).

    python -m benchmarks.library                      # 200 functions
    python -m benchmarks.library --functions 500 1000
"""

from __future__ import annotations

import argparse
import random
import sysconfig
from pathlib import Path
from typing import Any

from benchmarks._report import format_table, write_result
from codeloop.patterns.library import AntiUnificationLearner, StitchLearner
from codeloop.patterns.trees import Node, Parsers


def stdlib_functions(n: int, seed: int) -> list[Node]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.glob("*.py"))
    random.Random(seed).shuffle(files)
    parsers = Parsers()
    out: list[Node] = []
    for path in files:
        for unit in parsers.parse(path.read_text(errors="replace"), "python").units():
            if not unit.errors and unit.name != "<fragment>" and unit.tree.size() <= 400:
                out.append(unit.tree)
        if len(out) >= n:
            break
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, nargs="+", default=[200])
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    examples: dict[str, list[str]] = {}
    for n in args.functions:
        trees = stdlib_functions(n, args.seed)
        results = {}
        for learner in (AntiUnificationLearner(), StitchLearner()):
            result = learner.learn(trees, top_k=args.top_k)
            results[result.engine] = result
            examples[f"{result.engine}@{n}"] = [
                f"{a.uses}× {a.body}" for a in result.abstractions[:5]
            ]
        stitch = results["stitch"]
        for engine, result in results.items():
            rows.append(
                {
                    "functions": len(trees),
                    "engine": engine,
                    "abstractions": len(result.abstractions),
                    "initial_cost": result.initial_cost,
                    "final_cost": result.final_cost,
                    "compression": result.compression,
                    "seconds": result.seconds,
                    "compression_vs_stitch": result.compression / stitch.compression,
                    "time_vs_stitch": result.seconds / stitch.seconds,
                }
            )
    print(format_table(rows, list(rows[0])))
    for key, items in examples.items():
        print(f"\n{key}:")
        for item in items:
            print("  ", item[:160])
    write_result("library", {"args": vars(args), "rows": rows, "examples": examples})


if __name__ == "__main__":
    main()
