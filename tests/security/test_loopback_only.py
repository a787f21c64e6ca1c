"""Tests send traffic only to this machine: the suite's own guard (tests/conftest.py) refuses any
connection from the pytest process to another address before a packet could leave."""

from __future__ import annotations

import errno
import socket

import pytest

from tests.conftest import refuse_beyond_loopback


@pytest.mark.parametrize(
    ("family", "address"),
    [
        (socket.AF_INET, ("127.0.0.1", 80)),
        (socket.AF_INET, ("127.9.8.7", 80)),
        (socket.AF_INET, ("localhost", 80)),
        (socket.AF_INET6, ("::1", 80, 0, 0)),
        (socket.AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0)),
    ],
)
def test_loopback_addresses_pass(family: socket.AddressFamily, address: tuple[object, ...]) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        refuse_beyond_loopback(sock, address)


@pytest.mark.parametrize(
    ("family", "address"),
    [
        (socket.AF_INET, ("192.0.2.1", 80)),  # documentation ranges: never routed, never tried
        (socket.AF_INET, ("10.0.0.1", 80)),
        (socket.AF_INET, ("example.test", 80)),
        (socket.AF_INET6, ("2001:db8::1", 80, 0, 0)),
        (socket.AF_INET6, ("::ffff:192.0.2.1", 80, 0, 0)),
    ],
)
def test_every_other_address_is_refused(family: socket.AddressFamily, address: tuple[object, ...]) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        refuse_beyond_loopback(sock, address)


def test_the_guard_is_what_every_socket_connects_through() -> None:
    # The check runs before the real connect: this refusal is decided here, nothing is sent.
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(ConnectionRefusedError, match="loopback addresses only"),
    ):
        sock.connect(("192.0.2.1", 9))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nobody listens here once the probe is closed
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Loopback goes through to the operating system, which answers for the closed port.
        assert sock.connect_ex(("127.0.0.1", closed_port)) == errno.ECONNREFUSED
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect_ex(("192.0.2.1", 9))
