"""Serving the dashboard with uvicorn: a token is made up when the address is reachable from
other machines and none was given, and loopback addresses only answer to loopback host names."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass

import uvicorn

from codeloop.config import UISettings
from codeloop.store import Store
from codeloop.ui._app import create_app
from codeloop.ui._guard import GuardPolicy

__all__ = ["LOOPBACK_NAMES", "ServePlan", "bind", "build_server", "is_loopback", "plan"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass(frozen=True)
class ServePlan:
    host: str
    port: int
    policy: GuardPolicy

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        link = f"http://{host}:{self.port}/"
        return f"{link}?token={self.policy.token}" if self.policy.token else link


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plan(settings: UISettings, port: int) -> ServePlan:
    """The policy for ``settings``: beyond loopback a token is always required."""
    local = is_loopback(settings.host)
    token = settings.token
    if token is None and not local:
        token = secrets.token_urlsafe(24)
    policy = GuardPolicy(
        token=token,
        max_body_bytes=settings.max_body_bytes,
        rate_per_minute=settings.rate_per_minute,
        burst=settings.burst,
        allowed_hosts=LOOPBACK_NAMES if local else None,
    )
    return ServePlan(host=settings.host, port=port, policy=policy)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port, read back with ``getsockname()``."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(256)
    except OSError:
        sock.close()
        raise
    return sock


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
