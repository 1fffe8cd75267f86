"""The model wrapper against a real HTTP server on loopback, through the real OpenAI SDK."""

from __future__ import annotations

import time

import pytest

from codeloop.config import ModelSettings
from codeloop.errors import (
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
)
from codeloop.models import ManagedModel, ModelFactory, ModelRequest
from tests.models.fake_server import Behaviour, FakeServer, fake_server

REQUEST = ModelRequest.of("hi")


def build(server: FakeServer, tmp_path: object, **settings: object) -> ManagedModel:
    options = {
        "timeout_s": 2.0,
        "max_retries": 3,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
        "cache": False,
        **settings,
    }
    factory = ModelFactory(ModelSettings.model_validate(options), model_dir=tmp_path)  # type: ignore[arg-type]
    return factory.build(f"openai:{server.base_url}#fake")


async def test_429_with_retry_after_is_honoured_then_succeeds(tmp_path: object) -> None:
    script = [Behaviour("status", 429, {"retry-after": "0.3"})]
    with fake_server(script) as server:
        model = build(server, tmp_path)
        started = time.perf_counter()
        response = await model.complete(REQUEST)
        elapsed = time.perf_counter() - started
    assert response.text == "hello"
    assert server.hits == 2
    assert elapsed >= 0.3  # the server's Retry-After, not the 0.01 s backoff


async def test_500s_are_retried_with_backoff(tmp_path: object) -> None:
    with fake_server([Behaviour("status", 500), Behaviour("status", 503)]) as server:
        response = await build(server, tmp_path).complete(REQUEST)
    assert (response.text, server.hits) == ("hello", 3)
    assert response.usage.input_tokens == 7 and response.usage.output_tokens == 3


async def test_persistent_500_raises_after_the_retry_bound(tmp_path: object) -> None:
    with fake_server([], default=Behaviour("status", 500)) as server:
        with pytest.raises(ModelHTTPError) as info:
            await build(server, tmp_path, max_retries=2).complete(REQUEST)
    assert info.value.status == 500
    assert server.hits == 3


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_client_errors_are_not_retried(tmp_path: object, status: int) -> None:
    with fake_server([], default=Behaviour("status", status)) as server:
        with pytest.raises(ModelHTTPError) as info:
            await build(server, tmp_path).complete(REQUEST)
    assert info.value.status == status
    assert server.hits == 1


async def test_slow_answers_time_out_and_are_retried_then_raise(tmp_path: object) -> None:
    with fake_server([], default=Behaviour("slow", delay_s=1.0)) as server:
        started = time.perf_counter()
        with pytest.raises(ModelTimeout, match="no answer in 0.2s"):
            await build(server, tmp_path, timeout_s=0.2, max_retries=1).complete(REQUEST)
        elapsed = time.perf_counter() - started
    assert server.hits == 2
    assert elapsed < 1.0  # nothing waits for the slow server


async def test_slow_then_fast_recovers(tmp_path: object) -> None:
    with fake_server([Behaviour("slow", delay_s=1.0)]) as server:
        response = await build(server, tmp_path, timeout_s=0.3).complete(REQUEST)
    assert response.text == "hello"
    assert server.hits == 2


async def test_malformed_body_is_a_response_error_and_not_retried(tmp_path: object) -> None:
    with fake_server([], default=Behaviour("malformed")) as server:
        with pytest.raises(ModelResponseError):
            await build(server, tmp_path).complete(REQUEST)
    assert server.hits == 1


async def test_dropped_connections_are_retried(tmp_path: object) -> None:
    with fake_server([Behaviour("drop"), Behaviour("drop")]) as server:
        response = await build(server, tmp_path).complete(REQUEST)
    assert (response.text, server.hits) == ("hello", 3)


async def test_always_dropped_raises_connection_error(tmp_path: object) -> None:
    with fake_server([], default=Behaviour("drop")) as server:
        with pytest.raises(ModelConnectionError):
            await build(server, tmp_path, max_retries=1).complete(REQUEST)
    assert server.hits == 2


async def test_request_parameters_reach_the_server(tmp_path: object) -> None:
    request = ModelRequest.of(
        "hi",
        system="be brief",
        temperature=0.5,
        max_tokens=9,
        stop=("```",),
        seed=3,
        json_schema={"type": "object"},
    )
    with fake_server([]) as server:
        await build(server, tmp_path).complete(request)
    body = server.bodies[0]
    assert body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert (body["temperature"], body["max_tokens"], body["stop"], body["seed"]) == (
        0.5,
        9,
        ["```"],
        3,
    )
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": {"type": "object"}},
    }
