"""Garbage in through API Gateway events: always the error envelope with a 4xx, and the store untouched."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.factories import LambdaContext, base_dataset, http_event

ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _without_version(event: dict[str, Any]) -> dict[str, Any]:
    event["headers"].pop("cal-api-version")
    event["multiValueHeaders"].pop("cal-api-version")
    return event


def _with_version(value: str) -> Any:
    def build() -> dict[str, Any]:
        return http_event("/bookings/b-1/reassign", headers={"cal-api-version": value})

    return build


def _manual(body: str | None, user: str = "3") -> Any:
    return lambda: http_event(f"/bookings/b-1/reassign/{user}", body=body)


def _path(path: str) -> Any:
    return lambda: http_event(path)


HOSTILE: dict[str, tuple[Any, int]] = {
    # cal-api-version: missing or anything but 2024-08-13
    "version-missing": (lambda: _without_version(http_event("/bookings/b-1/reassign")), 400),
    "version-empty": (_with_version(""), 400),
    "version-other": (_with_version("2024-08-14"), 400),
    "version-v2": (_with_version("v2"), 400),
    "version-padded": (_with_version("2024-08-13\x00"), 400),
    "version-fullwidth-digits": (_with_version("\uff12\uff10\uff12\uff14-08-13"), 400),
    "version-huge": (_with_version("2024-08-13" * 1000), 400),
    # manual body: not JSON, or JSON of the wrong shape
    "body-not-json": (_manual("reason=swap"), 400),
    "body-truncated-json": (_manual('{"reason": "swa'), 400),
    "body-binary": (_manual("\x00\xff\xfe"), 400),
    "body-list": (_manual('["reason"]'), 400),
    "body-string": (_manual('"swap"'), 400),
    "body-number": (_manual("5"), 400),
    "reason-number": (_manual('{"reason": 5}'), 400),
    "reason-object": (_manual('{"reason": {"text": "swap"}}'), 400),
    "reason-list": (_manual('{"reason": ["swap"]}'), 400),
    "reason-too-long": (_manual(json.dumps({"reason": "x" * 501})), 400),
    "body-huge": (_manual(json.dumps({"reason": "x" * 1_000_000})), 400),
    # userId: not a positive integer
    "user-abc": (_manual(None, "abc"), 400),
    "user-zero": (_manual(None, "0"), 400),
    "user-negative": (_manual(None, "-1"), 400),
    "user-exponent": (_manual(None, "1e3"), 400),
    "user-huge": (_manual(None, "99999999999999999999"), 400),
    "user-int32-overflow": (_manual(None, str(2**31)), 400),
    "user-arabic-indic-digit": (_manual(None, "\u0663"), 400),
    "user-fullwidth-digit": (_manual(None, "\uff13"), 400),
    "user-empty": (_manual(None, "%20"), 400),
    # booking uid: too long, or unknown however strange
    "uid-300-chars": (_path("/bookings/" + "b" * 300 + "/reassign"), 400),
    "uid-accented": (_path("/bookings/bööking-予約/reassign"), 404),
    "uid-traversal": (_path("/bookings/..%2F..%2Fetc/reassign"), 404),
    "uid-injection": (_path("/bookings/b-1' OR '1'='1/reassign"), 404),
    # idempotency key: empty or too long
    "idempotency-key-too-long": (
        lambda: http_event("/bookings/b-1/reassign", headers={"Idempotency-Key": "k" * 256}),
        400,
    ),
}


# Once known defects, now fixed: route misses and lax integer parsing.
FORMER_DEFECTS = [
    pytest.param(_path("/bookings/b-✓/reassign"), 404, id="uid-check-mark"),
    pytest.param(_path("/bookings/b-1\x00/reassign"), 404, id="uid-null-byte"),
    *(
        pytest.param(_manual(None, user), 400, id=f"user-lax-{name}")
        for name, user in {
            "plus": "+3",
            "space": " 3",
            "decimal": "3.0",
            "underscore": "1_0",
            "arabic-indic": "\u0663",
        }.items()
    ),
]


def _assert_envelope(answer: dict[str, Any], status: int) -> dict[str, Any]:
    assert answer["statusCode"] == status, answer
    body = json.loads(answer["body"])
    assert set(body) == {"status", "timestamp", "path", "error"}
    assert body["status"] == "error"
    assert ISO_MILLIS.match(body["timestamp"])
    assert body["path"].startswith("/v2/bookings/")
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"].endswith("Exception")
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in answer["body"]
    return body


@pytest.fixture
def loaded(store: Any) -> Any:
    store.load(base_dataset())
    return store


@pytest.mark.parametrize(
    ("build", "status"),
    [*(pytest.param(build, status, id=name) for name, (build, status) in HOSTILE.items()), *FORMER_DEFECTS],
)
def test_hostile_http_input_gets_a_4xx_envelope_and_changes_nothing(
    loaded: Any, reassign_app: Any, build: Any, status: int
) -> None:
    before = loaded.snapshot()

    answer = reassign_app.lambda_handler(build(), LambdaContext())

    _assert_envelope(answer, status)
    assert loaded.snapshot() == before


def test_a_bad_version_is_named_in_the_message(loaded: Any, reassign_app: Any) -> None:
    answer = reassign_app.lambda_handler(_with_version("1999-01-01")(), LambdaContext())

    body = _assert_envelope(answer, 400)
    assert body["error"]["message"] == "cal-api-version header must be 2024-08-13"


@pytest.mark.parametrize("authorizer", [{}, {"userId": ""}, {"userId": "abc"}, {"userId": "-1"}, None])
def test_a_request_without_an_authorized_caller_is_401(
    loaded: Any, reassign_app: Any, authorizer: Any
) -> None:
    # Only the authorizer sets the caller: a request that bypassed it is never served.
    event = http_event("/bookings/b-1/reassign")
    event["requestContext"]["authorizer"] = authorizer
    before = loaded.snapshot()

    answer = reassign_app.lambda_handler(event, LambdaContext())

    assert _assert_envelope(answer, 401)["error"]["code"] == "UnauthorizedException"
    assert loaded.snapshot() == before


HOSTILE_DIRECT = {
    "not-an-object": ["b-1"],
    "empty": {},
    "uid-missing": {"actorUserId": 1},
    "actor-missing": {"bookingUid": "b-1"},
    "actor-string": {"bookingUid": "b-1", "actorUserId": "one"},
    "actor-zero": {"bookingUid": "b-1", "actorUserId": 0},
    "user-negative": {"bookingUid": "b-1", "actorUserId": 1, "userId": -1},
    "user-huge": {"bookingUid": "b-1", "actorUserId": 1, "userId": 99999999999999999999},
    "uid-too-long": {"bookingUid": "b" * 300, "actorUserId": 1},
    "reason-number": {"bookingUid": "b-1", "actorUserId": 1, "userId": 3, "reason": 5},
    "reason-too-long": {"bookingUid": "b-1", "actorUserId": 1, "userId": 3, "reason": "x" * 501},
    "key-empty": {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": ""},
}


@pytest.mark.parametrize("event", HOSTILE_DIRECT.values(), ids=HOSTILE_DIRECT.keys())
def test_a_malformed_direct_invocation_is_a_400_envelope_and_changes_nothing(
    loaded: Any, invoke: Any, event: Any
) -> None:
    before = loaded.snapshot()

    answer = invoke(event)

    assert answer["statusCode"] == 400
    assert answer["status"] == "error"
    assert answer["error"]["code"] == "BadRequestException"
    assert loaded.snapshot() == before
