"""The pipeline on a task set of its own: 42 tasks (20 Python, 14 Rust, 8 TypeScript), each with
hidden tests written independently of the generator (``benchmarks/taskset/*.toml``).

Baseline in the same run: the greedy first candidate (what a single-shot generator would return),
checked with the same hidden tests. Default: a small seeded subset; ``--full`` for all 42.

    python -m benchmarks.taskset --full
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tomllib
from pathlib import Path
from typing import Any

from codeloop.config import DEFAULT_MODEL, Settings
from codeloop.lang import LanguageSupport, ProcessLimits, RustSupport, SandboxRunner
from codeloop.models import ModelFactory
from codeloop.pipeline import GenerationReport, Pipeline, PipelineOptions

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "taskset.json"
TS_HEADER = 'import { test } from "node:test";\nimport assert from "node:assert/strict";\n'


def load_tasks() -> list[dict[str, Any]]:
    tasks = []
    for language in ("python", "rust", "typescript"):
        data = tomllib.loads((HERE / "taskset" / f"{language}.toml").read_text(encoding="utf-8"))
        tasks += [{**task, "language": language} for task in data["tasks"]]
    return tasks


def interleave(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Python, Rust, TypeScript in turn, so that a run cut short still covers every language."""
    queues = [
        [t for t in tasks if t["language"] == lang] for lang in ("python", "rust", "typescript")
    ]
    ordered: list[dict[str, Any]] = []
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered


def hidden_file(lang: LanguageSupport, module: str, hidden: str) -> str:
    if lang.name == "python":
        return hidden.replace("{module}", module)
    if lang.name == "rust":
        return "use super::*;\n" + hidden
    return TS_HEADER + f'import * as m from "./{module}";\n' + hidden


async def hidden_pass(
    lang: LanguageSupport, code: str, module: str, hidden: str, runner: SandboxRunner
) -> bool:
    if not code.strip():
        return False
    limits = ProcessLimits(wall_s=60, cpu_s=30, memory_mb=4096)
    tests = hidden_file(lang, module, hidden)
    run = await lang.test(code, tests, module=module, runner=runner, limits=limits)
    return run.ok and run.passed == len(lang.test_names(tests)) and run.passed > 0


async def run_task(
    pipeline: Pipeline, runner: SandboxRunner, task: dict[str, Any]
) -> dict[str, Any]:
    report: GenerationReport = await pipeline.run(task["description"], language=task["language"])
    lang = pipeline.language(task["language"])
    module = report.spec.module if report.spec else "solution"
    chosen = next((c for c in report.candidates if c.chosen), None)
    greedy = report.candidates[0] if report.candidates else None
    return {
        "id": task["id"],
        "language": task["language"],
        "single": task["single"],
        "status": report.status,
        "pattern": report.pattern,
        "passed": await hidden_pass(
            lang, chosen.code if chosen else "", module, task["hidden"], runner
        ),
        "greedy_passed": await hidden_pass(
            lang, greedy.code if greedy else "", module, task["hidden"], runner
        ),
        "lint_clean": bool(report.lint and report.lint.clean),
        "coverage": report.coverage_percent,
        "adherence": report.adherence,
        "tests_kept": len(report.tests_kept),
        "tests_discarded": len(report.tests_discarded),
        "candidates": len(report.candidates),
        "seconds": report.seconds,
        "model_seconds": report.model_seconds,
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(key: str, subset: list[dict[str, Any]]) -> float:
        return round(sum(bool(r[key]) for r in subset) / len(subset), 3) if subset else 0.0

    py_single = [r["seconds"] for r in rows if r["language"] == "python" and r["single"]]
    coverages = [r["coverage"] for r in rows if r["coverage"] is not None]
    adherence = [r["adherence"] for r in rows if r["adherence"] is not None]
    total = sum(r["seconds"] for r in rows) or 1.0
    model = sum(r["model_seconds"] for r in rows)
    by_language = {
        lang: {
            "tasks": len(sub),
            "pass_rate": rate("passed", sub),
            "greedy_pass_rate": rate("greedy_passed", sub),
        }
        for lang in ("python", "rust", "typescript")
        if (sub := [r for r in rows if r["language"] == lang])
    }
    return {
        "tasks": len(rows),
        "pass_rate": rate("passed", rows),
        "greedy_pass_rate": rate("greedy_passed", rows),
        "lint_clean_rate": rate("lint_clean", rows),
        "median_coverage": statistics.median(coverages) if coverages else None,
        "mean_adherence": round(statistics.fmean(adherence), 3) if adherence else None,
        "p50_latency_python_single_s": round(statistics.median(py_single), 1)
        if py_single
        else None,
        "non_model_overhead": round((total - model) / total, 3),
        "by_language": by_language,
    }


def table(summary: dict[str, Any]) -> str:
    rows = ["| metric | value |", "|---|---|"]
    for key, value in summary.items():
        if key != "by_language":
            rows.append(f"| {key} | {value} |")
    for lang, sub in summary["by_language"].items():
        rows.append(
            f"| {lang} pass (loop / greedy) | {sub['pass_rate']} / {sub['greedy_pass_rate']}"
            f" ({sub['tasks']} tasks) |"
        )
    return "\n".join(rows)


async def main(args: argparse.Namespace) -> int:
    settings = Settings()
    factory = ModelFactory(settings.models, model_dir=settings.model_dir, cache=None)
    model = factory.build(args.model)
    runner = SandboxRunner(read_only=RustSupport().runtime_paths())
    options = PipelineOptions(samples=args.samples, rounds=args.rounds)
    pipeline = Pipeline(model, runner, options=options)
    tasks = interleave(load_tasks())
    if args.lang:  # every task of one language
        tasks = [t for t in tasks if t["language"] == args.lang]
    elif not args.full:
        rng = random.Random(args.seed)
        tasks = [
            t
            for lang, n in (("python", 4), ("rust", 3), ("typescript", 2))
            for t in rng.sample([t for t in tasks if t["language"] == lang], n)
        ]
    out = Path(args.out)
    rows: list[dict[str, Any]] = []
    try:
        for task in tasks:
            row = await run_task(pipeline, runner, task)
            rows.append(row)
            print(
                f"{row['id']:<20} {'PASS' if row['passed'] else 'fail'}"
                f" greedy={row['greedy_passed']} lint={row['lint_clean']} cov={row['coverage']}"
                f" adh={row['adherence']} {row['seconds']:.1f}s",
                flush=True,
            )
            payload = {
                "options": options.model_dump(mode="json", exclude={"limits"}),
                "rows": rows,
                "summary": summarize(rows),
            }
            await asyncio.to_thread(out.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(out.write_text, json.dumps(payload, indent=2) + "\n", "utf-8")
    finally:
        await pipeline.aclose()
    print(table(summarize(rows)))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="all 42 tasks")
    parser.add_argument("--lang", choices=["python", "rust", "typescript"], help="one language")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default=str(RESULTS))
    sys.exit(asyncio.run(main(parser.parse_args())))
