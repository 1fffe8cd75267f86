"""``codeloop ui``: a local web dashboard over the store — runs, traces, live progress, quality
over time and the code knowledge graph."""

from __future__ import annotations

from codeloop.ui._app import create_app
from codeloop.ui._queries import Dashboard, build_tree, result_metrics
from codeloop.ui._serve import ServePlan, build_server, plan
from codeloop.ui._views import (
    GraphPage,
    Progress,
    QualityReport,
    RunFilter,
    RunPage,
    RunSummary,
    Trace,
    TraceNode,
)

__all__ = [
    "Dashboard",
    "GraphPage",
    "Progress",
    "QualityReport",
    "RunFilter",
    "RunPage",
    "RunSummary",
    "ServePlan",
    "Trace",
    "TraceNode",
    "build_server",
    "build_tree",
    "create_app",
    "plan",
    "result_metrics",
]
