"""LocalApi in-process: routing, authorizer (identity sources, cache, policies), events, responses."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.cfn import Template, load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store
from local.gateway import LocalApi, Response, arn_matches, demo_hint, format_request_time, render_template
from local.invoke import DEMO_DATA

from .conftest import FIXTURE_TEMPLATE, REAL_TEMPLATE

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC).timestamp()
API_ARN = re.compile(r"^arn:aws:execute-api:us-east-1:123456789012:[a-z0-9]{10}$")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(toy_template: Template, clock: Clock) -> LocalApi:
    return LocalApi(FIXTURE_TEMPLATE, None, template=toy_template, clock=clock)


def _authorizer_module_calls(api: LocalApi) -> list[str]:
    calls: list[str] = []
    for handler in api.pools["AuthFunction"]._idle:
        calls += handler.__globals__["CALLS"]
    return calls


def post(api: LocalApi, path: str, token: str | None = "allow", **kwargs: Any) -> Response:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return api.handle("POST", path, headers, **kwargs)


def echoed(response: Response) -> dict[str, Any]:
    assert response.status == 200, response.body
    return response.json()  # type: ignore[no-any-return]


# ------------------------------------------------------------------ pure pieces


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
    ("pattern", "matches"),
    [
        ("*", True),
        ("arn:aws:execute-api:us-east-1:123:abc/*", True),
        ("arn:aws:execute-api:us-east-1:123:abc/*/*/*", True),
        ("arn:aws:execute-api:us-east-1:123:abc/v2/POST/bookings/*/reassign", True),
        ("arn:aws:execute-api:us-east-1:123:abc/v2/POST/bookings/*/reassign/*", False),
        ("arn:aws:execute-api:us-east-1:123:abc/v2/GET/*", False),
        ("arn:aws:execute-api:*:*:abc/v2/POST/*", True),
        ("arn:aws:execute-api:us-east-1:999:abc/*", False),
        ("arn:aws:execute-api:us-east-1:123:abc/v?/POST/*", True),
        ("arn:aws:execute-api:us-east-1:123:ABC/*", False),  # case-sensitive
        ("arn:aws:execute-api:us-east-1:123:abc/v2/POST/bookings/b-1/reassign", True),
    ],
)
def test_arn_matches(pattern: str, matches: bool) -> None:
    arn = "arn:aws:execute-api:us-east-1:123:abc/v2/POST/bookings/b-1/reassign"
    assert arn_matches(pattern, arn) is matches


# ------------------------------------------------------------------ routing and gateway responses


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
    assert _authorizer_module_calls(api) == []


def test_missing_identity_source_is_401_without_calling_the_authorizer(api: LocalApi) -> None:
    for headers in ({}, {"Authorization": ""}, {"X-Other": "Bearer allow"}):
        response = api.handle("POST", "/v9/bookings/b-1/reassign", {**headers, "X-Trace": "t-1"})
        assert response.status == 401
        assert response.json() == {
            "kind": "unauthorized",
            "time": "24/Nov/2026:10:00:00 +0000",
            "path": "/v9/bookings/b-1/reassign",
        }
        assert response.headers["X-Echo"] == "t-1"  # method.request.header.X-Trace mapping
        assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert _authorizer_module_calls(api) == []


def test_authorizer_unauthorized_is_401(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign", token="who-knows")
    assert response.status == 401
    assert response.json()["kind"] == "unauthorized"
    assert _authorizer_module_calls(api) == ["who-knows"]


def test_identity_header_is_case_insensitive(api: LocalApi) -> None:
    response = api.handle("POST", "/v9/bookings/b-1/reassign", {"authorization": "Bearer allow"})
    assert response.status == 200


@pytest.mark.parametrize("token", ["boom", "garbage", "bad-context"])
def test_authorizer_failures_are_500(api: LocalApi, token: str) -> None:
    response = post(api, "/v9/bookings/b-1/reassign", token=token)
    assert response.status == 500  # DEFAULT_5XX's status
    assert response.json() == {"kind": "5xx", "raw": ""}  # the error message is null here
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_policy_is_matched_against_the_method_arn(api: LocalApi) -> None:
    assert post(api, "/v9/bookings/b-1/reassign", token="auto-only").status == 200
    denied = post(api, "/v9/bookings/b-1/reassign/5", token="auto-only")
    assert denied.status == 403
    assert denied.json() == {
        "kind": "4xx",
        "message": "User is not authorized to access this resource",
        "type": "ACCESS_DENIED",
    }
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    # The second answer came from the cache, judged against the new ARN.
    assert _authorizer_module_calls(api) == ["auto-only"]


def test_explicit_deny_wins(api: LocalApi) -> None:
    assert post(api, "/v9/bookings/b-1/reassign", token="allow-and-deny").status == 200
    denied = post(api, "/v9/bookings/b-1/reassign/5", token="allow-and-deny")
    assert denied.status == 403
    assert denied.json()["message"] == "User is not authorized to access this resource with an explicit deny"
    assert post(api, "/v9/bookings/b-1/reassign", token="deny").status == 403


def test_authorizer_cache_honours_ttl(api: LocalApi, clock: Clock) -> None:
    for _ in range(3):
        assert post(api, "/v9/bookings/b-1/reassign", token="allow").status == 200
    assert _authorizer_module_calls(api) == ["allow"]
    clock.now += 299
    assert post(api, "/v9/bookings/b-2/reassign/3", token="allow").status == 200
    assert _authorizer_module_calls(api) == ["allow"]
    clock.now += 2  # past ReauthorizeEvery
    assert post(api, "/v9/bookings/b-1/reassign", token="allow").status == 200
    assert _authorizer_module_calls(api) == ["allow", "allow"]
    # Another identity value is another cache entry; failures are not cached.
    assert post(api, "/v9/bookings/b-1/reassign", token="nope").status == 401
    assert post(api, "/v9/bookings/b-1/reassign", token="nope").status == 401
    assert _authorizer_module_calls(api) == ["allow", "allow", "nope", "nope"]


def test_without_cache_the_authorizer_runs_every_time(clock: Clock) -> None:
    template = load_template(FIXTURE_TEMPLATE, {"CacheSeconds": "0"})
    api = LocalApi(FIXTURE_TEMPLATE, None, template=template, clock=clock)
    assert post(api, "/v9/bookings/b-1/reassign").status == 200
    assert post(api, "/v9/bookings/b-1/reassign").status == 200
    # No cache: API Gateway does not check identity sources itself, the authorizer decides.
    assert post(api, "/v9/bookings/b-1/reassign", token=None).status == 401
    assert _authorizer_module_calls(api) == ["allow", "allow", ""]


def test_request_too_large(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign", body=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status == 413
    assert response.json()["type"] == "REQUEST_TOO_LARGE"


# ------------------------------------------------------------------ the proxy event


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


def test_authorizer_context_is_stringified(api: LocalApi) -> None:
    authorizer = echoed(post(api, "/v9/bookings/b-1/reassign", token="admin"))["event"]["requestContext"][
        "authorizer"
    ]
    assert authorizer["userId"] == "7"
    assert authorizer["admin"] == "true"
    assert authorizer["ratio"] == "1.5"
    assert authorizer["service"] == "auth"  # the authorizer module saw its own env at import


def test_authorizer_event_shape(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign/3?x=1", body="secret body", headers={"X-A": "1"})
    ctx = echoed(response)["event"]["requestContext"]
    raw = echoed(post(api, "/v9/bookings/b-1/reassign/3?x=1", token="event", body="b"))
    auth_event = json.loads(raw["event"]["requestContext"]["authorizer"]["event"])
    assert auth_event["type"] == "REQUEST"
    arn_base, _, rest = auth_event["methodArn"].partition("/")
    assert API_ARN.match(arn_base)
    assert arn_base.endswith(ctx["apiId"])
    assert rest == "v9/POST/bookings/b-1/reassign/3"
    assert auth_event["resource"] == "/bookings/{bookingUid}/reassign/{userId}"
    assert auth_event["path"] == "/bookings/b-1/reassign/3"
    assert auth_event["httpMethod"] == "POST"
    assert auth_event["headers"]["Authorization"] == "Bearer event"
    assert auth_event["queryStringParameters"] == {"x": "1"}
    assert auth_event["pathParameters"] == {"bookingUid": "b-1", "userId": "3"}
    assert auth_event["requestContext"]["stage"] == "v9"
    assert "body" not in auth_event


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


# ------------------------------------------------------------------ the integration's answers


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


# ------------------------------------------------------------------ the start banner and the real template


def test_demo_hint(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {
                "apiKeys": [{"key": "cal_test_key", "userId": 1}],
                "eventTypes": [
                    {"id": 1, "schedulingType": "COLLECTIVE"},
                    {"id": 2, "schedulingType": "ROUND_ROBIN"},
                ],
                "bookings": [
                    {"uid": "collective", "eventTypeId": 1},
                    {"uid": "cancelled-rr", "eventTypeId": 2, "status": "CANCELLED"},
                    {"uid": "good-rr", "eventTypeId": 2, "status": "ACCEPTED"},
                ],
            }
        )
    )
    assert demo_hint(data) == ("cal_test_key", "good-rr")
    assert demo_hint(None) == (None, None)


def test_the_banner_curl_works_against_the_real_template(store: EmbeddedDynamoDB) -> None:
    """What `python -m local.gateway` prints must work: demo data, real authorizer and function."""
    template = load_template(REAL_TEMPLATE)
    prepare_store(template, store.endpoint_url, DEMO_DATA)
    api = LocalApi(REAL_TEMPLATE, store.endpoint_url, template=template)
    key, uid = demo_hint(DEMO_DATA)
    assert key and uid
    headers = {"Authorization": f"Bearer {key}", "cal-api-version": "2024-08-13"}
    response = api.handle("POST", f"/v2/bookings/{uid}/reassign", headers)
    assert response.status == 200, response.body
    assert response.json()["status"] == "success"
    assert api.handle("POST", f"/v2/bookings/{uid}/reassign").status == 401
    assert api.handle("GET", "/v2/nowhere", headers).status == 404
