"""Both seed Scheme programs run verbatim; a scripted model writes the code they ask for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from codeloop.models.backends.scripted import ScriptedModel
from codeloop.models.types import ModelRequest
from codeloop.orchestrate import ProgramRunner, RunContext
from codeloop.store import Store

RunsFactory = Callable[..., RunContext]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PAYMENTS = [
    {"id": f"ch_{i}", "customer": f"cus_{i % 7}", "amount": 1000 + 250 * i, "currency": "usd"}
    for i in range(20)
]

GENERATED_000 = """```scheme
(define stats (py-exec "
by_customer = {}
for p in data:
    by_customer[p['customer']] = by_customer.get(p['customer'], 0) + p['amount']
top = sorted(by_customer, key=lambda c: -by_customer[c])[:5]
total = sum(p['amount'] for p in data) / 100
print(f'total={total:.2f} avg={total / len(data):.2f} top={top}')
"))
(define anomalies
  (syntax-e (llm-query #:instruction "List anomalies" #:data stats #:model "gpt-4o-mini")))
(define final_report (string-append "STATS " (string-trim stats) " | ANOMALIES " anomalies))
```"""


async def test_seed_000_meta_programming_runs_verbatim(
    make_runs: RunsFactory, store: Store
) -> None:
    source = (EXAMPLES / "seed_000_meta_programming.scm").read_text()
    coder = ScriptedModel([GENERATED_000], name="coder")
    worker = ScriptedModel(["none: amounts grow evenly"], name="worker")
    runs = make_runs(ScriptedModel([], name="planner"), worker=worker, coder=coder)

    report = await ProgramRunner(runs).run(source, language="scheme", context=json.dumps(PAYMENTS))

    assert report.error is None
    assert report.value == (
        "STATS total=675.00 avg=33.75 top=['cus_5', 'cus_4', 'cus_3', 'cus_2', 'cus_1']"
        " | ANOMALIES none: amounts grow evenly"
    )
    assert report.finished is True
    assert "Data sample:\n" in report.stdout
    assert "[{'id': 'ch_0', 'customer': 'cus_0'" in report.stdout  # py-exec printed the sample
    assert "=== EXECUTING ===" in report.stdout
    prompt = coder.requests[0].messages[-1].content
    assert prompt.startswith("You are writing Scheme code for rlm-scheme sandbox.")
    assert '"id": "ch_1"' in prompt
    assert "ch_2" not in prompt  # the seed samples data[:2]
    assert coder.requests[0].max_tokens == 2000
    worker_prompt = worker.requests[0].messages[-1].content
    assert worker_prompt.startswith('Input:\n"""\ntotal=675.00')
    assert worker_prompt.endswith("List anomalies")
    assert report.notes == [
        "model 'code-davinci-002' resolved through the alias table to 'coder'",
        "model 'gpt-4o-mini' resolved through the alias table to 'worker'",
    ]
    steps = store.runs.get_run(report.run_id or "").steps
    assert [s.kind for s in steps] == ["model_call", "model_call", "program_run"]
    assert steps[0].name == "llm_query"


TICKETS = [
    {
        "id": i,
        "title": f"Ticket {i}",
        "description": ("login fails after reset" if i % 3 == 0 else "invoice shows wrong total"),
        "priority": "high" if i % 4 == 0 else "low",
        "category": "auth" if i % 3 == 0 else "billing",
    }
    for i in range(12)
]

GENERATED_001 = """;; strategy: C (keyword filter, then LLM on the survivors)
(define urgent (py-eval "[t['description'] for t in tickets if t['priority'] == 'high']"))
(define causes
  (map-async (lambda (d) (syntax-e (llm-query #:instruction "Root cause in 3 words" #:data d)))
             urgent))
(define final_report
  (string-append "high-priority: " (number->string (length urgent))
                 "; causes: " (string-join causes ", ")))
"""


def _answer(request: ModelRequest) -> str:
    prompt = request.messages[-1].content
    if prompt.startswith("Design orchestration strategy"):
        return GENERATED_001
    if prompt.endswith("Root cause in 3 words"):
        return "password reset token" if "login" in prompt else "tax rounding bug"
    raise AssertionError(f"unexpected prompt {prompt[:60]!r}")


async def test_seed_001_meta_orchestration_runs_verbatim(
    make_runs: RunsFactory, store: Store
) -> None:
    source = (EXAMPLES / "seed_001_meta_orchestration.scm").read_text()
    model = ScriptedModel(_answer)
    runs = make_runs(model)

    report = await ProgramRunner(runs).run(source, language="scheme", context=TICKETS)

    assert report.error is None
    assert report.value == (
        "high-priority: 3; causes: password reset token, tax rounding bug, tax rounding bug"
    )
    assert report.finished is True
    assert "=== GENERATED STRATEGY ===\n;; strategy: C" in report.stdout
    planner_prompt = model.requests[0].messages[-1].content
    assert '"total": 12' in planner_prompt
    assert (model.requests[0].temperature, model.requests[0].max_tokens) == (0.0, 3000)
    assert report.calls == 4
    assert "model 'gpt-4.1' resolved through the alias table to 'planner'" in report.notes
    run = store.runs.get_run(report.run_id or "")
    assert run.status == "ok"
    assert run.result == report.value


async def test_scheme_primitives_reach_the_python_session(make_runs: RunsFactory) -> None:
    source = """
    (py-set! "items" (list 3 1 2))
    (define n (py-eval "sorted(items) + [len(context)]"))
    (define out (py-exec "print(sum(items))"))
    (checkpoint "k" n)
    (finish (list n out (restore "k")))
    """
    runs = make_runs(ScriptedModel([]))
    report = await ProgramRunner(runs).run(source, language="scheme", context="abcd")
    assert report.value == [[1, 2, 3, 4], "6\n", [1, 2, 3, 4]]


async def test_scheme_errors_keep_the_output(make_runs: RunsFactory) -> None:
    runs = make_runs(ScriptedModel([]))
    report = await ProgramRunner(runs).run('(display "before") (py-exec "1/0")', language="scheme")
    assert (report.ok, report.status, report.stdout) == (False, "error", "before")
    assert "ZeroDivisionError" in (report.error or "")
