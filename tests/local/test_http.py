"""The local gateway over real HTTP (serve_in_thread), with the toy template's handlers."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from local.cfn import Template
from local.gateway import LocalApi

from .conftest import FIXTURE_TEMPLATE


@pytest.fixture
def base_url(toy_template: Template) -> Iterator[str]:
    api = LocalApi(FIXTURE_TEMPLATE, None, template=toy_template)
    url, stop = api.serve_in_thread()
    try:
        yield url
    finally:
        stop()


def request(
    base_url: str,
    method: str,
    path: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Raw http.client, so header case and repeats reach the server exactly as written here."""
    parsed = urlparse(base_url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=10)
    try:
        connection.putrequest(method, parsed.path + path, skip_accept_encoding=True)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_base_url_includes_the_stage(base_url: str) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/v9")


def test_authorized_post_reaches_the_function(base_url: str) -> None:
    status, headers, body = request(
        base_url,
        "POST",
        "/bookings/b-1/reassign/3?q=1",
        [
            ("Authorization", "Bearer allow"),
            ("cal-api-version", "2024-08-13"),
            ("x-lower", "kept"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Content-Type", "application/json"),
        ],
        b'{"reason": "r"}',
    )
    assert status == 200
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    event = json.loads(body)["event"]
    assert event["path"] == "/bookings/b-1/reassign/3"
    assert event["requestContext"]["path"] == "/v9/bookings/b-1/reassign/3"
    assert event["headers"]["cal-api-version"] == "2024-08-13"
    assert event["headers"]["x-lower"] == "kept"  # header names as sent
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["body"] == '{"reason": "r"}'
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["authorizer"]["principalId"] == "user-1"


def test_gateway_responses_over_http(base_url: str) -> None:
    status, headers, body = request(base_url, "POST", "/bookings/b-1/reassign")
    assert status == 401
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["kind"] == "unauthorized"
    status, _, body = request(base_url, "GET", "/nowhere", [("Authorization", "Bearer allow")])
    assert (status, json.loads(body)["kind"]) == (404, "missing")
    status, _, body = request(base_url, "GET", "/broken/raise")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})


def test_concurrent_http_requests(base_url: str) -> None:
    results: dict[int, Any] = {}

    def call(n: int) -> None:
        status, _, body = request(
            base_url, "POST", f"/bookings/b-{n}/reassign?sleep=0.1", [("Authorization", "Bearer allow")]
        )
        results[n] = (status, json.loads(body)["event"]["pathParameters"]["bookingUid"])

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: (200, f"b-{n}") for n in range(8)}
