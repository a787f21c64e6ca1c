"""The local tools' HTTP server: werkzeug serving a request handler, the request's headers kept as
sent (case, repeats, underscores) and nothing of them logged (they carry credentials)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol

from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import get_input_stream


class Answer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def body(self) -> bytes: ...


# handle(method, raw path with query, headers as sent, body, source IP) -> the answer
Handle = Callable[[str, str, list[tuple[str, str]], bytes, str], Answer]


def wsgi_app(handle: Handle) -> Callable[..., list[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        headers = environ.get("local.raw_headers") or [
            (key[5:].replace("_", "-").title(), value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        answer = handle(
            environ["REQUEST_METHOD"],
            raw_uri,
            headers,
            get_input_stream(environ).read(),
            environ.get("REMOTE_ADDR", "127.0.0.1"),
        )
        headers_out = Headers(answer.headers)
        headers_out.set("Content-Length", str(len(answer.body)))  # else HTTP/1.1 falls back to chunked
        start_response(f"{answer.status} {_reason(answer.status)}", list(headers_out.items()))
        return [answer.body]

    return app


def http_server(handle: Handle, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """A threaded server (port 0: any free one); call serve_forever() to serve."""
    return make_server(host, port, wsgi_app(handle), threaded=True, request_handler=_RequestHandler)


def serve_in_thread(handle: Handle, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve from a daemon thread: (base URL, stop function)."""
    server = http_server(handle, host, port)
    thread = threading.Thread(target=server.serve_forever, name="local-http", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_port}", stop


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _RequestHandler(WSGIRequestHandler):
    """Keeps the request's headers as sent (case, repeats, underscores) for the handler."""

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        environ["local.raw_headers"] = [(name, value) for name, value in self.headers.items()]
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the handler logs each request itself, without its headers
