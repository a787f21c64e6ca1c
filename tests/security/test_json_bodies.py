"""Bodies at the edges of JSON: the content type in any case is JSON, other types (`+json` ones too)
a 400, and JSON past the parser's limits (nesting about a thousand deep, an integer of more than
4,300 digits) a 400 too: never a 500, never a stack trace in the log, nothing written. Through the
local API (gateway, real authorizer, function) and by calling the handlers as API Gateway does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway import LocalApi
from reassign_core.api.http_errors import BODY_BEYOND_LIMITS, BODY_NOT_JSON
from tests.factories import API_VERSION, OWNER_KEY, LambdaContext, base_dataset, http_event

DEEP = "[" * 50_000 + "]" * 50_000
LONG_INTEGER = "1" + "0" * 4_400

BEYOND_LIMITS = {
    "nested-array": DEEP,
    "nested-inside-the-object": '{"reason": "swap", "extra": ' + DEEP + "}",
    "long-integer": '{"reason": ' + LONG_INTEGER + "}",
    "long-integer-ignored-field": '{"reason": "swap", "extra": ' + LONG_INTEGER + "}",
}
OTHER_TYPES = [
    "application/vnd.api+json",
    "application/merge-patch+json",
    "application/jsonx",
    "text/json",
    "application/xml",
    "text/plain",
    "application/x-www-form-urlencoded",
]
JSON_SPELLINGS = ["APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json ;charset=utf-8"]


@pytest.fixture
def loaded(store: Any, local_api: LocalApi) -> Iterator[Any]:
    store.load(base_dataset())
    local_api.clear_authorizer_cache()
    yield store


@pytest.fixture
def quiet_log(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """The functions log to stdout: nothing the test does may log a failure or a stack trace."""
    yield
    logged = capsys.readouterr().out
    assert "Traceback" not in logged and "Unexpected error" not in logged


def _send(api: LocalApi, path: str, body: str, content_type: str) -> Any:
    headers = {
        "Authorization": f"Bearer {OWNER_KEY}",
        "cal-api-version": API_VERSION,
        "Content-Type": content_type,
    }
    return api.handle("POST", path, headers, body)


def _refused(status: int, body: dict[str, Any], message: str) -> None:
    assert status == 400, body
    assert body["status"] == "error" and body["error"]["code"] == "BadRequestException"
    assert body["error"]["message"] == message


# --- the reassign function ------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
def test_the_json_type_in_any_case_is_read_as_json(
    loaded: Any, local_api: LocalApi, quiet_log: None, content_type: str
) -> None:
    response = _send(local_api, "/v2/bookings/b-1/reassign/4", '{"reason": "swap"}', content_type)

    assert response.status == 200, response.body
    assert loaded.booking("b-1")["reassignReason"] == "swap"


@pytest.mark.parametrize("content_type", OTHER_TYPES)
def test_other_types_are_a_400_naming_the_json_type(
    loaded: Any, local_api: LocalApi, quiet_log: None, content_type: str
) -> None:
    before = loaded.snapshot()

    response = _send(local_api, "/v2/bookings/b-1/reassign/4", '{"reason": "swap"}', content_type)

    _refused(response.status, response.json(), BODY_NOT_JSON)
    assert loaded.snapshot() == before


@pytest.mark.parametrize("body", BEYOND_LIMITS.values(), ids=BEYOND_LIMITS.keys())
def test_json_beyond_the_parser_limits_is_a_400_over_the_local_api(
    loaded: Any, local_api: LocalApi, quiet_log: None, body: str
) -> None:
    before = loaded.snapshot()

    response = _send(local_api, "/v2/bookings/b-1/reassign/4", body, "application/json")

    _refused(response.status, response.json(), BODY_BEYOND_LIMITS)
    assert loaded.snapshot() == before


@pytest.mark.parametrize("body", BEYOND_LIMITS.values(), ids=BEYOND_LIMITS.keys())
def test_json_beyond_the_parser_limits_is_a_400_from_the_handler(
    loaded: Any, reassign_app: Any, quiet_log: None, body: str
) -> None:
    before = loaded.snapshot()

    answer = reassign_app.lambda_handler(http_event("/bookings/b-1/reassign/4", body), LambdaContext())

    _refused(answer["statusCode"], json.loads(answer["body"]), BODY_BEYOND_LIMITS)
    assert loaded.snapshot() == before


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
def test_the_handler_reads_the_json_type_in_any_case(
    loaded: Any, reassign_app: Any, quiet_log: None, content_type: str
) -> None:
    event = http_event("/bookings/b-1/reassign/4", '{"reason": "swap"}', {"Content-Type": content_type})

    answer = reassign_app.lambda_handler(event, LambdaContext())

    assert answer["statusCode"] == 200, answer["body"]


# --- the webhooks function ------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
def test_webhooks_read_the_json_type_in_any_case(
    loaded: Any, local_api: LocalApi, quiet_log: None, content_type: str
) -> None:
    # Read as JSON: the answer is about the fields, not the body's type.
    response = _send(local_api, "/v2/webhooks", '{"active": true}', content_type)

    body = response.json()
    assert response.status == 400, body
    assert body["error"]["message"] != BODY_NOT_JSON
    assert "subscriberUrl" in body["error"]["message"]


@pytest.mark.parametrize("content_type", OTHER_TYPES)
def test_webhooks_refuse_other_types(
    loaded: Any, local_api: LocalApi, quiet_log: None, content_type: str
) -> None:
    response = _send(local_api, "/v2/webhooks", '{"active": true}', content_type)

    _refused(response.status, response.json(), BODY_NOT_JSON)


@pytest.mark.parametrize("body", BEYOND_LIMITS.values(), ids=BEYOND_LIMITS.keys())
def test_webhooks_refuse_json_beyond_the_parser_limits(
    loaded: Any, local_api: LocalApi, quiet_log: None, body: str
) -> None:
    before = loaded.snapshot()

    for path in ("/v2/webhooks", "/v2/event-types/100/webhooks"):
        response = _send(local_api, path, body, "application/json")
        _refused(response.status, response.json(), BODY_BEYOND_LIMITS)
    assert loaded.snapshot() == before
