"""The dashboard as a Starlette application: HTML pages rendered on the server, a JSON API with the
same data, and a small script that polls a live run."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from codeloop.errors import UserInputError
from codeloop.store import Store
from codeloop.ui._queries import Dashboard
from codeloop.ui._render import line_chart, step_sections
from codeloop.ui._views import QualityPoint, QualityReport, RunFilter
from codeloop.web import Guard, GuardPolicy

__all__ = ["create_app"]

_MAX_QUALITY_DAYS = 365


def create_app(store: Store, policy: GuardPolicy) -> Starlette:
    """The dashboard over ``store``; ``policy`` sets the token, body limit and rate limits."""
    dashboard = Dashboard(store)
    env = _environment()

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def runs_page(request: Request) -> Response:
        result = dashboard.runs(_filter(request.query_params))
        return page("runs.html", page_=result, active="runs")

    def run_page(request: Request) -> Response:
        trace = dashboard.trace(request.path_params["run_id"])
        return page("run.html", trace=trace, active="runs")

    def tree_fragment(request: Request) -> Response:
        trace = dashboard.trace(request.path_params["run_id"])
        return page("_tree.html", trace=trace)

    def quality_page(request: Request) -> Response:
        days = _int(request.query_params, "days", 30, _MAX_QUALITY_DAYS)
        report = dashboard.quality(days=days)
        return page(
            "quality.html", report=report, charts=_charts(report), days=days, active="quality"
        )

    def graph_page(request: Request) -> Response:
        return page("graph.html", graph=_graph(dashboard, request), active="graph")

    def api_runs(request: Request) -> Response:
        return _json(dashboard.runs(_filter(request.query_params)))

    def api_run(request: Request) -> Response:
        return _json(dashboard.trace(request.path_params["run_id"]))

    def api_progress(request: Request) -> Response:
        after = _int(request.query_params, "after", 0, 2**62)
        return _json(dashboard.progress(request.path_params["run_id"], after))

    def api_quality(request: Request) -> Response:
        days = _int(request.query_params, "days", 30, _MAX_QUALITY_DAYS)
        return _json(dashboard.quality(days=days))

    def api_graph(request: Request) -> Response:
        return _json(_graph(dashboard, request))

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return page("error.html", status=404, message=str(exc), active="")

    async def bad_request(request: Request, exc: Exception) -> Response:
        message = _validation_message(exc) if isinstance(exc, ValidationError) else str(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=400)
        return page("error.html", status=400, message=message, active="")

    routes = [
        Route("/", runs_page),
        Route("/runs/{run_id:str}", run_page),
        Route("/runs/{run_id:str}/tree", tree_fragment),
        Route("/quality", quality_page),
        Route("/graph", graph_page),
        Route("/api/runs", api_runs),
        Route("/api/runs/{run_id:str}", api_run),
        Route("/api/runs/{run_id:str}/progress", api_progress),
        Route("/api/quality", api_quality),
        Route("/api/graph", api_graph),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(packages=[("codeloop.ui", "static")]), name="static"),
    ]
    handlers: Mapping[Any, Callable[[Request, Exception], Any]] = {
        UserInputError: not_found,
        ValidationError: bad_request,
        ValueError: bad_request,
    }
    return Starlette(
        routes=routes,
        middleware=[Middleware(Guard, policy=policy)],
        exception_handlers=dict(handlers),
    )


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("codeloop.ui", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["secs"] = _secs
    env.filters["usd"] = lambda v: f"${v:.4f}"
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str)
    env.globals["sections"] = step_sections
    return env


def _filter(params: Mapping[str, str]) -> RunFilter:
    values: dict[str, Any] = {k: params[k] for k in ("q", "kind", "limit", "offset") if k in params}
    if params.get("status"):
        values["status"] = params["status"]
    return RunFilter.model_validate(values)


def _int(params: Mapping[str, str], name: str, default: int, most: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) > most:
        raise ValueError(f"{name} must be a whole number from 0 to {most}")
    return int(raw)


def _graph(dashboard: Dashboard, request: Request) -> Any:
    params = request.query_params
    text = {k: params.get(k, "") for k in ("q", "predicate", "subject")}
    if any(len(v) > 500 for v in text.values()):
        raise ValueError("search terms are limited to 500 characters")
    return dashboard.graph(**text, limit=_int(params, "limit", 200, 1000))


def _charts(report: QualityReport) -> list[Any]:
    """One chart per series over every calendar day of the window; days without runs are gaps."""
    by_day = {p.day: p for p in report.points}
    days = _calendar(report.points[0].day, report.points[-1].day) if report.points else []

    def series(value: Callable[[QualityPoint], float | None]) -> list[tuple[str, float | None]]:
        return [(d, value(by_day[d]) if d in by_day else None) for d in days]

    rates: list[tuple[str, Callable[[QualityPoint], float | None]]] = [
        ("runs that ended ok", lambda p: p.ok_rate),
        ("checks passed", lambda p: p.checks_passed_rate),
    ]
    rates += [(name.replace("_", " "), _metric(name)) for name in report.metric_names]
    amounts: list[tuple[str, Callable[[QualityPoint], float | None]]] = [
        ("runs", lambda p: float(p.runs)),
        ("mean seconds per run", lambda p: p.mean_seconds),
        ("tokens", lambda p: float(p.tokens)),
        ("cost (USD)", lambda p: p.cost_usd),
    ]
    return [line_chart(title, series(v), percent=True) for title, v in rates] + [
        line_chart(title, series(v)) for title, v in amounts
    ]


def _metric(name: str) -> Callable[[QualityPoint], float | None]:
    return lambda point: point.metrics.get(name)


def _calendar(first: str, last: str) -> list[str]:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    days = []
    while day <= end:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def _json(value: BaseModel) -> JSONResponse:
    return JSONResponse(value.model_dump(mode="json"))


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"bad query parameter {where}: {first['msg']}"


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _secs(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
