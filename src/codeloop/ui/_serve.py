"""Serving the dashboard with uvicorn behind the guard."""

from __future__ import annotations

from dataclasses import dataclass

import uvicorn

from codeloop.config import UISettings
from codeloop.store import Store
from codeloop.ui._app import create_app
from codeloop.web import GuardPolicy, guard_policy, url_for

__all__ = ["ServePlan", "build_server", "plan"]


@dataclass(frozen=True)
class ServePlan:
    host: str
    port: int
    policy: GuardPolicy

    @property
    def url(self) -> str:
        link = url_for(self.host, self.port)
        return f"{link}?token={self.policy.token}" if self.policy.token else link


def plan(settings: UISettings, port: int) -> ServePlan:
    """The policy for ``settings``: beyond loopback a token is always required."""
    return ServePlan(host=settings.host, port=port, policy=guard_policy(settings, settings.host))


def build_server(store: Store, serve_plan: ServePlan, settings: UISettings) -> uvicorn.Server:
    """A uvicorn server for the dashboard; ``server.run(sockets=[bind(...)])`` serves until
    interrupted."""
    config = uvicorn.Config(
        create_app(store, serve_plan.policy),
        log_level="warning",
        access_log=False,
        server_header=False,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
    )
    return uvicorn.Server(config)
