"""One POST to a subscriber: the address policy applied to the connection itself.

The host is resolved, every address checked, and the socket connected to a checked address, never
re-resolved: no window for a DNS answer to change between the check and the connection. TLS still
verifies the certificate against the host name. No redirect is followed (a 3xx is a failed
attempt); the whole attempt, connection to status line, has 10 seconds.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from reassign_core.webhooks.addresses import AddressBlocked, Resolve, Target, UrlRefused, check_url
from reassign_core.webhooks.deliveries import BLOCKED_ADDRESS, AttemptResult

ATTEMPT_TIMEOUT_SECONDS = 10.0
USER_AGENT = "booking-reassign-webhooks/1.0"


def system_resolve(host: str, port: int) -> Sequence[str]:
    """Every address the system resolver gives for the name (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # looked up now: tests can stand in
    return [str(info[4][0]) for info in infos]


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _connect(target: Target, deadline: float) -> socket.socket:
    """A socket to the first checked address that answers; OSError when none does."""
    last_error: OSError | None = None
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(remaining)
        try:
            sock.connect((str(address), target.port))
        except OSError as error:
            sock.close()
            last_error = error
            continue
        if target.scheme == "https":
            try:
                return _tls_context().wrap_socket(sock, server_hostname=target.host)
            except OSError:
                sock.close()
                raise
        return sock
    raise last_error or OSError("no address to connect to")


class _PinnedConnection(http.client.HTTPConnection):
    """http.client over a socket we connected ourselves (to a checked address)."""

    def __init__(self, target: Target, deadline: float) -> None:
        super().__init__(target.host, target.port, timeout=max(0.001, deadline - time.monotonic()))
        self._target = target
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = _connect(self._target, self._deadline)


def _abort(connection: http.client.HTTPConnection) -> None:
    """Unblock a read in progress (closing alone does not wake a thread blocked in recv)."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ssl.SSLError):
        return "TLS error"
    if isinstance(error, http.client.HTTPException):
        return "invalid HTTP response"
    return "connection failed"


class GuardedSender:
    def __init__(
        self,
        resolve: Resolve = system_resolve,
        allow_local: bool = False,
        timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolve = resolve
        self._allow_local = allow_local
        self._timeout = timeout
        self._clock = clock

    def check(self, url: str) -> Target:
        """The URL's checked destination (UrlRefused / AddressBlocked otherwise): for create and update."""
        return check_url(url, self._resolve, self._allow_local)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
        started = self._clock()
        deadline = time.monotonic() + self._timeout

        def result(status: int | None, error: str | None) -> AttemptResult:
            return AttemptResult(status, error, int((self._clock() - started) * 1000))

        try:
            target = check_url(url, self._resolve, self._allow_local)
        except AddressBlocked:
            return result(None, BLOCKED_ADDRESS)
        except UrlRefused as refused:
            return result(None, str(refused))
        connection = _PinnedConnection(target, deadline)
        # A receiver that trickles its answer must not hold the attempt past the deadline.
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _abort, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.putrequest("POST", target.path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", target.host_header)
            connection.putheader("User-Agent", USER_AGENT)
            connection.putheader("Content-Length", str(len(body)))
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            if time.monotonic() >= deadline:
                return result(None, "timed out")
            return result(None, _describe(error))
        finally:
            watchdog.cancel()
            connection.close()
        if time.monotonic() > deadline:
            return result(None, "timed out")
        return result(status, None if 200 <= status < 300 else f"HTTP {status}")
