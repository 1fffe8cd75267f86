"""HTTP plumbing shared by the edges that listen (the dashboard and the MCP server): a guard with
a token beyond localhost, request-size and per-client rate limits, and where to listen."""

from __future__ import annotations

from codeloop.web._guard import TOKEN_COOKIE, Guard, GuardPolicy, RateLimiter
from codeloop.web._listen import LOOPBACK_NAMES, bind, guard_policy, is_loopback, url_for

__all__ = [
    "LOOPBACK_NAMES",
    "TOKEN_COOKIE",
    "Guard",
    "GuardPolicy",
    "RateLimiter",
    "bind",
    "guard_policy",
    "is_loopback",
    "url_for",
]
