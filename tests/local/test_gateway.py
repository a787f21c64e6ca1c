"""The local gateway's request path on the toy template: routing, the proxy event and result,
gateway responses, request ids, logs and concurrent requests."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from local.gateway import LocalApi
from local.gateway.exchange import format_request_time
from local.gateway.responses import render_template

from .conftest import NOW, authorizer_module_calls, echoed, post


def test_request_time_format() -> None:
    assert format_request_time(NOW) == "24/Nov/2026:10:00:00 +0000"
    early = datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC).timestamp()
    assert format_request_time(early) == "05/Jan/2026:03:04:05 +0000"


def test_render_template() -> None:
    variables = {
        "context.path": "/v2/x",
        "context.error.messageString": '"a \\"b\\""',
        "context.httpMethod": "GET",
    }
    assert render_template('{"m":$context.error.messageString}', variables) == '{"m":"a \\"b\\""}'
    assert render_template("Cannot $context.httpMethod $context.path.", variables) == "Cannot GET /v2/x."
    assert render_template("${context.path}|$!{context.path}|$context.unknown|", variables) == "/v2/x|/v2/x||"
    assert render_template("$notcontext.path $", variables) == "$notcontext.path $"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v9/nope"),
        ("POST", "/v2/bookings/b-1/reassign"),  # unknown stage
        ("GET", "/v9/bookings/b-1/reassign"),  # known resource, other method
        ("POST", "/v9/bookings/b-1/reassign/7/extra"),
        ("POST", "/v9/bookings//reassign"),
        ("GET", "/"),
    ],
)
def test_unknown_route_is_missing_authentication_token(api: LocalApi, method: str, path: str) -> None:
    response = api.handle(method, path, {"Authorization": "Bearer allow"})
    assert response.status == 404
    assert response.json() == {"kind": "missing", "message": f"Cannot {method} {path}"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert authorizer_module_calls(api) == []


def test_request_too_large(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign", body=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status == 413
    assert response.json()["type"] == "REQUEST_TOO_LARGE"


def test_proxy_event_shape(api: LocalApi) -> None:
    response = api.handle(
        "POST",
        "/v9/bookings/b%201/reassign/42?a=1&b=x&a=2&empty=",
        [
            ("Authorization", "Bearer allow"),
            ("cal-api-version", "2024-08-13"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("User-Agent", "pytest"),
            ("Host", "localhost:3000"),
        ],
        '{"reason": "sick"}',
        source_ip="10.1.2.3",
    )
    body = echoed(response)
    event = body["event"]
    assert event["resource"] == "/bookings/{bookingUid}/reassign/{userId}"
    assert event["path"] == "/bookings/b 1/reassign/42"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["cal-api-version"] == "2024-08-13"  # the name as sent
    assert event["headers"]["X-Multi"] == "two"  # the last value
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["headers"]["X-Forwarded-For"] == "10.1.2.3"
    assert event["queryStringParameters"] == {"a": "2", "b": "x", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"], "empty": [""]}
    assert event["pathParameters"] == {"bookingUid": "b 1", "userId": "42"}
    assert event["stageVariables"] is None
    assert event["body"] == '{"reason": "sick"}'
    assert event["isBase64Encoded"] is False

    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/bookings/{bookingUid}/reassign/{userId}"
    assert ctx["httpMethod"] == "POST"
    assert ctx["path"] == "/v9/bookings/b 1/reassign/42"
    assert ctx["stage"] == "v9"
    uuid.UUID(ctx["requestId"])
    assert ctx["requestTime"] == "24/Nov/2026:10:00:00 +0000"
    assert ctx["requestTimeEpoch"] == int(NOW * 1000)
    assert ctx["identity"]["sourceIp"] == "10.1.2.3"
    assert ctx["identity"]["userAgent"] == "pytest"
    assert ctx["accountId"] == "123456789012"
    assert re.fullmatch(r"[a-z0-9]{10}", ctx["apiId"])
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["domainName"] == "localhost"
    # Authorizer context: strings, nulls dropped, plus principalId (and integrationLatency).
    authorizer = ctx["authorizer"]
    assert authorizer["userId"] == "1"
    assert authorizer["authMethod"] == "API_KEY"
    assert "clientId" not in authorizer
    assert authorizer["principalId"] == "user-1"
    assert isinstance(authorizer["integrationLatency"], int)

    # The Lambda context and the environment the template gives the function.
    assert body["context"]["function_name"] == "EchoFunction"
    assert body["context"]["memory_limit_in_mb"] == 256
    assert body["context"]["invoked_function_arn"].endswith(":function:EchoFunction")
    assert body["context"]["aws_request_id"] == ctx["requestId"]
    assert 0 < body["context"]["remaining"] <= 5000
    assert body["env"]["DATA_TABLE"] == "DataTable"
    assert body["env"]["GREETING"] == "hello from us-east-1 v9 ${Literal}"
    assert body["layer"] == "from the layer"
    assert body["service"] == "echo"  # its own env at import, though AuthFunction's differs


def test_no_query_no_body_are_null(api: LocalApi) -> None:
    event = echoed(post(api, "/v9/bookings/b-1/reassign"))["event"]
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None
    assert event["pathParameters"] == {"bookingUid": "b-1"}


def test_most_specific_route_wins(api: LocalApi) -> None:
    assert (
        echoed(post(api, "/v9/bookings/special/reassign"))["event"]["resource"]
        == "/bookings/special/reassign"
    )
    assert (
        echoed(post(api, "/v9/bookings/other/reassign"))["event"]["resource"]
        == "/bookings/{bookingUid}/reassign"
    )


def test_open_routes_any_method_and_greedy_proxy(api: LocalApi) -> None:
    for method in ("GET", "DELETE", "PATCH"):
        response = api.handle(method, "/v9/open")
        event = echoed(response)["event"]
        assert event["httpMethod"] == method
        assert "authorizer" not in event["requestContext"]
    event = echoed(api.handle("GET", "/v9/files/a/b%2Fc/d%20e"))["event"]
    assert event["pathParameters"] == {"proxy": "a/b/c/d e"}
    assert event["resource"] == "/files/{proxy+}"


def test_encoded_slash_stays_in_its_parameter(api: LocalApi) -> None:
    event = echoed(post(api, "/v9/bookings/a%2Fb/reassign"))["event"]
    assert event["pathParameters"] == {"bookingUid": "a/b"}


def test_response_headers(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign")
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["X-Single"] == "one"
    uuid.UUID(response.headers["x-amzn-RequestId"])


@pytest.mark.parametrize("mode", ["raise", "string", "dict-body", "extra-key", "no-status", "not-json"])
def test_bad_integration_answers_are_502(
    api: LocalApi, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    response = api.handle("GET", f"/v9/broken/{mode}")
    assert response.status == 502
    assert response.json() == {"message": "Internal server error"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "BrokenFunction" in capsys.readouterr().err  # logged


def test_good_integration_answers(api: LocalApi) -> None:
    binary = api.handle("GET", "/v9/broken/binary")
    assert (binary.status, binary.body, binary.headers["Content-Type"]) == (
        201,
        b"\x00\x01",
        "application/octet-stream",
    )
    empty = api.handle("GET", "/v9/broken/empty")
    assert (empty.status, empty.body, empty.headers["Content-Type"]) == (204, b"", "application/json")
    both = api.handle("GET", "/v9/broken/both-headers")
    assert both.headers.getlist("X-A") == ["m1", "m2"]  # multiValueHeaders wins for a name in both
    assert both.headers["X-B"] == "7"


def test_logs_never_carry_the_authorization_header(api: LocalApi, capsys: pytest.CaptureFixture[str]) -> None:
    post(api, "/v9/bookings/b-1/reassign", token="super-secret-token")
    post(api, "/v9/bookings/b-1/reassign", token="boom")
    err = capsys.readouterr().err
    assert "POST /v9/bookings/b-1/reassign -> 401" in err
    assert "super-secret-token" not in err


def test_concurrent_requests_get_separate_environments(api: LocalApi) -> None:
    """The echo handler keeps the event in module state and sleeps: a shared module would mix them."""
    results: dict[int, dict[str, Any]] = {}

    def call(n: int) -> None:
        results[n] = echoed(post(api, f"/v9/bookings/b-{n}/reassign?sleep=0.2"))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, body in results.items():
        assert body["event"]["pathParameters"] == {"bookingUid": f"b-{n}"}
    assert len(api.pools["EchoFunction"]._idle) == 4  # four cold starts, all now warm
    assert echoed(post(api, "/v9/bookings/b-9/reassign"))["event"]["pathParameters"] == {"bookingUid": "b-9"}
    assert len(api.pools["EchoFunction"]._idle) == 4  # reused
