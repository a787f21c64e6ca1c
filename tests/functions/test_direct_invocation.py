"""Direct invocation: the function answers the HTTP envelope plus `statusCode`, never raises (docs/api.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import base_dataset


def test_auto_reassignment_by_direct_invocation(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    answer = invoke({"bookingUid": "b-1", "actorUserId": 1})

    assert answer["statusCode"] == 200
    assert answer["status"] == "success"
    assert answer["data"]["reassignedTo"]["id"] == 3
    assert store.booking("b-1")["userId"] == 3


def test_manual_reassignment_by_direct_invocation_records_reason_and_actor(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    answer = invoke({"bookingUid": "b-1", "actorUserId": 7, "userId": 4, "reason": "escalation"})

    assert answer["statusCode"] == 200
    stored = store.booking("b-1")
    assert (stored["userId"], stored["reassignedById"], stored["reassignReason"]) == (4, 7, "escalation")


def test_permission_applies_to_the_actor(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    answer = invoke({"bookingUid": "b-1", "actorUserId": 6})

    assert answer["statusCode"] == 403
    assert answer["error"]["code"] == "ForbiddenException"


def test_unknown_actor_is_forbidden(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    assert invoke({"bookingUid": "b-1", "actorUserId": 4242})["statusCode"] == 403


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        ({"bookingUid": "nope", "actorUserId": 1}, 404, "NotFoundException"),
        ({"bookingUid": "b-1", "actorUserId": 1, "userId": 999}, 404, "NotFoundException"),
        ({"bookingUid": "b-1", "actorUserId": 1, "userId": 6}, 400, "BadRequestException"),
    ],
)
def test_domain_errors_come_back_as_envelopes(
    invoke: Any, store: Any, event: dict[str, Any], status: int, code: str
) -> None:
    store.load(base_dataset())

    answer = invoke(event)

    assert answer["statusCode"] == status
    assert answer["status"] == "error"
    assert answer["error"]["code"] == code
    assert answer["path"].startswith("/v2/bookings/")


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "b-1",
        {},
        {"bookingUid": "b-1"},
        {"bookingUid": "", "actorUserId": 1},
        {"bookingUid": "b-1", "actorUserId": "one"},
        {"bookingUid": "b-1", "actorUserId": 0},
        {"bookingUid": "b-1", "actorUserId": 1, "userId": -3},
        {"bookingUid": "b-1", "actorUserId": 1, "reason": 42},
        {"bookingUid": "b-1", "actorUserId": 1, "reason": "x" * 501},
        {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": ""},
        {"bookingUid": "u" * 256, "actorUserId": 1},
        {"bookingUid": "b-1", "actorUserId": 10**30},
    ],
)
def test_malformed_events_get_a_400_envelope_and_change_nothing(invoke: Any, store: Any, event: Any) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    answer = invoke(event)

    assert answer["statusCode"] == 400
    assert answer["status"] == "error"
    assert answer["error"]["code"] == "BadRequestException"
    assert answer["error"]["message"]
    assert store.snapshot() == before


def test_unexpected_failure_is_a_500_envelope_not_a_raise(invoke: Any, store: Any, monkeypatch: Any) -> None:
    from reassign_core import runtime

    store.load(base_dataset())

    def explode(*_: Any) -> Any:
        raise KeyError("internal detail")

    monkeypatch.setattr(runtime.reassign_service(), "reassign", explode)
    answer = invoke({"bookingUid": "b-1", "actorUserId": 1})

    assert answer["statusCode"] == 500
    assert answer["error"] == {
        "code": "InternalServerErrorException",
        "message": "Internal server error",
        "details": {},
    }


def test_a_reason_is_recorded_for_manual_reassignments_only(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    answer = invoke({"bookingUid": "b-1", "actorUserId": 1, "reason": "ignored without a userId"})

    assert answer["statusCode"] == 200
    assert "reassignReason" not in store.booking("b-1")


def reassigned_metrics(stdout: str) -> list[Any]:
    """The `Reassigned` values of the metric records (CloudWatch EMF) printed to stdout."""
    values = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            record = json.loads(line)
            if "Reassigned" in record:
                values.append(record["Reassigned"])
    return values


def test_a_reassignment_counts_in_the_metric_but_a_no_op_does_not(
    invoke: Any, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store.load(base_dataset())
    capsys.readouterr()

    assert invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 4})["statusCode"] == 200
    assert reassigned_metrics(capsys.readouterr().out) == [[1.0]]

    again = invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 4})  # already 4's: nothing written
    assert again["statusCode"] == 200
    assert reassigned_metrics(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    "event",
    [
        {"bookingUid": "b-1", "actorUserId": "1"},
        {"bookingUid": "b-1", "actorUserId": True},
        {"bookingUid": "b-1", "actorUserId": 1.0},
        {"bookingUid": "b-1", "actorUserId": 1, "userId": "4"},
        {"bookingUid": "b-1", "actorUserId": 1, "userId": True},
    ],
)
def test_ids_must_be_json_integers(invoke: Any, store: Any, event: dict[str, Any]) -> None:
    store.load(base_dataset())
    before = store.booking("b-1")

    answer = invoke(event)

    assert answer["statusCode"] == 400, answer
    assert store.booking("b-1") == before


@pytest.mark.parametrize(
    "reason", ["a\x00b", "esc\x1b[31m", "line\r\nBcc: x@evil.test", "\u202eevil", "x\u2066y"]
)
def test_a_reason_with_control_or_bidi_characters_is_refused(invoke: Any, store: Any, reason: str) -> None:
    store.load(base_dataset())

    answer = invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 4, "reason": reason})

    assert answer["statusCode"] == 400, answer
    assert "control or bidirectional-override characters" in answer["error"]["message"]
    assert store.booking("b-1")["userId"] != 4


def test_a_plain_reason_with_accents_and_html_is_kept_as_text(invoke: Any, store: Any) -> None:
    store.load(base_dataset())

    answer = invoke(
        {"bookingUid": "b-1", "actorUserId": 1, "userId": 4, "reason": "Réunion <b>urgente</b> 🙂"}
    )

    assert answer["statusCode"] == 200
    assert store.booking("b-1")["reassignReason"] == "Réunion <b>urgente</b> 🙂"
