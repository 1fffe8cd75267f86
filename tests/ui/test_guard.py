from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from codeloop.config import UISettings
from codeloop.ui import create_app, plan
from codeloop.web import Guard, RateLimiter
from tests.ui.conftest import Filled, open_policy

TOKEN = "s3cret-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guarded(filled: Filled) -> Iterator[TestClient]:
    app = create_app(filled.store, open_policy(token=TOKEN))
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_token_is_required(guarded: TestClient) -> None:
    denied = guarded.get("/api/runs")
    assert denied.status_code == 401
    assert denied.text == "a token is required: open the link `codeloop ui` printed\n"
    assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = guarded.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200


def test_token_link_sets_a_cookie_and_drops_the_token(guarded: TestClient) -> None:
    response = guarded.get("/", params={"token": TOKEN, "kind": "gen"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?kind=gen"
    assert "HttpOnly" in response.headers["set-cookie"]
    assert guarded.get("/?kind=gen").status_code == 200  # the client kept the cookie
    guarded.cookies.clear()
    assert guarded.get("/").status_code == 401


def test_body_size_is_limited(client: TestClient) -> None:
    too_big = client.post("/api/runs", content=b"x" * 5000)
    assert too_big.status_code == 413
    assert too_big.text == "request body over 4096 bytes\n"

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    # The dashboard reads no bodies, so a streamed body is checked against an app that does.
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    raw = TestClient(Guard(echo, open_policy()))  # no lifespan: the echo app has none
    assert raw.post("/", content=b"x" * 4000).text == "4000"
    streamed = raw.post("/", content=chunks())
    assert streamed.status_code == 413
    assert streamed.text == "request body over 4096 bytes\n"


def test_rate_limit_per_client(filled: Filled) -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0
    clock.now += 1.0
    assert limiter.take("a") == 0.0

    app = create_app(filled.store, open_policy(rate_per_minute=60, burst=2))
    with TestClient(app) as client:
        codes = [client.get("/healthz").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/healthz").headers["retry-after"] == "1"


def test_rate_limiter_forgets_the_oldest_clients() -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=1, max_clients=2, clock=Clock())
    for name in ("a", "b", "c"):
        limiter.take(name)
    assert limiter.take("a") == 0.0  # "a" was forgotten, so it starts with a full bucket
    assert limiter.take("c") > 0.0


def test_loopback_only_answers_loopback_host_names(filled: Filled) -> None:
    serve_plan = plan(UISettings(), 8765)
    assert serve_plan.policy.token is None
    assert serve_plan.url == "http://127.0.0.1:8765/"
    with TestClient(create_app(filled.store, serve_plan.policy)) as client:
        assert client.get("/healthz", headers={"Host": "127.0.0.1:8765"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 200
        rebound = client.get("/healthz", headers={"Host": "attacker.example:8765"})
        assert rebound.status_code == 421


def test_beyond_loopback_a_token_is_made_up() -> None:
    serve_plan = plan(UISettings(host="0.0.0.0"), 9000)
    token = serve_plan.policy.token
    assert token is not None
    assert len(token) >= 32
    assert serve_plan.url == f"http://0.0.0.0:9000/?token={token}"
    assert serve_plan.policy.allowed_hosts is None
    given = plan(UISettings(host="10.1.2.3", token=TOKEN), 9000)
    assert given.policy.token == TOKEN
