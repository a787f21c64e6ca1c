"""The local gateway's Lambda authorizers: identity sources, the result cache, policies judged
against the method ARN, failures, and what reaches the authorizer and the function."""

from __future__ import annotations

import json
import re

import pytest

from local.cfn import load_template
from local.gateway import LocalApi
from local.gateway.authorizer import arn_matches

from .conftest import FIXTURE_TEMPLATE, Clock, authorizer_module_calls, echoed, post

API_ARN = re.compile(r"^arn:aws:execute-api:us-east-1:123456789012:[a-z0-9]{10}$")


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
    assert authorizer_module_calls(api) == []


def test_authorizer_unauthorized_is_401(api: LocalApi) -> None:
    response = post(api, "/v9/bookings/b-1/reassign", token="who-knows")
    assert response.status == 401
    assert response.json()["kind"] == "unauthorized"
    assert authorizer_module_calls(api) == ["who-knows"]


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
    assert authorizer_module_calls(api) == ["auto-only"]


def test_explicit_deny_wins(api: LocalApi) -> None:
    assert post(api, "/v9/bookings/b-1/reassign", token="allow-and-deny").status == 200
    denied = post(api, "/v9/bookings/b-1/reassign/5", token="allow-and-deny")
    assert denied.status == 403
    assert denied.json()["message"] == "User is not authorized to access this resource with an explicit deny"
    assert post(api, "/v9/bookings/b-1/reassign", token="deny").status == 403


def test_authorizer_cache_honours_ttl(api: LocalApi, clock: Clock) -> None:
    for _ in range(3):
        assert post(api, "/v9/bookings/b-1/reassign", token="allow").status == 200
    assert authorizer_module_calls(api) == ["allow"]
    clock.now += 299
    assert post(api, "/v9/bookings/b-2/reassign/3", token="allow").status == 200
    assert authorizer_module_calls(api) == ["allow"]
    clock.now += 2  # past ReauthorizeEvery
    assert post(api, "/v9/bookings/b-1/reassign", token="allow").status == 200
    assert authorizer_module_calls(api) == ["allow", "allow"]
    # Another identity value is another cache entry; failures are not cached.
    assert post(api, "/v9/bookings/b-1/reassign", token="nope").status == 401
    assert post(api, "/v9/bookings/b-1/reassign", token="nope").status == 401
    assert authorizer_module_calls(api) == ["allow", "allow", "nope", "nope"]


def test_without_cache_the_authorizer_runs_every_time(clock: Clock) -> None:
    template = load_template(FIXTURE_TEMPLATE, {"CacheSeconds": "0"})
    api = LocalApi(FIXTURE_TEMPLATE, None, template=template, clock=clock)
    assert post(api, "/v9/bookings/b-1/reassign").status == 200
    assert post(api, "/v9/bookings/b-1/reassign").status == 200
    # No cache: API Gateway does not check identity sources itself, the authorizer decides.
    assert post(api, "/v9/bookings/b-1/reassign", token=None).status == 401
    assert authorizer_module_calls(api) == ["allow", "allow", ""]


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
