import socket

import pytest

from tests.conftest import NetworkBlocked


def test_a_test_cannot_reach_a_public_address() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock, pytest.raises(NetworkBlocked, match="use a loopback server"):
        sock.connect(("192.0.2.10", 443))


def test_loopback_stays_reachable() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with server, socket.create_connection(server.getsockname(), timeout=2) as client:
        assert client.getpeername() == server.getsockname()
