"""The dashboard in a real headless browser (Debian's chromium driven by Playwright): pages load,
a click opens a trace, a live run updates itself. Screenshots go to ``artifacts/ui/``."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from codeloop.cli import app
from codeloop.cli._app import run_app
from codeloop.config import Settings, UISettings
from codeloop.store import StepRecord, Store
from codeloop.ui import build_server, plan
from codeloop.web import bind
from tests.ui.conftest import Filled

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run `bash scripts/system-deps.sh` as root")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def serving(store: Store) -> Iterator[str]:
    settings = UISettings()
    sock = bind("127.0.0.1", 0)
    serve_plan = plan(settings, sock.getsockname()[1])
    server = build_server(store, serve_plan, settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.02)
    yield serve_plan.url.rstrip("/")
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def base_url(filled: Filled) -> Iterator[str]:
    with serving(filled.store) as url:
        yield url


ANALYSES = [
    "```python\nfinal_report = sum(r['price'] for r in context) / len(contxt)\n```",
    "```python\nprices = [r['price'] for r in context]\n"
    "final_report = round(sum(prices) / len(prices), 2)\n```",
]


@pytest.fixture
def real_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Store]:
    """A store filled by real ``ask`` and ``analyze`` runs (the real sandbox runs the programs;
    scripted models write them, the first one with a mistake that the retry fixes)."""
    coder = tmp_path / "coder.json"
    coder.write_text(json.dumps(ANALYSES))
    asker = tmp_path / "ask.json"
    asker.write_text(json.dumps(["def add(a, b):\n    return a + b"]))
    data = tmp_path / "prices.csv"
    data.write_text("item,price\napple,1.5\npear,2.25\nplum,3.0\n")
    monkeypatch.setenv("CODELOOP_MODELS__CODER", f"scripted:{coder}")
    # The CLI runs its own event loop; Playwright's sync API holds one in this thread.
    with ThreadPoolExecutor(1) as pool:
        ask = ["ask", "write add", "--model", f"scripted:{asker}"]
        assert pool.submit(run_app, app, ask).result() == 0
        analyze = ["analyze", str(data), "--task", "mean price"]
        assert pool.submit(run_app, app, analyze).result() == 0
    capsys.readouterr()
    store = Store(Settings().db_path)
    yield store
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield opened
    context.close()
    assert errors == [], f"the page reported errors: {errors}"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_runs_search_and_trace(page: Page, base_url: str, filled: Filled) -> None:
    page.goto(f"{base_url}/")
    rows = page.locator("table#runs tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("h1 .count")).to_have_text("4")
    shot(page, "runs")

    page.fill("input[name=q]", "division")
    page.click("form.filters button")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge")).to_have_text("error")

    page.goto(f"{base_url}/?kind=gen&status=ok")
    expect(rows).to_have_count(2)
    page.click(f"a.run-link[href='/runs/{filled.gen}']")
    expect(page).to_have_url(f"{base_url}/runs/{filled.gen}")
    expect(page.locator("#run-status")).to_have_text("ok")
    expect(page.locator("#run-tokens")).to_have_text("100 in · 45 out")

    repair = page.locator("details.node.kind-repair")
    diff_line = repair.locator("pre.diff .add").first
    expect(diff_line).to_be_hidden()
    repair.locator("summary").click()
    expect(diff_line).to_be_visible()
    expect(diff_line).to_have_text("+def is_prime(n: int) -> bool:")

    stage = page.locator("details.node.kind-stage")
    stage.locator(":scope > summary").click()
    failed = stage.locator("details.node.kind-validation.failed")
    expect(failed).to_be_visible()
    failed.locator("summary").click()
    expect(failed.locator("table.diagnostics td").nth(3)).to_have_text("ANN001")
    expect(failed.locator("pre.error")).to_have_text("lint found 1 problem")
    shot(page, "trace")

    page.click("#collapse-all")
    expect(diff_line).to_be_hidden()
    page.click("#expand-all")
    expect(page.locator("details.node[open]")).to_have_count(5)


def test_live_run_updates_itself(page: Page, base_url: str, filled: Filled) -> None:
    page.goto(f"{base_url}/runs/{filled.live}")
    expect(page.locator("#run-status")).to_have_text("running")
    expect(page.locator("details.node")).to_have_count(1)
    page.locator("details.node summary").first.click()  # open state survives refreshes
    filled.store.runs.add_step(
        StepRecord(
            run_id=filled.live,
            kind="validation",
            name="ruff",
            input={"code": "def fizzbuzz(): ..."},
            output_tokens=7,
        )
    )
    expect(page.locator("details.node")).to_have_count(2, timeout=8000)
    expect(page.locator("#run-steps")).to_have_text("2")
    expect(page.locator("#run-tokens")).to_have_text("10 in · 12 out")
    expect(page.locator("details.node").first).to_have_attribute("open", "")
    shot(page, "live")
    filled.store.runs.finish_run(filled.live, "ok", {"code": "def fizzbuzz(): ..."})
    expect(page.locator("#run-status")).to_have_text("ok", timeout=8000)
    expect(page.locator("#run-result")).to_be_attached()


def test_quality_and_graph(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/quality")
    expect(page.locator("svg.chart")).to_have_count(9)
    expect(page.locator("table.quality tbody tr")).to_have_count(2)
    shot(page, "quality")

    page.goto(f"{base_url}/graph")
    page.fill("input[name=q]", "is_prime")
    page.click("form.filters button")
    expect(page.locator("#triples tbody tr")).to_have_count(3)
    page.click("#triples a:text-is('py:mod.main')")
    expect(page.locator("#node-title")).to_have_text("py:mod.main")
    page.click("#triples a:text-is('py:mod.is_prime')")
    expect(page.locator("#incoming tbody tr")).to_have_count(1)
    shot(page, "graph")


def test_a_real_analyze_run(page: Page, real_store: Store) -> None:
    with serving(real_store) as url:
        page.goto(f"{url}/")
        expect(page.locator("table#runs tbody tr")).to_have_count(2)
        expect(page.locator("table#runs td.title")).to_have_text(["mean price", "write add"])
        page.click("table#runs tbody tr:first-child a.run-link")
        expect(page.locator("#run-status")).to_have_text("ok")
        nodes = page.locator("details.node")
        expect(nodes.locator(":scope > summary .kind")).to_have_text(
            ["model_call", "validation", "program_run"] * 2
        )
        failed = page.locator("details.node.kind-program_run.failed")
        expect(failed).to_have_count(1)
        failed.locator("summary").click()
        expect(failed.locator("pre.error")).to_contain_text(
            "NameError: name 'contxt' is not defined"
        )
        expect(failed.locator("pre.code")).to_have_text(
            "final_report = sum(r['price'] for r in context) / len(contxt)"
        )
        call = nodes.first
        call.locator("summary").click()
        expect(call.locator("pre.text").first).to_contain_text("TASK: mean price")
        page.locator("details.node.kind-program_run").nth(1).locator("summary").click()
        expect(
            page.locator("details.node.kind-program_run").nth(1).locator("pre.json")
        ).to_contain_text('"value": 2.25')
        shot(page, "real-analyze")
