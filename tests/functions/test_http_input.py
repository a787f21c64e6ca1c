"""What the reassign function checks before it looks at any booking: the API version first, then the
input's shape (path, body, headers), then that an authorizer named the caller."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.assertions import assert_error
from tests.factories import API_VERSION, LambdaContext, base_dataset, http_event

VERSION_MESSAGE = "cal-api-version header must be 2024-08-13"


@pytest.mark.parametrize("version", [None, "", "2024-06-14", "2024-08-13 ", "garbage\u00e9"])
def test_missing_or_wrong_api_version_is_400(call: Any, store: Any, version: str | None) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    status, body, _ = call("/bookings/b-1/reassign", api_version=version)

    assert status == 400
    assert_error(body, "BadRequestException", VERSION_MESSAGE, "/v2/bookings/b-1/reassign")
    assert store.snapshot() == before


@pytest.mark.parametrize(
    ("path", "raw_body"),
    [
        ("/bookings/b-1/reassign/abc", None),  # malformed userId
        ("/bookings/b-1/reassign/0", None),
        ("/bookings/b-1/reassign/3", "not json"),
        ("/bookings/b-1/reassign/3", json.dumps({"reason": 5})),
        ("/bookings/" + "u" * 300 + "/reassign", None),
    ],
)
@pytest.mark.parametrize("version", ["wrong", None])
def test_api_version_is_checked_before_the_input_shape(
    call: Any, store: Any, path: str, raw_body: str | None, version: str | None
) -> None:
    store.load(base_dataset())

    status, body, _ = call(path, body=raw_body, api_version=version)

    assert status == 400
    assert_error(body, "BadRequestException", VERSION_MESSAGE)
    assert body["error"]["details"] == {}  # the version alone: nothing said of the rest


def test_the_version_error_is_serialized_like_every_other_body(reassign_app: Any, store: Any) -> None:
    store.load(base_dataset())
    answers = [
        reassign_app.lambda_handler(http_event(path, api_version=version), LambdaContext())
        for path, version in [
            ("/bookings/b-1/reassign", "wrong"),
            ("/bookings/b-1/reassign/abc", API_VERSION),
            ("/bookings/nope/reassign", API_VERSION),
        ]
    ]

    for answer in answers:
        assert answer["statusCode"] in (400, 404)
        assert answer["multiValueHeaders"]["Content-Type"] == ["application/json"]
        assert answer["body"] == json.dumps(json.loads(answer["body"]), separators=(",", ":"))


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1e3", "1.5", "99999999999999999999", "%20"])
def test_malformed_user_id_is_400(call: Any, store: Any, user_id: str) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    status, body, _ = call(f"/bookings/b-1/reassign/{user_id}")

    assert status == 400
    assert_error(body, "BadRequestException")
    assert "userId" in body["error"]["message"]
    assert store.snapshot() == before


@pytest.mark.parametrize(
    "raw_body",
    [
        "not json",
        "{",
        json.dumps({"reason": 5}),
        json.dumps({"reason": "x" * 501}),
        json.dumps({"reason": "ok\r\nBcc: someone@evil.test"}),
        json.dumps({"reason": "nul\u0000"}),
        json.dumps({"reason": "\u202egnp.exe"}),
        json.dumps(["reason"]),
        json.dumps({"reason": None, "reason2": "x"}) + "trailing",
    ],
)
def test_malformed_manual_body_is_400_and_writes_nothing(call: Any, store: Any, raw_body: str) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    status, body, _ = call("/bookings/b-1/reassign/3", body=raw_body)

    assert status == 400
    assert_error(body, "BadRequestException")
    assert store.snapshot() == before


@pytest.mark.parametrize(
    ("raw_body", "content_type"),
    [
        ("not json", "application/json"),
        ("{", "application/json"),
        (json.dumps({"reason": "x"}), "text/plain"),  # JSON, but not sent as JSON
        ("reason=x", "application/x-www-form-urlencoded"),  # curl -d's default
        ("unused=1", "application/x-www-form-urlencoded"),
        ("{}", "multipart/form-data"),  # without a boundary
        (
            '--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_a_body_that_is_not_json_is_400_saying_it_must_be(
    call: Any, store: Any, raw_body: str, content_type: str
) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/b-1/reassign/3", body=raw_body, headers={"Content-Type": content_type})

    assert status == 400
    assert_error(body, "BadRequestException", "body: must be JSON (Content-Type: application/json)")


def test_a_body_of_another_content_type_with_a_wrong_version_is_the_version_error(
    call: Any, store: Any
) -> None:
    store.load(base_dataset())

    status, body, _ = call(
        "/bookings/b-1/reassign/3", body="{}", headers={"Content-Type": "text/plain"}, api_version="wrong"
    )

    assert status == 400
    assert_error(body, "BadRequestException", VERSION_MESSAGE)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data"])
def test_auto_route_ignores_any_body(call: Any, store: Any, content_type: str) -> None:
    store.load(base_dataset())

    status, _, _ = call(
        "/bookings/b-1/reassign", body="this is not json", headers={"Content-Type": content_type}
    )

    assert status == 200


def test_reason_of_exactly_500_characters_is_accepted(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, _, _ = call("/bookings/b-1/reassign/3", body=json.dumps({"reason": "r" * 500}))

    assert status == 200


def test_overlong_booking_uid_is_400(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/" + "u" * 300 + "/reassign")

    assert status == 400
    assert_error(body, "BadRequestException")


def test_missing_authorizer_context_is_401(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/b-1/reassign", user_id=None)

    assert status == 401
    assert_error(body, "UnauthorizedException")


def test_headers_are_case_insensitive(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, _, _ = call("/bookings/b-1/reassign", headers={"CAL-API-VERSION": API_VERSION}, api_version=None)

    assert status == 200


def test_a_request_without_any_header_is_the_version_error(reassign_app: Any, store: Any) -> None:
    store.load(base_dataset())
    event = {**http_event("/bookings/b-1/reassign/3"), "headers": None, "multiValueHeaders": None}

    answer = reassign_app.lambda_handler(event, LambdaContext())

    assert answer["statusCode"] == 400
    assert_error(json.loads(answer["body"]), "BadRequestException", VERSION_MESSAGE)
