"""Benchmark long-context answering: the model directly (context cut to its window), codeloop
``rlm``, and optionally the ``rlms`` package (the RLM paper's reference library) pointed at the
same embedded model through llama-cpp-python's OpenAI-compatible server on loopback.

Tasks over generated records (seeded, so every run sees the same data): needle lookup, counting
with a condition, top-k aggregation, per-item classification then aggregation.

    python -m benchmarks.rlm                          # 10k characters, direct vs rlm
    python -m benchmarks.rlm --sizes 10000,100000,1000000 --tasks needle,count
    python -m benchmarks.rlm --rlms /path/to/rlms/site   # add the rlms library (see --help)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks._report import write
from codeloop.api import Session
from codeloop.config import Settings
from codeloop.errors import CodeloopError
from codeloop.models.types import ModelRequest
from codeloop.orchestrate import RecursiveLM, RLMOptions, RunContext

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
CITIES = ["Paris", "Lima", "Oslo", "Cairo", "Tokyo"]
GOOD = ["great product, works perfectly", "love it, excellent quality", "very happy, recommend"]
BAD = ["terrible, broke after a day", "awful quality, want a refund", "very disappointed, useless"]
DIRECT_CHARS = 10_000  # what fits the embedded model's 4096-token window with the question
MAX_TOKENS = 400  # per model reply, the same for codeloop rlm and rlms


@dataclass(frozen=True)
class Case:
    task: str
    size: int
    context: str
    question: str
    truth: Any


def make_context(size: int, seed: int) -> tuple[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    lines: list[str] = []
    total = 0
    while total < size:
        good = rng.random() < 0.6
        record = {
            "id": len(records),
            "user": rng.choice(USERS),
            "city": rng.choice(CITIES),
            "amount": rng.randint(1, 500),
            "status": rng.choice(["ok", "ok", "ok", "failed"]),
            "review": rng.choice(GOOD if good else BAD),
            "positive": good,
        }
        line = (
            f"record {record['id']}: user={record['user']} city={record['city']}"
            f" amount={record['amount']} status={record['status']} review: {record['review']}"
        )
        records.append(record)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n", records


def make_case(task: str, size: int, data_seed: int = 0) -> Case:
    seed = size + len(task) + 1_000_003 * data_seed
    text, records = make_context(size, seed)
    if task == "needle":
        rng = random.Random(seed)
        code = f"{rng.choice(['amber', 'cobalt', 'violet'])}-{rng.randint(1000, 9999)}"
        lines = text.splitlines(keepends=True)
        lines.insert(rng.randrange(len(lines)), f"NOTE: the secret passphrase is {code}.\n")
        return Case(task, size, "".join(lines), "What is the secret passphrase?", code)
    if task == "count":
        truth = sum(1 for r in records if r["city"] == "Paris" and r["status"] == "failed")
        question = "How many records have city=Paris and status=failed? Answer with a number."
        return Case(task, size, text, question, truth)
    if task == "topk":
        totals: Counter[str] = Counter()
        for r in records:
            totals[r["user"]] += r["amount"]
        truth = [u for u, _ in totals.most_common(3)]
        question = (
            "Which 3 users have the largest total amount over all records?"
            " Answer with the three names, largest first, separated by commas."
        )
        return Case(task, size, text, question, truth)
    truth = sum(1 for r in records if not r["positive"])
    question = (
        "Each record has a customer review. How many reviews are negative? Answer with a number."
    )
    return Case("classify", size, text, question, truth)


def score(case: Case, answer: Any) -> bool:
    text = str(answer or "")
    if case.task == "needle":
        return str(case.truth) in text
    if case.task == "topk":
        names = re.findall("|".join(USERS), text.lower())
        return names[:3] == case.truth
    numbers = [int(n) for n in re.findall(r"-?\d+", text.replace(",", ""))]
    if not numbers:
        return False
    if case.task == "classify":  # a model classifies each review: allow 5 % error
        return abs(numbers[0] - case.truth) <= max(1, 0.05 * case.truth)
    return numbers[0] == case.truth


async def direct(runs: RunContext, case: Case) -> dict[str, Any]:
    cut = case.context[:DIRECT_CHARS]
    prompt = f"{cut}\n\nQUESTION: {case.question}\nAnswer briefly."
    started = time.monotonic()
    response = await runs.router.role("planner").complete(ModelRequest.of(prompt, max_tokens=48))
    return {
        "answer": response.text.strip(),
        "tokens": response.usage.total_tokens,
        "calls": 1,
        "seconds": round(time.monotonic() - started, 1),
    }


async def codeloop_rlm(
    runs: RunContext, case: Case, app: Session, iterations: int
) -> dict[str, Any]:
    options = RLMOptions(max_iterations=iterations, max_output_chars=1500, max_tokens=MAX_TOKENS)
    report = await RecursiveLM(runs, options, app.program_limits()).solve(
        case.question, case.context
    )
    return {
        "answer": report.answer,
        "tokens": report.tokens,
        "calls": report.calls,
        "seconds": round(report.seconds, 1),
        "finished": report.finished,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(model_path: Path) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on loopback, for the rlms library."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host",
         "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


def rlms_answer(
    folder: str, base_url: str, case: Case, iterations: int, timeout_s: float
) -> dict[str, Any]:
    """One question through the rlms library, in a subprocess (see ``benchmarks._rlms_driver``)."""
    started = time.monotonic()
    command = [sys.executable, "-m", "benchmarks._rlms_driver", folder, base_url,
               str(iterations), str(MAX_TOKENS), str(timeout_s)]  # fmt: skip
    payload = json.dumps({"context": case.context, "question": case.question})
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, text=True, timeout=timeout_s + 120,
            cwd=Path(__file__).parent.parent, check=False,
        )  # fmt: skip
        lines = done.stdout.strip().splitlines()
        cell: dict[str, Any] = json.loads(lines[-1]) if done.returncode == 0 and lines else {}
        error = None if cell else f"exit {done.returncode}: {done.stderr.strip()[-400:]}"
    except subprocess.TimeoutExpired:
        cell, error = {}, f"no answer within {timeout_s:.0f} s"
    if error:
        cell = {"answer": None, "error": error, "tokens": 0, "calls": 0}
    cell["seconds"] = round(time.monotonic() - started, 1)
    return cell


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    # no response cache (a cached reply would report another run's seconds) and no retry (a call
    # past the timeout fails its cell rather than starting again)
    update: dict[str, Any] = {"timeout_s": float(args.timeout), "cache": False, "max_retries": 0}
    if args.model:  # one embedded model for every method and role
        update |= {"planner": args.model, "worker": args.model}
    models = settings.models.model_copy(update=update)
    app = Session(settings.model_copy(update={"models": models}))
    cases = [make_case(t, s, args.seed) for s in args.sizes for t in args.tasks]
    rows: list[dict[str, Any]] = []
    console = Console()
    model_path = app.models.local_path(app.settings.models.planner.split(":", 1)[1])
    with contextlib.ExitStack() as stack:
        base_url = stack.enter_context(llama_server(model_path)) if "rlms" in args.methods else ""
        async with app.run_context() as runs:
            for case in cases:
                row: dict[str, Any] = {"task": case.task, "size": case.size, "truth": case.truth}
                for method in args.methods:
                    started = time.monotonic()
                    try:
                        if method == "direct":
                            cell = await direct(runs, case)
                        elif method == "rlm":
                            cell = await codeloop_rlm(runs, case, app, args.iterations)
                        else:
                            cell = await asyncio.to_thread(
                                rlms_answer,
                                args.rlms,
                                base_url,
                                case,
                                args.iterations,
                                args.rlms_seconds,
                            )
                    except CodeloopError as exc:  # e.g. a model call past the timeout
                        seconds = round(time.monotonic() - started, 1)
                        cell = {"answer": None, "error": str(exc), "tokens": 0, "calls": 0,
                                "seconds": seconds}  # fmt: skip
                    cell["correct"] = score(case, cell["answer"])
                    row[method] = cell
                    console.print(
                        f"{case.task} {case.size} {method}: {cell['answer']!r} ({cell['correct']})"
                    )
                rows.append(row)
                # written after every case, so a run cut short still leaves its results
                partial = {
                    "seed": args.seed,
                    "rows": rows,
                    "summary": summarise(rows, args.methods),
                }
                write(args.name, json.loads(json.dumps(partial | {"complete": False}, default=str)))
    return {
        "seed": args.seed,
        "model": app.settings.models.planner,
        "rows": rows,
        "summary": summarise(rows, args.methods),
    }


def summarise(rows: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for method in methods:
        cells = [r[method] for r in rows if method in r]
        above = [r[method] for r in rows if method in r and r["size"] > DIRECT_CHARS]
        if not cells:
            continue
        out[method] = {
            "accuracy": round(sum(c["correct"] for c in cells) / len(cells), 3),
            "accuracy_above_window": (
                round(sum(c["correct"] for c in above) / len(above), 3) if above else None
            ),
            "tokens_per_cell": round(sum(c["tokens"] for c in cells) / len(cells)),
            "seconds_per_cell": round(sum(c["seconds"] for c in cells) / len(cells), 1),
        }
    if "direct" in out and "rlm" in out and out["direct"]["accuracy"]:
        out["rlm_vs_direct_accuracy"] = round(out["rlm"]["accuracy"] / out["direct"]["accuracy"], 2)
    return out


def show(result: dict[str, Any], methods: list[str]) -> None:
    table = Table("task", "size", *[f"{m} (ok · tokens · s)" for m in methods])
    for r in result["rows"]:
        cells = []
        for m in methods:
            c = r.get(m)
            cells.append(
                f"{'✓' if c['correct'] else '✗'} · {c['tokens']} · {c['seconds']}" if c else "-"
            )
        table.add_row(r["task"], str(r["size"]), *cells)
    console = Console()
    console.print(table)
    console.print(result["summary"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated context sizes (chars)")
    parser.add_argument("--tasks", default="needle,count,topk,classify")
    parser.add_argument("--methods", default="direct,rlm", help="direct, rlm, rlms")
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0, help="which generated data (0: the default)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per model call")
    parser.add_argument("--rlms", help="a folder holding the rlms package (pip install --target)")
    parser.add_argument(
        "--rlms-seconds", type=float, default=900, help="wall-clock cap of one rlms answer"
    )
    parser.add_argument("--model", help="e.g. local:qwen2.5-coder-1.5b (default: the configured)")
    parser.add_argument("--name", default="rlm", help="results file benchmarks/results/NAME.json")
    ns = parser.parse_args()
    ns.sizes = [int(s) for s in ns.sizes.split(",")]
    ns.tasks = ns.tasks.split(",")
    ns.methods = ns.methods.split(",")
    if "rlms" in ns.methods and not ns.rlms:
        parser.error("--methods rlms needs --rlms DIR (pip install --no-deps --target DIR rlms)")
    outcome = asyncio.run(main(ns))
    outcome["command"] = " ".join(["python", "-m", "benchmarks.rlm", *sys.argv[1:]])
    outcome["complete"] = True
    write(ns.name, json.loads(json.dumps(outcome, default=str)))
    show(outcome, ns.methods)
