"""Do learned templates pay off in generation? A family of ten record-parser tasks
(``benchmarks/learned/tasks.toml``, hidden tests written from the descriptions alone), each run
through the generation pipeline twice in one run: without learned templates (the baseline) and
with the templates that library learning extracted from ``benchmarks/learned/corpus.py`` — eight
parsers of the same house shape, none of them a task. Both arms use the same model, options and
sandbox and pattern (typed-function: the word "record" would otherwise pick pydantic-model);
arms alternate which goes first. Defaults suit a shared 2-core machine: the greedy candidate only
(--samples 1 --rounds 0), no generated tests. Reported per arm: hidden-test pass rate (chosen
and greedy candidate), tokens in/out, seconds; and, as a control, how many of the unrelated
Python tasks of ``benchmarks/taskset`` the matcher would wrongly offer a template to.

    python -m benchmarks.learned_payoff                 # all ten tasks, the embedded model
    python -m benchmarks.learned_payoff --tasks 2       # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from benchmarks._report import format_table, write_result
from benchmarks.taskset import hidden_pass
from benchmarks.taskset import load_tasks as load_taskset
from codeloop.config import DEFAULT_MODEL, Settings
from codeloop.knowledge import CodeGraph, TemplateLibrary
from codeloop.lang import RustSupport, SandboxRunner, get_language
from codeloop.models import ModelFactory
from codeloop.models.protocol import Model
from codeloop.patterns import PatternService
from codeloop.patterns.matching import LearnedTemplateMatcher
from codeloop.pipeline import Pipeline, PipelineOptions
from codeloop.store import Store

HERE = Path(__file__).parent / "learned"
ARMS = ("baseline", "learned")


def load_tasks() -> list[dict[str, Any]]:
    return list(tomllib.loads((HERE / "tasks.toml").read_text(encoding="utf-8"))["tasks"])


def learn(
    workdir: Path, top_k: int, threshold: float
) -> tuple[LearnedTemplateMatcher, dict[str, Any]]:
    """``codeloop library learn`` on the corpus, into a fresh store; the matcher reads it back."""
    store = Store(workdir / "codeloop.db")
    service = PatternService(store, workdir / "patterns.npz")
    units = service.units_of(HERE / "corpus.py")
    started = time.perf_counter()
    report = service.learn(units, top_k=top_k)
    seconds = time.perf_counter() - started
    try:
        library = TemplateLibrary.from_graph(CodeGraph(store.triples))
    finally:
        store.close()
    matcher = LearnedTemplateMatcher(library, threshold=threshold)
    return matcher, {
        "corpus_functions": [u.name for u in units],
        "learned_templates": report.learned_templates,
        "compression": report.compression,
        "learn_s": round(seconds, 3),
    }


def check_disjoint(tasks: list[dict[str, Any]], corpus_functions: list[str]) -> None:
    """The corpus holds no task's solution: no task's function is defined there."""
    for task in tasks:
        name = task["description"].split("function ", 1)[1].split("(", 1)[0]
        if name in corpus_functions:
            raise SystemExit(f"task {task['id']}: {name} is in the corpus")


def control(matcher: LearnedTemplateMatcher) -> dict[str, Any]:
    """The unrelated Python tasks: the best similarity each gets, and how many would get one."""
    unrelated = [t for t in load_taskset() if t["language"] == "python"]
    best = []
    for task in unrelated:
        ranked = matcher.scores("python", task["description"], task["id"].removeprefix("py-"))
        best.append(ranked[0].similarity if ranked else 0.0)
    return {
        "unrelated_tasks": len(unrelated),
        "offered": sum(s >= matcher.threshold for s in best),
        "max_similarity": max(best, default=0.0),
    }


async def run_arm(
    arm: str,
    task: dict[str, Any],
    model: Model,
    runner: SandboxRunner,
    options: PipelineOptions,
    matcher: LearnedTemplateMatcher,
    pattern: str,
) -> dict[str, Any]:
    pipeline = Pipeline(
        model, runner, options=options, learned=matcher if arm == "learned" else None
    )
    report = await pipeline.run(task["description"], language="python", pattern=pattern)
    lang = get_language("python")
    module = report.spec.module if report.spec else "solution"
    chosen = next((c.code for c in report.candidates if c.chosen), "")
    greedy = report.candidates[0].code if report.candidates else ""
    used = report.learned_template
    return {
        "id": task["id"],
        "arm": arm,
        "status": report.status,
        "learned_template": used.name if used else None,
        "similarity": used.similarity if used else None,
        "passed": await hidden_pass(lang, chosen, module, task["hidden"], runner),
        "greedy_passed": await hidden_pass(lang, greedy, module, task["hidden"], runner),
        "candidates": len(report.candidates),
        "input_tokens": report.input_tokens,
        "output_tokens": report.output_tokens,
        "seconds": report.seconds,
        "model_seconds": report.model_seconds,
        "code": chosen,
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arm in ARMS:
        sub = [r for r in rows if r["arm"] == arm]
        if not sub:
            continue
        n = len(sub)
        out[arm] = {
            "tasks": n,
            "pass_rate": round(sum(r["passed"] for r in sub) / n, 3),
            "greedy_pass_rate": round(sum(r["greedy_passed"] for r in sub) / n, 3),
            "offered_template": sum(r["learned_template"] is not None for r in sub),
            "input_tokens": sum(r["input_tokens"] for r in sub),
            "output_tokens": sum(r["output_tokens"] for r in sub),
            "seconds": round(sum(r["seconds"] for r in sub), 1),
            "p50_seconds": round(statistics.median(r["seconds"] for r in sub), 1),
            "candidates": sum(r["candidates"] for r in sub),
        }
    if len(out) == 2:
        base, learned = out["baseline"], out["learned"]
        out["ratios_learned_over_baseline"] = {
            key: round(learned[key] / base[key], 3) if base[key] else None
            for key in ("input_tokens", "output_tokens", "seconds", "candidates")
        }
    return out


async def main(args: argparse.Namespace) -> int:
    tasks = load_tasks()[: args.tasks]
    with tempfile.TemporaryDirectory() as tmp:
        matcher, learned = learn(Path(tmp), args.top_k, args.threshold)
    check_disjoint(tasks, learned["corpus_functions"])
    print(f"learned {learned['learned_templates']} in {learned['learn_s']}s", flush=True)
    settings = Settings()
    factory = ModelFactory(settings.models, model_dir=settings.model_dir, cache=None)
    model = factory.build(args.model)
    runner = SandboxRunner(read_only=RustSupport().runtime_paths())
    options = PipelineOptions(
        samples=args.samples, rounds=args.rounds, generate_tests=args.generate_tests
    )
    payload: dict[str, Any] = {
        "model": args.model,
        "options": options.model_dump(mode="json", exclude={"limits"}),
        "threshold": args.threshold,
        "pattern": args.pattern,
        "learning": learned,
        "control": control(matcher),
    }
    rows: list[dict[str, Any]] = []
    try:
        for index, task in enumerate(tasks):
            order = ARMS if index % 2 == 0 else ARMS[::-1]
            for arm in order:
                row = await run_arm(arm, task, model, runner, options, matcher, args.pattern)
                rows.append(row)
                print(
                    f"{row['id']:<10} {arm:<8} {'PASS' if row['passed'] else 'fail'}"
                    f" greedy={row['greedy_passed']} template={row['learned_template']}"
                    f" tokens={row['input_tokens']}/{row['output_tokens']} {row['seconds']:.1f}s",
                    flush=True,
                )
                payload.update(rows=rows, summary=summarize(rows))
                write_result(args.out, payload)
    finally:
        await factory.aclose()
    summary = summarize(rows)
    columns = ["arm", "tasks", "pass_rate", "greedy_pass_rate", "offered_template"]
    columns += ["input_tokens", "output_tokens", "seconds", "p50_seconds", "candidates"]
    print(format_table([{"arm": arm, **summary[arm]} for arm in ARMS if arm in summary], columns))
    print(f"control: {payload['control']}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10, help="how many of the ten tasks")
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--generate-tests", action="store_true")
    parser.add_argument(
        "--pattern",
        default="typed-function",
        help="the pipeline pattern of both arms ('record' alone would select pydantic-model)",
    )
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default="learned_payoff")
    sys.exit(asyncio.run(main(parser.parse_args())))
