"""Signed bodies at the edges of JSON: the signature is checked on the raw bytes first, then JSON
nested about a thousand deep or holding an integer of more than 4,300 digits is a 400 (never a 500,
never a stack trace in the log, nothing written); the content type, in any case, changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reassign_core.sync.signature import sign
from tests.factories import base_dataset
from tests.sync.payloads import SECRET, booking_payload, signed, webhook

T1 = "2026-11-25T10:00:00.000Z"
DEEP = b"[" * 50_000 + b"]" * 50_000
BEYOND_LIMITS = {
    "nested-array": DEEP,
    "nested-payload": b'{"triggerEvent": "BOOKING_CREATED", "createdAt": "'
    + T1.encode()
    + b'", "payload": '
    + DEEP
    + b"}",
    "long-integer": b'{"triggerEvent": "BOOKING_CREATED", "createdAt": "'
    + T1.encode()
    + b'", "payload": '
    + b"1"
    + b"0" * 4_400
    + b"}",
}


@pytest.fixture
def quiet_log(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    yield
    logged = capsys.readouterr().out
    assert "Traceback" not in logged and "Unexpected error" not in logged


@pytest.mark.parametrize("raw", BEYOND_LIMITS.values(), ids=BEYOND_LIMITS.keys())
def test_signed_json_beyond_the_parser_limits_is_a_400(
    deliver: Any, store: Any, quiet_log: None, raw: bytes
) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    response = deliver(raw)

    assert response.status == 400, response.body
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == "BadRequestException"
    assert store.snapshot() == before


def test_an_unsigned_body_beyond_the_limits_is_refused_before_it_is_parsed(
    deliver: Any, store: Any, quiet_log: None
) -> None:
    store.load(base_dataset())

    response = deliver(DEEP, headers={"Content-Type": "application/json", "X-Cal-Signature-256": "0" * 64})

    assert response.status == 401, response.body


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "application/vnd.api+json"])
def test_the_content_type_changes_nothing_for_a_signed_body(
    deliver: Any, store: Any, quiet_log: None, content_type: str
) -> None:
    store.load(base_dataset())
    raw, _ = signed(webhook("BOOKING_CREATED", T1, booking_payload("sync-ct-1")))
    headers = {"Content-Type": content_type, "X-Cal-Signature-256": sign(SECRET, raw)}

    response = deliver(raw, headers=headers)

    assert response.status == 200, response.body
    assert json.loads(response.body)["data"]["applied"] is True
    assert store.booking("sync-ct-1") is not None
