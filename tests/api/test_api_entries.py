"""The core's HTTP and direct-invocation entries, on a toy function: what any function reuses."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, Field

from reassign_core.api.api_version import API_VERSION, ApiVersion
from reassign_core.api.direct_invocation import DirectEvent, answer_direct_invocation, is_api_gateway_request
from reassign_core.api.rest_resolver import rest_resolver
from reassign_core.domain.errors import BookingNotFound, StoreUnavailable
from tests.factories import http_event

logger = Logger(service="toy")


class ToyBody(BaseModel):
    note: str


def toy_resolver(versioned: bool) -> APIGatewayRestResolver:
    app = rest_resolver(logger, versioned=versioned)
    if versioned:

        @app.post("/bookings/<bookingUid>/reassign/<userId>")
        def versioned_route(
            bookingUid: str, userId: Annotated[int, Path(gt=0)], cal_api_version: ApiVersion
        ) -> dict[str, Any]:
            if bookingUid == "missing":
                raise BookingNotFound(bookingUid)
            if bookingUid == "busy":
                raise StoreUnavailable
            if bookingUid == "broken":
                raise RuntimeError("internal detail")
            return {"id": userId}

    else:

        @app.post("/bookings/<bookingUid>/reassign/<userId>")
        def open_route(
            bookingUid: str,
            userId: Annotated[int, Path(gt=0)],
            body: Annotated[ToyBody | None, Body()] = None,
        ) -> dict[str, Any]:
            return {"id": userId, "note": body.note if body else None}

    return app


def answer(app: APIGatewayRestResolver, path: str, version: str | None = API_VERSION) -> tuple[int, Any]:
    response = app.resolve(http_event(path, api_version=version), {})
    return response["statusCode"], json.loads(response["body"])


def test_a_versioned_resolver_reports_a_wrong_version_before_a_malformed_input() -> None:
    status, body = answer(toy_resolver(versioned=True), "/bookings/b-1/reassign/abc", version="wrong")

    assert status == 400
    assert body["error"]["message"] == "cal-api-version header must be 2024-08-13"


def test_a_resolver_without_versions_reports_only_the_input() -> None:
    status, body = answer(toy_resolver(versioned=False), "/bookings/b-1/reassign/abc", version=None)

    assert status == 400
    assert body["error"]["message"].startswith("userId: ")
    assert body["error"]["details"]["errors"] == [body["error"]["message"]]


@pytest.mark.parametrize(
    ("raw_body", "content_type", "status"),
    [
        ('{"note": "hi"}', "application/json", 200),
        ('{"note": "hi"}', "text/plain", 400),
        ("note=hi", "application/x-www-form-urlencoded", 400),
        ("{", "application/json", 400),
    ],
)
def test_a_body_is_read_as_json_only(raw_body: str, content_type: str, status: int) -> None:
    event = http_event("/bookings/b-1/reassign/3", raw_body, {"Content-Type": content_type}, api_version=None)

    response = toy_resolver(versioned=False).resolve(event, {})

    body = json.loads(response["body"])
    assert response["statusCode"] == status
    if status == 200:
        assert body == {"id": 3, "note": "hi"}
    else:
        assert body["error"]["message"] == "body: must be JSON (Content-Type: application/json)"


@pytest.mark.parametrize(
    ("uid", "status", "code", "retry_after"),
    [
        ("missing", 404, "NotFoundException", None),
        ("busy", 503, "ServiceUnavailableException", ["1"]),
        ("broken", 500, "InternalServerErrorException", None),
    ],
)
def test_route_errors_answer_the_envelope_with_their_status(
    uid: str, status: int, code: str, retry_after: list[str] | None
) -> None:
    response = toy_resolver(versioned=True).resolve(http_event(f"/bookings/{uid}/reassign/3"), {})

    body = json.loads(response["body"])
    assert response["statusCode"] == status
    assert body["error"]["code"] == code
    assert body["path"] == f"/v2/bookings/{uid}/reassign/3"
    assert "internal detail" not in response["body"]
    assert response["multiValueHeaders"].get("Retry-After") == retry_after


def test_an_unknown_route_is_a_404_envelope() -> None:
    status, body = answer(toy_resolver(versioned=True), "/bookings/b-1/elsewhere")

    assert status == 404
    assert body["error"] == {
        "code": "NotFoundException",
        "message": "Cannot POST /v2/bookings/b-1/elsewhere",
        "details": {},
    }


class ToyEvent(DirectEvent):
    thing_id: int = Field(alias="thingId", gt=0)

    def public_path(self) -> str:
        return f"/v2/things/{self.thing_id}"

    @classmethod
    def public_path_of_malformed(cls, event: Any) -> str:
        return "/v2/things"


def test_a_direct_invocation_answers_the_run_body_with_status_200() -> None:
    answered = answer_direct_invocation({"thingId": 7}, ToyEvent, lambda e: {"seen": e.thing_id}, logger)

    assert answered == {"statusCode": 200, "seen": 7}


@pytest.mark.parametrize("event", [None, "7", {"thingId": 0}, {"thingId": "seven"}])
def test_a_malformed_direct_invocation_is_a_400_envelope(event: Any) -> None:
    answered = answer_direct_invocation(event, ToyEvent, lambda e: {}, logger)

    assert answered["statusCode"] == 400
    assert answered["error"]["code"] == "BadRequestException"
    assert answered["path"] == "/v2/things"
    assert answered["error"]["details"]["errors"]


@pytest.mark.parametrize(
    ("failure", "status"), [(BookingNotFound("b"), 404), (KeyError("internal detail"), 500)]
)
def test_a_failing_direct_invocation_answers_an_envelope_never_a_raise(
    failure: Exception, status: int
) -> None:
    def run(event: ToyEvent) -> dict[str, Any]:
        raise failure

    answered = answer_direct_invocation({"thingId": 7}, ToyEvent, run, logger)

    assert answered["statusCode"] == status
    assert answered["path"] == "/v2/things/7"
    assert "internal detail" not in json.dumps(answered)


def test_only_api_gateway_events_go_to_the_resolver() -> None:
    assert is_api_gateway_request(http_event("/bookings/b-1/reassign"))
    assert not is_api_gateway_request({"bookingUid": "b-1", "actorUserId": 1})
    assert not is_api_gateway_request(["httpMethod", "requestContext"])


def test_a_route_matches_the_whole_path_not_up_to_a_final_newline() -> None:
    app = rest_resolver(logger, versioned=False)

    @app.get("/webhooks")
    def listing() -> list[str]:
        return []

    event = http_event("/webhooks/\n") | {"httpMethod": "GET"}
    response = app.resolve(event, {})

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "NotFoundException"
