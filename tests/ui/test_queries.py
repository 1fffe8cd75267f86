from __future__ import annotations

import time

import pytest

from codeloop.errors import UserInputError
from codeloop.store import StepRecord
from codeloop.ui import Dashboard, RunFilter, build_tree, result_metrics
from tests.ui.conftest import Filled


def ids(dashboard: Dashboard, **flt: object) -> list[str]:
    return [r.id for r in dashboard.runs(RunFilter.model_validate(flt)).runs]


def test_runs_newest_first_with_totals(filled: Filled) -> None:
    page = Dashboard(filled.store).runs(RunFilter())
    assert [r.id for r in page.runs] == [filled.live, filled.analyze, filled.gen, filled.old]
    assert page.total == 4
    assert page.kinds == ["analyze", "gen"]
    gen = next(r for r in page.runs if r.id == filled.gen)
    assert (gen.steps, gen.input_tokens, gen.output_tokens) == (5, 100, 45)
    assert gen.cost_usd == pytest.approx(0.005)
    assert gen.title == "Write is_prime(n) in Python"
    assert gen.status == "ok"
    live = next(r for r in page.runs if r.id == filled.live)
    assert (live.status, live.seconds, live.finished_at) == ("running", None, None)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"kind": "analyze"}, ["analyze"]),
        ({"status": "running"}, ["live"]),
        ({"status": "ok", "kind": "gen"}, ["gen", "old"]),
        ({"q": "division by zero"}, ["analyze"]),
        ({"q": "SLUGIFY"}, ["old"]),
        ({"q": "100%"}, []),
        ({"q": "is_prime"}, ["gen"]),
        ({"limit": 2, "offset": 1}, ["analyze", "gen"]),
    ],
)
def test_runs_filters(filled: Filled, flt: dict[str, object], expected: list[str]) -> None:
    assert ids(Dashboard(filled.store), **flt) == [getattr(filled, name) for name in expected]


def test_run_id_prefix_is_searchable(filled: Filled) -> None:
    assert ids(Dashboard(filled.store), q=filled.analyze[:8]) == [filled.analyze]


def test_trace_is_a_tree_with_subtree_totals(filled: Filled) -> None:
    trace = Dashboard(filled.store).trace(filled.gen)
    assert [(n.step.kind, n.step.name) for n in trace.roots] == [
        ("stage", "generate"),
        ("repair", "repair round 1"),
        ("validation", "ruff"),
    ]
    stage = trace.roots[0]
    assert [c.step.kind for c in stage.children] == ["model_call", "validation"]
    assert stage.total_tokens == 55
    assert stage.total_cost_usd == pytest.approx(0.002)
    assert stage.total_seconds == 1.5
    assert (trace.input_tokens, trace.output_tokens) == (100, 45)
    assert trace.run.result["report"]["coverage"] == 0.9


def test_trace_of_unknown_run_names_the_fix(filled: Filled) -> None:
    with pytest.raises(UserInputError, match="no run with id 'nope'"):
        Dashboard(filled.store).trace("nope")


def test_deep_chain_does_not_recurse() -> None:
    steps = [
        StepRecord(id=i, parent_id=i - 1 if i > 1 else None, kind="k", name=str(i), input_tokens=1)
        for i in range(1, 3001)
    ]
    roots = build_tree(steps)
    assert len(roots) == 1
    assert roots[0].total_tokens == 3000


def test_progress_lists_only_new_steps(filled: Filled) -> None:
    dashboard = Dashboard(filled.store)
    first = dashboard.progress(filled.live)
    assert (first.status, first.steps, len(first.new_steps)) == ("running", 1, 1)
    filled.store.runs.add_step(
        StepRecord(run_id=filled.live, kind="validation", name="ruff", input={}, output_tokens=3)
    )
    second = dashboard.progress(filled.live, after=first.last_step_id)
    assert [s.name for s in second.new_steps] == ["ruff"]
    assert (second.steps, second.output_tokens) == (2, 8)
    filled.store.runs.finish_run(filled.live, "ok", {"code": "x"})
    third = dashboard.progress(filled.live, after=second.last_step_id)
    assert (third.status, third.new_steps) == ("ok", [])


def test_quality_series_per_day(filled: Filled) -> None:
    report = Dashboard(filled.store).quality(days=30, now=time.time())
    assert len(report.points) == 2
    old, today = report.points
    assert old.runs == 1
    assert old.metrics == {"lint_clean": 0.0, "coverage": 0.5}
    assert old.mean_seconds == pytest.approx(3.0, abs=0.05)
    assert today.runs == 3
    assert today.ok_rate == pytest.approx(1 / 2)  # of the runs that ended; one is still running
    # Three validation steps today: the failed ruff run, and the one after the repair.
    assert today.checks_passed_rate == pytest.approx(1 / 2)
    assert today.metrics == {"lint_clean": 1.0, "coverage": 0.9, "tests_pass_rate": 0.75}
    assert today.tokens == 160
    assert report.metric_names == ["coverage", "lint_clean", "tests_pass_rate"]


def test_quality_window_leaves_old_days_out(filled: Filled) -> None:
    report = Dashboard(filled.store).quality(days=1)
    assert [p.runs for p in report.points] == [3]


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"lint_clean": True}, {"lint_clean": 1.0}),
        ({"metrics": {"pass_rate": 0.25}}, {"tests_pass_rate": 0.25}),
        ({"report": {"rule_adherence": 95}}, {"pattern_adherence": 0.95}),
        ({"tests_passed": 1, "tests_total": 0}, {}),
        (
            {  # a pipeline GenerationReport
                "lint": {"tool": "ruff", "clean": True},
                "coverage_percent": 87.5,
                "adherence": 1.0,
                "public_passed": 2,
                "public_total": 4,
            },
            {
                "lint_clean": 1.0,
                "coverage": 0.875,
                "pattern_adherence": 1.0,
                "tests_pass_rate": 0.5,
            },
        ),
        ({"coverage_percent": 1.0}, {"coverage": 0.01}),
        ({"mode": "loop", "pass_at_1": 0.42}, {"bench_pass_rate": 0.42}),
        ("plain text", {}),
        (None, {}),
    ],
)
def test_result_metrics(result: object, expected: dict[str, float]) -> None:
    assert result_metrics(result) == expected


def test_graph_search_and_node(filled: Filled) -> None:
    dashboard = Dashboard(filled.store)
    found = dashboard.graph(q="is_prime")
    assert [(e.subject, e.predicate) for e in found.edges] == [
        ("py:mod.is_prime", "code:kind"),
        ("py:mod.is_prime", "code:returns"),
        ("py:mod.main", "code:calls"),
    ]
    assert found.predicates == [
        ("code:calls", 1),
        ("code:kind", 1),
        ("code:returns", 1),
        ("template:language", 1),
    ]
    node = dashboard.graph(subject="py:mod.is_prime")
    assert [e.object for e in node.edges] == ["function", "py:bool"]
    assert [e.subject for e in node.incoming] == ["py:mod.main"]
    assert dashboard.graph(predicate="template:language").total == 1
    assert dashboard.graph(q="%").total == 0  # a literal percent sign, not a wildcard
    assert dashboard.graph(q="r_t").total == 1  # a literal underscore: error_type only
