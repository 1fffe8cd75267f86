"""HumanEval pass@1: single-shot greedy vs the full loop, on the same problems, in one run.

Default: 4 seeded held-out problems (a few minutes with the embedded model). The whole
held-out split: ``--limit 0``. Tune only on ``--split dev``.

    python -m benchmarks.humaneval --split heldout --limit 20 --seed 0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from codeloop.config import DEFAULT_MODEL, Settings
from codeloop.lang import RustSupport, SandboxRunner
from codeloop.models import ModelFactory
from codeloop.pipeline.humaneval import (
    HumanEvalResult,
    HumanEvalSummary,
    load_problems,
    run_humaneval,
    select_problems,
)
from codeloop.store import Store

RESULTS = Path(__file__).parent / "results" / "humaneval.json"


def _table(summaries: list[HumanEvalSummary]) -> str:
    head = "| mode | split | problems | passed | pass@1 | p50 s | p95 s | total s |"
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        rows.append(
            f"| {s.mode} | {s.split} | {s.problems} | {s.passed} | {s.pass_at_1:.1%} |"
            f" {s.p50_seconds} | {s.p95_seconds} | {s.total_seconds} |"
        )
    return "\n".join(rows)


async def main(args: argparse.Namespace) -> int:
    settings = Settings()
    cache = Store(settings.db_path).cache if args.cache else None
    factory = ModelFactory(settings.models, model_dir=settings.model_dir, cache=cache)
    model = factory.build(args.model)
    runner = SandboxRunner(read_only=RustSupport().runtime_paths())
    problems = select_problems(
        load_problems(), args.split, limit=args.limit or None, seed=args.seed
    )

    partial = Path(args.out).with_suffix(".partial.jsonl")

    def show(result: HumanEvalResult) -> None:
        with partial.open("a", encoding="utf-8") as handle:
            handle.write(result.model_dump_json() + "\n")
        mark = "PASS" if result.passed else "fail"
        print(f"  {result.task_id:<14} {mark} {result.seconds:6.1f}s c={result.candidates}")

    summaries = []
    for mode in args.modes.split(","):
        print(f"{mode}: {len(problems)} problems", flush=True)
        summaries.append(
            await run_humaneval(
                model,
                runner,
                problems,
                mode=mode,  # type: ignore[arg-type]
                split=args.split,
                model_name=args.model,
                samples=args.samples,
                rounds=args.rounds,
                on_result=show,
            )
        )
    table = _table(summaries)
    if len(summaries) == 2 and summaries[0].pass_at_1:
        ratio = summaries[1].pass_at_1 / summaries[0].pass_at_1
        table += f"\n\nloop / single pass@1 ratio: {ratio:.2f}"
    print(table)
    out = Path(args.out)
    payload = {
        "benchmark": "humaneval",
        "seed": args.seed,
        "task_ids": [p.task_id for p in problems],
        "summaries": [s.model_dump(mode="json") for s in summaries],
        "table": table,
    }
    await asyncio.to_thread(out.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(out.write_text, json.dumps(payload, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="heldout", choices=["dev", "heldout", "all"])
    parser.add_argument("--limit", type=int, default=4, help="problems (0 = the whole split)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="single,loop")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--cache", action="store_true", help="reuse identical greedy calls across modes"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
