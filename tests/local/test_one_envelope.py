"""Every answer, the gateway's own included, is the error envelope with nothing a caller shaped
left unescaped; through the local API with the real template, authorizer and function."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.cfn import load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store
from local.gateway import LocalApi
from local.store_setup import DEMO_DATA

from .conftest import REAL_TEMPLATE

KEY = json.loads(DEMO_DATA.read_text())["apiKeys"][0]["key"]
GOOD = {"Authorization": f"Bearer {KEY}", "cal-api-version": "2024-08-13"}


@pytest.fixture
def api(store: EmbeddedDynamoDB) -> LocalApi:
    template = load_template(REAL_TEMPLATE)
    prepare_store(template, store.endpoint_url, DEMO_DATA)
    return LocalApi(REAL_TEMPLATE, store.endpoint_url, template=template)


def error_of(body: bytes) -> dict[str, Any]:
    envelope = json.loads(body)
    assert envelope["status"] == "error" and set(envelope) == {"status", "timestamp", "path", "error"}
    error: dict[str, Any] = envelope["error"]
    return error


def test_a_quote_in_the_path_cannot_forge_the_401_body(api: LocalApi) -> None:
    response = api.handle("POST", '/v2/bookings/x","status":"success","a":"/reassign')

    assert response.status == 401
    envelope = json.loads(response.body)
    assert envelope["status"] == "error"
    assert envelope["path"] == "/v2/bookings/{bookingUid}/reassign"
    assert b", " not in response.body  # no space left by a folded template
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_route_is_a_fixed_message(api: LocalApi) -> None:
    response = api.handle("GET", "/v2/<script>", GOOD)

    assert response.status == 404
    assert error_of(response.body)["code"] == "NotFoundException"
    assert b"script" not in response.body


@pytest.mark.parametrize(("path", "uid"), [("%E2%98%83", "\u2603"), ("a%2Fb", "a/b")])
def test_a_uid_no_route_accepts_reads_as_booking_not_found(api: LocalApi, path: str, uid: str) -> None:
    response = api.handle("POST", f"/v2/bookings/{path}/reassign", GOOD)

    assert response.status == 404
    assert error_of(response.body) == {
        "code": "NotFoundException",
        "message": f"Booking with uid={uid} was not found in the database",
        "details": {},
    }


def test_a_repeated_api_version_header_gets_the_version_message(api: LocalApi) -> None:
    headers = [("Authorization", GOOD["Authorization"])] + [("cal-api-version", "2024-08-13")] * 2

    response = api.handle("POST", "/v2/bookings/demo-discovery-1/reassign", headers)

    assert response.status == 400
    assert error_of(response.body)["message"] == "cal-api-version header must be 2024-08-13"


def test_a_signed_user_id_lists_its_problem_like_other_validation_errors(api: LocalApi) -> None:
    response = api.handle("POST", "/v2/bookings/demo-discovery-1/reassign/+3", GOOD)

    assert response.status == 400
    assert error_of(response.body)["details"] == {"errors": ["userId: must be a positive integer"]}


def test_an_oversized_body_is_413_payload_too_large(api: LocalApi) -> None:
    response = api.handle(
        "POST",
        "/v2/bookings/demo-discovery-1/reassign/3",
        GOOD | {"Content-Type": "application/json"},
        b"{" + b" " * (10 * 1024 * 1024 + 1) + b"}",
    )

    assert response.status == 413
    assert error_of(response.body) == {
        "code": "PayloadTooLargeException",
        "message": "Request body too large",
        "details": {},
    }


def test_two_authorization_headers_are_401(api: LocalApi) -> None:
    headers = [("Authorization", GOOD["Authorization"])] * 2 + [("cal-api-version", "2024-08-13")]

    response = api.handle("POST", "/v2/bookings/demo-discovery-1/reassign", headers)

    assert response.status == 401
    assert error_of(response.body)["code"] == "UnauthorizedException"
