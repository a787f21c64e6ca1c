"""The delivery's HTTP client: it connects to the address it checked, follows no redirect, keeps
to its deadline, and refuses a blocked address before opening any socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reassign_core.services.webhook_http import GuardedSender


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []
    status = 200
    location = ""
    delay = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(dict(self.headers) | {"path": self.path})
        time.sleep(type(self).delay)
        self.send_response(type(self).status)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, type[_Recorder]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_port, handler
    httpd.shutdown()
    httpd.server_close()


def stub(answers: dict[str, Sequence[str]], asked: list[str]) -> Any:
    def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return answers[host]

    return resolve


def test_it_connects_to_the_address_it_checked_and_sends_the_name(
    server: tuple[int, type[_Recorder]],
) -> None:
    port, handler = server
    asked: list[str] = []
    # "receiver.test" exists only in the stub: reaching the server proves no second lookup happened.
    sender = GuardedSender(stub({"receiver.test": ["127.0.0.1"]}, asked), allow_local=True)

    result = sender.post(f"http://receiver.test:{port}/in?x=1", b"{}", {"webhook-id": "e-1"})

    assert result.status_code == 200 and result.error is None
    assert asked == ["receiver.test"]
    assert handler.seen[0]["Host"] == f"receiver.test:{port}" and handler.seen[0]["path"] == "/in?x=1"
    assert handler.seen[0]["webhook-id"] == "e-1"


def test_redirects_are_not_followed(server: tuple[int, type[_Recorder]]) -> None:
    port, handler = server
    handler.status, handler.location = 302, f"http://127.0.0.1:{port}/elsewhere"

    result = GuardedSender(allow_local=True).post(f"http://127.0.0.1:{port}/in", b"{}", {})

    assert result.status_code == 302 and not result.succeeded and result.error == "HTTP 302"
    assert [s["path"] for s in handler.seen] == ["/in"]


def test_a_receiver_slower_than_the_deadline_is_a_timeout(server: tuple[int, type[_Recorder]]) -> None:
    port, handler = server
    handler.delay = 3.0

    result = GuardedSender(allow_local=True, timeout=0.5).post(f"http://127.0.0.1:{port}/in", b"{}", {})

    assert result.status_code is None and result.error == "timed out"


def test_a_refused_connection_is_a_failed_attempt() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = GuardedSender(allow_local=True).post(f"http://127.0.0.1:{port}/", b"{}", {})
    assert result.status_code is None and result.error == "connection refused"


@pytest.mark.parametrize(
    "url",
    [
        "https://internal.test/hook",  # resolves (in the stub) to a private address
        "https://rebinding.test/hook",  # one public answer and one private
        "https://2130706433/hook",
        "https://0177.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "http://127.0.0.1/hook",  # deployed: no http, no loopback
    ],
)
def test_blocked_addresses_fail_before_any_socket_is_opened(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_socket(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a socket was opened for a blocked address")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    answers = {"internal.test": ["10.20.30.40"], "rebinding.test": ["93.184.216.34", "169.254.169.254"]}
    result = GuardedSender(stub(answers, [])).post(url, b"{}", {})

    assert result.status_code is None
    assert result.error in ("blocked address", "must be an https:// URL")
