"""Benchmark ``codeloop analyze`` on questions over datasets that ship inside scikit-learn.

Each question has a ground truth computed here with pandas, independently of the model. Two ways
in the same run: ``analyze`` (the model writes a program, codeloop validates and runs it, retrying
on failure) and a baseline where the same model answers directly from the same data sample.

    python -m benchmarks.analyze            # a small subset (3 questions)
    python -m benchmarks.analyze --full     # all questions
    python -m benchmarks.analyze --tasks iris-rows,wine-mean-alcohol
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from sklearn import datasets

from benchmarks._report import write
from codeloop.api import Session
from codeloop.config import Settings
from codeloop.models.types import ModelRequest
from codeloop.orchestrate import Analyzer, CodegenOptions, RunContext, sample_data

DEFAULT_SUBSET = ("iris-rows", "wine-mean-alcohol", "cancer-malignant")
# The questions the analyze prompts were developed on (read from the store's run history); the
# other questions are held out, and the summary reports the two groups apart.
TUNED = frozenset(
    {
        "iris-rows", "iris-mean-sepal", "iris-top-species", "wine-mean-alcohol", "wine-class0",
        "wine-max-proline", "cancer-malignant", "cancer-benign-share", "diabetes-mean-bmi",
        "diabetes-over-50", "linnerud-max-weight",
    }
)  # fmt: skip


def _clean(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def load_frames() -> dict[str, pd.DataFrame]:
    """The bundled datasets as tables with readable column names (read from the package)."""
    iris = datasets.load_iris(as_frame=True)
    iris_df = iris.data.rename(columns=lambda c: _clean(c.replace("(cm)", "")))
    iris_df["species"] = [iris.target_names[t] for t in iris.target]
    wine = datasets.load_wine(as_frame=True)
    wine_df = wine.data.rename(columns=_clean)
    wine_df["class"] = wine.target
    cancer = datasets.load_breast_cancer(as_frame=True)
    cancer_df = cancer.data.rename(columns=_clean)
    cancer_df["diagnosis"] = [cancer.target_names[t] for t in cancer.target]
    diabetes = datasets.load_diabetes(as_frame=True, scaled=False)
    diabetes_df = diabetes.data.copy()
    diabetes_df["progression"] = diabetes.target
    linnerud = datasets.load_linnerud(as_frame=True)
    linnerud_df = pd.concat([linnerud.data, linnerud.target], axis=1)
    linnerud_df.columns = [c.lower() for c in linnerud_df.columns]
    return {
        "iris": iris_df,
        "wine": wine_df,
        "cancer": cancer_df,
        "diabetes": diabetes_df,
        "linnerud": linnerud_df,
    }


@dataclass(frozen=True)
class Task:
    id: str
    dataset: str
    question: str
    truth: Callable[[pd.DataFrame], Any]


TASKS = [
    Task("iris-rows", "iris", "How many rows (flowers) are there?", len),
    Task("iris-mean-sepal", "iris",
         "What is the mean sepal_length?",
         lambda d: d.sepal_length.mean()),
    Task("iris-max-petal", "iris",
         "What is the largest petal_length?",
         lambda d: d.petal_length.max()),
    Task("iris-species", "iris",
         "How many distinct species are there?",
         lambda d: d.species.nunique()),
    Task("iris-virginica-width", "iris", "What is the mean petal_width of the species virginica?",
         lambda d: d[d.species == "virginica"].petal_width.mean()),
    Task("iris-long-sepals", "iris", "How many flowers have sepal_length greater than 6?",
         lambda d: int((d.sepal_length > 6).sum())),
    Task("iris-top-species", "iris", "Which species has the largest mean petal_length?",
         lambda d: d.groupby("species").petal_length.mean().idxmax()),
    Task("iris-corr", "iris",
         "What is the Pearson correlation between petal_length and petal_width?",
         lambda d: d.petal_length.corr(d.petal_width)),
    Task("wine-rows", "wine", "How many wines are in the data?", len),
    Task("wine-mean-alcohol", "wine", "What is the mean alcohol?", lambda d: d.alcohol.mean()),
    Task("wine-class0", "wine",
         "How many wines have class 0?",
         lambda d: int((d["class"] == 0).sum())),
    Task("wine-max-proline", "wine", "What is the maximum proline?", lambda d: d.proline.max()),
    Task("wine-median-color", "wine", "What is the median color_intensity?",
         lambda d: d.color_intensity.median()),
    Task("wine-top-class", "wine", "Which class has the highest mean alcohol?",
         lambda d: int(d.groupby("class").alcohol.mean().idxmax())),
    Task("cancer-malignant", "cancer", "How many tumours have diagnosis malignant?",
         lambda d: int((d.diagnosis == "malignant").sum())),
    Task("cancer-mean-radius", "cancer", "What is the average of the column mean_radius?",
         lambda d: d.mean_radius.mean()),
    Task("cancer-max-worst-area", "cancer", "What is the maximum worst_area?",
         lambda d: d.worst_area.max()),
    Task("cancer-benign-share", "cancer", "What fraction of the tumours are benign (0 to 1)?",
         lambda d: (d.diagnosis == "benign").mean()),
    Task("cancer-malignant-texture", "cancer",
         "What is the average mean_texture of the malignant tumours?",
         lambda d: d[d.diagnosis == "malignant"].mean_texture.mean()),
    Task("diabetes-rows", "diabetes", "How many patients are there?", len),
    Task("diabetes-mean-bmi", "diabetes", "What is the mean bmi?", lambda d: d.bmi.mean()),
    Task("diabetes-max-progression", "diabetes", "What is the largest progression value?",
         lambda d: d.progression.max()),
    Task("diabetes-over-50", "diabetes", "How many patients are older than 50 (age > 50)?",
         lambda d: int((d.age > 50).sum())),
    Task("diabetes-sex2-progression", "diabetes",
         "What is the mean progression of the patients with sex equal to 2?",
         lambda d: d[d.sex == 2].progression.mean()),
    Task("linnerud-mean-situps", "linnerud", "What is the mean number of situps?",
         lambda d: d.situps.mean()),
    Task("linnerud-max-weight", "linnerud",
         "What is the largest weight?",
         lambda d: d.weight.max()),
    Task("linnerud-corr", "linnerud", "What is the Pearson correlation between weight and waist?",
         lambda d: d.weight.corr(d.waist)),
    Task("linnerud-chins-weight", "linnerud",
         "What is the weight of the person with the most chins?",
         lambda d: d.loc[d.chins.idxmax(), "weight"]),
]  # fmt: skip


def _scalar(value: Any) -> Any:
    while isinstance(value, dict | list) and len(value) == 1:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    if isinstance(value, str):
        text = value.strip().strip(".")
        match = re.fullmatch(r"[^0-9-]*(-?\d+(?:\.\d+)?)[^0-9]*", text)
        return float(match.group(1)) if match else text
    return value


def correct(answer: Any, truth: Any) -> bool:
    """Numbers within 1 % (or 0.01), strings equal ignoring case; ``truth`` comes from pandas."""
    value = _scalar(answer)
    if isinstance(truth, str):
        return isinstance(value, str) and value.lower() == truth.lower()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    expected = float(truth)
    return math.isclose(float(value), expected, rel_tol=0.01, abs_tol=0.01)


async def direct_answer(runs: RunContext, data: str, question: str) -> tuple[Any, float, int]:
    """The baseline: the same model answers from the same sample, without a program."""
    sample = sample_data(data, "csv").render()
    prompt = (
        f"Data sample:\n{sample}\n\nQuestion about the whole data: {question}\n"
        "Answer with the value only."
    )
    started = time.monotonic()
    response = await runs.router.role("coder").complete(ModelRequest.of(prompt, max_tokens=32))
    return response.text.strip(), time.monotonic() - started, response.usage.total_tokens


def bench_settings(timeout_s: float, model: str | None = None) -> Settings:
    """Settings with a model timeout long enough for a loaded 2-core machine, no response cache
    (a cached reply would report another run's seconds), and ``model`` for every role if given."""
    settings = Settings()
    update: dict[str, Any] = {"timeout_s": timeout_s, "cache": False}
    if model:
        update |= {"planner": model, "coder": model, "worker": model}
    models = settings.models.model_copy(update=update)
    return settings.model_copy(update={"models": models})


async def main(
    selected: list[Task],
    retries: int,
    baseline: bool,
    max_tokens: int,
    timeout_s: float,
    model: str | None = None,
) -> dict[str, Any]:
    frames = load_frames()
    app = Session(bench_settings(timeout_s, model))
    rows: list[dict[str, Any]] = []
    console = Console()
    async with app.run_context() as runs:
        analyzer = Analyzer(runs, CodegenOptions(max_retries=retries, max_tokens=max_tokens))
        for index, task in enumerate(selected, 1):
            frame = frames[task.dataset]
            data = frame.to_csv(index=False)
            truth = task.truth(frame)
            truth = truth.item() if hasattr(truth, "item") else truth
            report = await analyzer.analyze(data, "csv", task.question)
            row: dict[str, Any] = {
                "task": task.id,
                "tuned_on": task.id in TUNED,
                "truth": truth,
                "answer": report.value,
                "valid_first": bool(report.attempts) and report.attempts[0].stage == "ok",
                "valid": report.ok,
                "attempts": len(report.attempts),
                "correct": report.ok and correct(report.value, truth),
                "seconds": round(report.seconds, 1),
                "tokens": report.tokens,
                "error": report.error,
            }
            if baseline:
                answer, seconds, tokens = await direct_answer(runs, data, task.question)
                row |= {
                    "direct_answer": answer,
                    "direct_correct": correct(answer, truth),
                    "direct_seconds": round(seconds, 1),
                    "direct_tokens": tokens,
                }
            rows.append(row)
            console.print(f"[{index}/{len(selected)}] {task.id}: {row['answer']!r} vs {truth!r}")
            sys.stdout.flush()
    return summarise(rows, baseline)


def summarise(rows: list[dict[str, Any]], baseline: bool) -> dict[str, Any]:
    groups = {
        "tuned_on": [r for r in rows if r["tuned_on"]],
        "held_out": [r for r in rows if not r["tuned_on"]],
    }
    summary = _figures(rows, baseline) | {
        name: _figures(group, baseline) for name, group in groups.items() if group
    }
    return {"summary": summary, "rows": rows}


def _figures(rows: list[dict[str, Any]], baseline: bool) -> dict[str, Any]:
    n = len(rows)

    def share(key: str) -> float:
        return round(sum(bool(r[key]) for r in rows) / n, 3) if n else 0.0

    summary: dict[str, Any] = {
        "tasks": n,
        "valid_first_try": share("valid_first"),
        "valid_after_retries": share("valid"),
        "correct": share("correct"),
        "seconds_per_task": round(sum(r["seconds"] for r in rows) / max(n, 1), 1),
        "tokens_per_task": round(sum(r["tokens"] for r in rows) / max(n, 1)),
    }
    if baseline:
        summary["direct_correct"] = share("direct_correct")
        summary["correct_ratio_vs_direct"] = (
            round(summary["correct"] / summary["direct_correct"], 2)
            if summary["direct_correct"]
            else None
        )
    return summary


def show(result: dict[str, Any]) -> None:
    table = Table("task", "truth", "analyze", "valid 1st", "valid", "ok", "s", "tokens", "direct")
    for r in result["rows"]:
        table.add_row(
            r["task"],
            f"{r['truth']:.4g}" if isinstance(r["truth"], float) else str(r["truth"]),
            str(r["answer"])[:24],
            "✓" if r["valid_first"] else "✗",
            "✓" if r["valid"] else "✗",
            "✓" if r["correct"] else "✗",
            str(r["seconds"]),
            str(r["tokens"]),
            (("✓ " if r["direct_correct"] else "✗ ") + str(r["direct_answer"])[:16])
            if "direct_answer" in r
            else "-",
        )
    console = Console()
    console.print(table)
    console.print(result["summary"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run every question")
    parser.add_argument("--tasks", help="comma-separated task ids")
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=400, help="per generated program")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per model call")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the direct-answer baseline"
    )
    parser.add_argument("--model", help="e.g. local:qwen2.5-coder-1.5b (default: the configured)")
    parser.add_argument(
        "--name", default="analyze", help="results file benchmarks/results/NAME.json"
    )
    args = parser.parse_args()
    ids = args.tasks.split(",") if args.tasks else (None if args.full else DEFAULT_SUBSET)
    chosen = [t for t in TASKS if ids is None or t.id in ids]
    outcome = asyncio.run(
        main(chosen, args.retries, not args.no_baseline, args.max_tokens, args.timeout, args.model)
    )
    outcome["model"] = args.model or Settings().models.coder
    outcome["command"] = " ".join(["python", "-m", "benchmarks.analyze", *sys.argv[1:]])
    write(args.name, json.loads(json.dumps(outcome, default=str)))
    show(outcome)
