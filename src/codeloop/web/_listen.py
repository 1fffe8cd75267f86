"""Where an HTTP edge listens, and the guard policy that follows from it: loopback addresses
answer only to loopback host names; anything wider always requires a token."""

from __future__ import annotations

import ipaddress
import secrets
import socket

from codeloop.config import HttpSettings
from codeloop.web._guard import GuardPolicy

__all__ = ["LOOPBACK_NAMES", "bind", "guard_policy", "is_loopback", "url_for"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def guard_policy(settings: HttpSettings, host: str) -> GuardPolicy:
    """The policy for listening on ``host``; beyond loopback a token is made up if none is set."""
    local = is_loopback(host)
    token = settings.token
    if token is None and not local:
        token = secrets.token_urlsafe(24)
    return GuardPolicy(
        token=token,
        max_body_bytes=settings.max_body_bytes,
        rate_per_minute=settings.rate_per_minute,
        burst=settings.burst,
        allowed_hosts=LOOPBACK_NAMES if local else None,
    )


def url_for(host: str, port: int, path: str = "/") -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}{path}"


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
