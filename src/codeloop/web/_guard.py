"""The dashboard's front door: a token when it is bound beyond localhost, a request-size limit,
per-client rate limits and strict response headers. Plain ASGI, so it wraps any app."""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TOKEN_COOKIE", "Guard", "GuardPolicy", "RateLimiter"]

TOKEN_COOKIE = "codeloop_token"
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
    ),
]


@dataclass(frozen=True)
class GuardPolicy:
    token: str | None
    max_body_bytes: int
    rate_per_minute: int
    burst: int
    # Host names a request may address (port stripped); None accepts any. On loopback this stops
    # DNS rebinding: a web page cannot reach the dashboard under its own domain name.
    allowed_hosts: frozenset[str] | None = None


class RateLimiter:
    """A token bucket per client address; the least recently seen clients are forgotten first."""

    def __init__(
        self,
        rate_per_minute: int,
        burst: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate_per_minute / 60.0
        self._burst = float(burst)
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Spend one request; returns 0 when allowed, else the seconds until one is allowed."""
        now = self._clock()
        tokens, last = self._buckets.pop(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self._rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return wait


class _BodyTooLarge(Exception):
    pass


class Guard:
    """ASGI middleware applied to every HTTP request before the app sees it."""

    def __init__(
        self, app: ASGIApp, policy: GuardPolicy, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._app = app
        self._policy = policy
        self._limiter = RateLimiter(policy.rate_per_minute, policy.burst, clock=clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self._limiter.take(client[0] if client else "unknown")
        if wait > 0:
            retry = [(b"retry-after", str(max(1, round(wait))).encode())]
            await _respond(send, 429, "too many requests: slow down", retry)
            return
        headers = _headers(scope)
        allowed = self._policy.allowed_hosts
        if allowed is not None and _host_name(headers.get("host", "")) not in allowed:
            await _respond(send, 421, "unknown host name: open the address `codeloop ui` printed")
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self._policy.max_body_bytes:
            await _respond(send, 413, f"request body over {self._policy.max_body_bytes} bytes")
            return
        if self._policy.token is not None:
            verdict = self._authorise(scope, headers)
            if verdict is not None:
                await verdict(send)
                return
        await self._forward(scope, receive, send)

    def _authorise(self, scope: Scope, headers: dict[str, str]) -> Callable[[Send], Any] | None:
        """None when the request carries the token; else the response to send."""
        token = self._policy.token
        assert token is not None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if _same(query.get("token"), token):
            # A link with ?token= sets the cookie once and drops the token from the address.
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            extra = [(b"location", location.encode()), (b"set-cookie", cookie.encode())]
            return lambda send: _respond(send, 303, "authorised", extra)
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer ") and _same(bearer[7:].strip(), token):
            return None
        cookies = SimpleCookie()
        cookies.load(headers.get("cookie", ""))
        morsel = cookies.get(TOKEN_COOKIE)
        if morsel is not None and _same(morsel.value, token):
            return None
        return lambda send: _respond(
            send, 401, "a token is required: open the link `codeloop ui` printed"
        )

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._policy.max_body_bytes
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *_SECURITY_HEADERS]}
            await send(message)

        try:
            await self._app(scope, counted_receive, secured_send)
        except _BodyTooLarge:
            if not started:
                await _respond(send, 413, f"request body over {limit} bytes")


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _respond(
    send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *_SECURITY_HEADERS,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
