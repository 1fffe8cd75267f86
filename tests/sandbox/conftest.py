"""Sandbox fixtures: canaries planted on the host before any program runs, and shared sandboxes."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codeloop.sandbox import Limits
from codeloop.sandbox._procfs import descendants

FAKE_KEY = "sk-canary-7f3a9c1e5b2d4f6a8c0e"
SECRET = "canary-secret-1b9e6d3f5a7c"


@dataclass
class Canaries:
    """A fake API key in the host environment, a secret file in the host home, a loopback
    listener; ``reached`` finds any of them in a result, ``connections`` counts accepted ones."""

    home: Path
    secret_file: Path
    port: int
    connections: list[str] = field(default_factory=list)

    def reached(self, text: str) -> bool:
        return FAKE_KEY in text or SECRET in text


@pytest.fixture(scope="session")
def canaries() -> Iterator[Canaries]:
    # World-readable on purpose: only the sandbox, not file permissions, may keep it secret.
    home = Path(tempfile.mkdtemp(prefix="codeloop-canary-home-"))
    home.chmod(0o755)
    secret = home / ".secret_token"
    secret.write_text(SECRET)
    secret.chmod(0o644)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    found = Canaries(home=home, secret_file=secret, port=server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except OSError:
                continue
            found.connections.append(str(peer))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()
        server.close()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def planted_environment(canaries: Canaries, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake key and home are in the host environment during every sandbox test (set after
    the root conftest clears API keys)."""
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("HOME", str(canaries.home))


FAST = Limits(cpu_s=0.5, wall_s=2.0, memory_mb=256, output_bytes=65536)
ESCAPE = Limits(cpu_s=0.3, wall_s=1.5, memory_mb=256, output_bytes=65536)


def wait_no_children(timeout: float = 5.0) -> list[int]:
    """This process's leftover descendants after ``timeout`` (namespace teardown is async)."""
    deadline = time.monotonic() + timeout
    while True:
        left = descendants(os.getpid())
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def resident_mb() -> float:
    """The host's current resident memory, not its peak: an earlier test in this process may
    have loaded the embedded model, which sets a peak no later check could move."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
