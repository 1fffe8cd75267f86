from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.ui.conftest import FIXED, Filled


def test_runs_page_lists_runs_and_filters(client: TestClient, filled: Filled) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r'class="run-link" href="/runs/(\w+)"', page.text) == [
        filled.live,
        filled.analyze,
        filled.gen,
        filled.old,
    ]
    assert 'data-live="1"' in page.text
    only = client.get("/", params={"kind": "analyze"})
    assert re.findall(r'class="run-link" href="/runs/(\w+)"', only.text) == [filled.analyze]
    assert 'data-live="0"' in only.text
    assert "mean of the prices column" in only.text


def test_run_page_shows_tree_code_diff_and_diagnostics(client: TestClient, filled: Filled) -> None:
    page = client.get(f"/runs/{filled.gen}")
    assert page.status_code == 200
    text = page.text
    assert text.count('<details class="node') == 5
    assert '<details class="node kind-validation failed"' in text
    assert "<td>ANN001</td><td>Missing type annotation for n</td>" in text
    assert '<span class="add">+def is_prime(n: int) -&gt; bool:</span>' in text
    assert '<span class="del">-def is_prime(n):</span>' in text
    assert "55 tok" not in text  # tokens are shown per step and as a subtree sum
    assert "40+15 tok" in text
    assert "Σ 55" in text
    assert 'id="run-tokens">100 in · 45 out<' in text
    assert 'data-status="ok"' in text


def test_payloads_are_escaped(client: TestClient, filled: Filled) -> None:
    filled.store.runs.start_run("gen", {"prompt": "<script>alert(1)</script>"})
    page = client.get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_tree_fragment_and_progress_api(client: TestClient, filled: Filled) -> None:
    fragment = client.get(f"/runs/{filled.live}/tree")
    assert fragment.text.count('<details class="node') == 1
    assert "<html" not in fragment.text
    progress = client.get(f"/api/runs/{filled.live}/progress", params={"after": 0}).json()
    assert (progress["status"], progress["steps"], progress["input_tokens"]) == ("running", 1, 10)


def test_json_api(client: TestClient, filled: Filled) -> None:
    runs = client.get("/api/runs", params={"status": "error"}).json()
    assert [r["id"] for r in runs["runs"]] == [filled.analyze]
    assert runs["runs"][0]["error"] == "ExecutionFailed: division by zero"
    trace = client.get(f"/api/runs/{filled.gen}").json()
    assert trace["run"]["result"]["code"] == FIXED
    assert [n["step"]["name"] for n in trace["roots"][0]["children"]] == [
        "local:qwen2.5-coder-0.5b",
        "ruff",
    ]
    quality = client.get("/api/quality", params={"days": 7}).json()
    assert [p["runs"] for p in quality["points"]] == [1, 3]
    graph = client.get("/api/graph", params={"subject": "py:mod.is_prime"}).json()
    assert [e["object"] for e in graph["edges"]] == ["function", "py:bool"]


def test_quality_and_graph_pages(client: TestClient) -> None:
    quality = client.get("/quality")
    assert quality.status_code == 200
    assert quality.text.count('<svg class="chart"') == 9
    assert 'aria-label="tests pass rate"' in quality.text
    graph = client.get("/graph", params={"q": "is_prime"})
    assert graph.text.count('<a href="/graph?subject=py%3Amod.main">') == 1
    assert '<span class="count">3</span>' in graph.text


def test_unknown_run_is_404_with_the_fix(client: TestClient) -> None:
    page = client.get("/runs/zzzz")
    assert page.status_code == 404
    assert "no run with id &#39;zzzz&#39;: `codeloop runs list` shows the ids" in page.text
    api = client.get("/api/runs/zzzz")
    assert api.status_code == 404
    assert api.json() == {"error": "no run with id 'zzzz': `codeloop runs list` shows the ids"}


def test_bad_query_parameters_are_400(client: TestClient) -> None:
    assert client.get("/api/runs", params={"limit": 9999}).json() == {
        "error": "bad query parameter limit: Input should be less than or equal to 500"
    }
    bad_status = client.get("/api/runs", params={"status": "weird"})
    assert bad_status.status_code == 400
    days = client.get("/quality", params={"days": "-1"})
    assert days.status_code == 400
    assert "days must be a whole number from 0 to 365" in days.text


def test_static_assets_ship_in_the_package(client: TestClient) -> None:
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert "function followRun" in script.text
    assert client.get("/static/app.css").status_code == 200


def test_every_response_carries_security_headers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.text == "ok"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
