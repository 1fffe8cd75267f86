"""Read-only queries over the store for the dashboard: filtered run lists, trace trees, live
progress, daily quality series and the knowledge graph."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from codeloop.store import StepRecord, Store
from codeloop.ui._views import (
    GraphEdge,
    GraphPage,
    Progress,
    QualityPoint,
    QualityReport,
    RunFilter,
    RunPage,
    RunSummary,
    Trace,
    TraceNode,
)

__all__ = ["METRIC_ALIASES", "VALIDATION_KINDS", "Dashboard"]

# Run-result fields charted as quality measures, under the names the pipeline and bench may use.
# ``lint.clean`` is a nested field; ``*_percent`` values are read as percentages.
METRIC_ALIASES: Mapping[str, tuple[str, ...]] = {
    "lint_clean": ("lint_clean", "lint.clean"),
    "coverage": ("coverage", "coverage_percent"),
    "pattern_adherence": ("pattern_adherence", "rule_adherence", "adherence"),
    "tests_pass_rate": ("tests_pass_rate", "pass_rate"),
    "bench_pass_rate": ("pass_at_1",),
}
# Pairs (passed, total) that give the tests' pass rate when no rate is stored.
_PASS_COUNTS = (("tests_passed", "tests_total"), ("public_passed", "public_total"))
# Step kinds that are checks: their error rate is the "checks passed" series.
VALIDATION_KINDS = ("validation", "lint", "typecheck", "compile", "test")
_TITLE_KEYS = ("prompt", "task", "description", "request", "question", "query", "file", "path")
_RESULT_SECTIONS = ("report", "metrics")
_DAY_S = 86400.0


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _title(request: Any) -> str:
    if isinstance(request, dict):
        for key in _TITLE_KEYS:
            value = request.get(key)
            if isinstance(value, str) and value.strip():
                request = value
                break
    text = request if isinstance(request, str) else json.dumps(request, default=str)
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:119] + "…"


def _as_rate(value: Any, *, percent: bool = False) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
        return number / 100.0 if percent or 1.0 < number <= 100.0 else number
    return None


def _field(section: dict[str, Any], path: str) -> float | None:
    value: Any = section
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return _as_rate(value, percent=path.endswith("_percent"))


def result_metrics(result: Any) -> dict[str, float]:
    """The quality measures found in a run's result (top level, ``report`` or ``metrics``)."""
    if not isinstance(result, dict):
        return {}
    sections = [result] + [result[k] for k in _RESULT_SECTIONS if isinstance(result.get(k), dict)]
    found: dict[str, float] = {}
    for name, aliases in METRIC_ALIASES.items():
        for section in sections:
            value = next((v for a in aliases if (v := _field(section, a)) is not None), None)
            if value is not None:
                found[name] = value
                break
    for section in sections:
        if "tests_pass_rate" in found:
            break
        for passed_key, total_key in _PASS_COUNTS:
            passed, total = section.get(passed_key), section.get(total_key)
            if isinstance(passed, int) and isinstance(total, int) and total > 0:
                found["tests_pass_rate"] = passed / total
                break
    return found


