"""ClientRequestToken on TransactWriteItems, as DynamoDB honours it (moto ignores it).

DynamoDB remembers a transaction's token for ten minutes after it succeeds: the same token with
the same request answers success again without applying anything; the same token with a
different request is an IdempotentParameterMismatchException. A token whose transaction failed is
not remembered (a retry runs again). botocore resends a transaction with the same token when an
answer is lost (a read timeout, a dropped connection), so without this the resend of a
transaction that did apply would fail its own conditions.

A WSGI middleware in front of moto's app, keyed by token, holding a hash of each request.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

TOKEN_LIFETIME_SECONDS = 600.0
TRANSACT_WRITE_TARGET = "DynamoDB_20120810.TransactWriteItems"
RESET_PATH = "/moto-api/reset"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True, slots=True)
class _Remembered:
    fingerprint: str
    expires_at: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class ClientRequestTokens:
    """Answers a repeated TransactWriteItems token from memory; forwards everything else."""

    def __init__(self, app: WsgiApp, clock: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._clock = clock
        self._lock = threading.Lock()
        self._by_token: OrderedDict[str, _Remembered] = OrderedDict()  # oldest first

    def __len__(self) -> int:
        return len(self._by_token)

    def clear(self) -> None:
        with self._lock:
            self._by_token.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == RESET_PATH:
            self.clear()  # the tables are gone: so are the transactions they remembered
            return self._app(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET") != TRANSACT_WRITE_TARGET:
            return self._app(environ, start_response)

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        token = request.get("ClientRequestToken") if isinstance(request, dict) else None
        if not isinstance(token, str):
            return self._app(environ, start_response)

        fingerprint = _fingerprint(request)
        with self._lock:
            self._forget_expired()
            remembered = self._by_token.get(token)
        if remembered is not None:
            if remembered.fingerprint != fingerprint:
                return _mismatch(start_response)
            start_response(remembered.status, remembered.headers)
            return [remembered.body]

        answered: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        chunks = self._app(environ, capture)
        try:
            answer = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if answered.get("status", "").startswith("200"):
            with self._lock:
                self._by_token[token] = _Remembered(
                    fingerprint,
                    self._clock() + TOKEN_LIFETIME_SECONDS,
                    answered["status"],
                    list(answered["headers"]),
                    answer,
                )
        return [answer]

    def _forget_expired(self) -> None:
        now = self._clock()
        while self._by_token:
            oldest = next(iter(self._by_token.values()))
            if oldest.expires_at > now:
                return
            self._by_token.popitem(last=False)


def _fingerprint(request: dict[str, Any]) -> str:
    """The request without its token, canonically: equal for a resend of the same transaction."""
    rest = {k: v for k, v in request.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _mismatch(start_response: Callable[..., Any]) -> list[bytes]:
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
            "message": "The request uses the same client token as a previous, but non-identical request.",
        }
    ).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body]