class Dashboard:
    """The dashboard's read model over one store; it never writes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.db

    def runs(self, flt: RunFilter) -> RunPage:
        where, params = self._where(flt)
        total = int(self._db.query(f"SELECT COUNT(*) FROM runs r{where}", params)[0][0])
        rows = self._db.query(
            "SELECT r.id, r.kind, r.status, r.request, r.error, r.created_at, r.finished_at,"
            " COUNT(s.id) AS n_steps, COALESCE(SUM(s.input_tokens), 0) AS in_tok,"
            " COALESCE(SUM(s.output_tokens), 0) AS out_tok, COALESCE(SUM(s.cost_usd), 0) AS cost"
            f" FROM runs r LEFT JOIN steps s ON s.run_id = r.id{where}"
            " GROUP BY r.id ORDER BY r.created_at DESC, r.id LIMIT ? OFFSET ?",
            [*params, flt.limit, flt.offset],
        )
        runs = [
            RunSummary(
                id=r["id"],
                kind=r["kind"],
                status=r["status"],
                title=_title(json.loads(r["request"])),
                created_at=r["created_at"],
                finished_at=r["finished_at"],
                seconds=None if r["finished_at"] is None else r["finished_at"] - r["created_at"],
                steps=r["n_steps"],
                input_tokens=r["in_tok"],
                output_tokens=r["out_tok"],
                cost_usd=r["cost"],
                error=r["error"],
            )
            for r in rows
        ]
        kinds = [r[0] for r in self._db.query("SELECT DISTINCT kind FROM runs ORDER BY kind")]
        return RunPage(runs=runs, total=total, kinds=kinds, filter=flt)

    @staticmethod
    def _where(flt: RunFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if flt.kind:
            clauses.append("r.kind = ?")
            params.append(flt.kind)
        if flt.status:
            clauses.append("r.status = ?")
            params.append(flt.status)
        if flt.q:
            pattern = _like(flt.q)
            clauses.append(
                "(r.id LIKE ? ESCAPE '\\' OR r.request LIKE ? ESCAPE '\\'"
                " OR r.result LIKE ? ESCAPE '\\' OR r.error LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 4)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def trace(self, run_id: str) -> Trace:
        """The run with its steps as a tree; raises ``UserInputError`` for an unknown id."""
        run = self._store.runs.get_run(run_id)
        roots = build_tree(run.steps)
        return Trace(
            run=run,
            roots=roots,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cost_usd=run.cost_usd,
            seconds=None if run.finished_at is None else run.finished_at - run.created_at,
        )

    def progress(self, run_id: str, after: int = 0) -> Progress:
        run = self._store.runs.get_run(run_id)
        new = [s for s in run.steps if (s.id or 0) > after]
        return Progress(
            run_id=run.id,
            status=run.status,
            steps=len(run.steps),
            last_step_id=max((s.id or 0 for s in run.steps), default=0),
            new_steps=new,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cost_usd=run.cost_usd,
        )

    def quality(self, *, days: int = 30, now: float | None = None) -> QualityReport:
        """Daily series over the last ``days`` days (UTC), oldest first; empty days are left out."""
        since = (now if now is not None else time.time()) - days * _DAY_S
        runs = self._db.query(
            "SELECT r.id, r.status, r.result, r.created_at, r.finished_at,"
            " COALESCE(SUM(s.input_tokens + s.output_tokens), 0) AS tok,"
            " COALESCE(SUM(s.cost_usd), 0) AS cost"
            " FROM runs r LEFT JOIN steps s ON s.run_id = r.id WHERE r.created_at >= ?"
            " GROUP BY r.id ORDER BY r.created_at",
            (since,),
        )
        marks = ",".join("?" * len(VALIDATION_KINDS))
        checks = self._db.query(
            "SELECT r.created_at, s.error IS NULL AS passed FROM steps s JOIN runs r"
            f" ON r.id = s.run_id WHERE r.created_at >= ? AND s.kind IN ({marks})",
            (since, *VALIDATION_KINDS),
        )
        by_day: dict[str, list[Any]] = defaultdict(list)
        for row in runs:
            by_day[_day(row["created_at"])].append(row)
        checks_by_day: dict[str, list[bool]] = defaultdict(list)
        for row in checks:
            checks_by_day[_day(row[0])].append(bool(row[1]))
        points = [_point(day, by_day[day], checks_by_day.get(day, [])) for day in sorted(by_day)]
        names = sorted({name for p in points for name in p.metrics})
        return QualityReport(points=points, metric_names=names)

    def graph(
        self, *, q: str = "", predicate: str = "", subject: str = "", limit: int = 200
    ) -> GraphPage:
        """Facts matching a search (subject or object contains ``q``), or one node's edges."""
        clauses: list[str] = []
        params: list[Any] = []
        if subject:
            clauses.append("subject = ?")
            params.append(subject)
        if predicate:
            clauses.append("predicate = ?")
            params.append(predicate)
        if q:
            clauses.append("(subject LIKE ? ESCAPE '\\' OR object LIKE ? ESCAPE '\\')")
            params.extend([_like(q)] * 2)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        total = int(self._db.query(f"SELECT COUNT(*) FROM triples{where}", params)[0][0])
        edges = _edges(
            self._db.query(
                f"SELECT subject, predicate, object, provenance FROM triples{where}"
                " ORDER BY subject, predicate, id LIMIT ?",
                [*params, limit],
            )
        )
        incoming = (
            _edges(
                self._db.query(
                    "SELECT subject, predicate, object, provenance FROM triples WHERE object = ?"
                    " ORDER BY subject, predicate, id LIMIT ?",
                    (subject, limit),
                )
            )
            if subject
            else []
        )
        predicates = [
            (r[0], int(r[1]))
            for r in self._db.query(
                "SELECT predicate, COUNT(*) FROM triples GROUP BY predicate ORDER BY predicate"
            )
        ]
        return GraphPage(
            q=q,
            predicate=predicate,
            subject=subject,
            edges=edges,
            incoming=incoming,
            total=total,
            predicates=predicates,
        )


def build_tree(steps: Iterable[StepRecord]) -> list[TraceNode]:
    """Steps as a forest by ``parent_id``; a step whose parent is unknown is a root."""
    nodes = {s.id: TraceNode(step=s) for s in steps if s.id is not None}
    roots: list[TraceNode] = []
    for node in nodes.values():
        parent = nodes.get(node.step.parent_id) if node.step.parent_id is not None else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    for node in _post_order(roots):
        step = node.step
        node.total_tokens = step.input_tokens + step.output_tokens
        node.total_cost_usd = step.cost_usd
        node.total_seconds = step.seconds
        for child in node.children:
            node.total_tokens += child.total_tokens
            node.total_cost_usd += child.total_cost_usd
    return roots


def _post_order(roots: list[TraceNode]) -> list[TraceNode]:
    """Children before their parents, without recursion (traces can be deep)."""
    order: list[TraceNode] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    return order[::-1]


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _point(day: str, rows: list[Any], checks: list[bool]) -> QualityPoint:
    ended = [r for r in rows if r["status"] != "running"]
    finished = [r["finished_at"] - r["created_at"] for r in rows if r["finished_at"] is not None]
    sums: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        result = json.loads(row["result"]) if row["result"] else None
        for name, value in result_metrics(result).items():
            sums[name].append(value)
    return QualityPoint(
        day=day,
        runs=len(rows),
        ok_rate=sum(r["status"] == "ok" for r in ended) / len(ended) if ended else None,
        mean_seconds=sum(finished) / len(finished) if finished else None,
        tokens=sum(int(r["tok"]) for r in rows),
        cost_usd=sum(float(r["cost"]) for r in rows),
        checks_passed_rate=sum(checks) / len(checks) if checks else None,
        metrics={name: sum(values) / len(values) for name, values in sums.items()},
    )


def _edges(rows: Iterable[Any]) -> list[GraphEdge]:
    return [
        GraphEdge(subject=r[0], predicate=r[1], object=r[2], provenance=json.loads(r[3]))
        for r in rows
    ]
