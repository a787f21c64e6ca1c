"""The reassign function behind API Gateway: every answer of a well-formed request (the success,
each domain error in the order the checks run, an unexpected failure), through REST events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.assertions import assert_error
from tests.factories import base_dataset, booking


def test_auto_reassignment_answers_the_new_host_and_moves_the_booking(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 200
    assert body["status"] == "success"
    assert body["data"]["bookingUid"] == "b-1"
    assert body["data"]["reassignedTo"] == {
        "id": 3,
        "name": "Host 3",
        "email": "user3@example.test",
        "displayEmail": "user3@example.test",
    }
    stored = store.booking("b-1")
    assert stored["userId"] == 3
    assert stored["title"] == "Discovery call between Host 3 and Bob"
    assert stored["reassignedById"] == 1


def test_manual_reassignment_stores_the_reason(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call(
        "/bookings/b-1/reassign/4", body=json.dumps({"reason": "Customer asked", "extra": 1})
    )

    assert status == 200
    assert body["data"]["reassignedTo"]["id"] == 4
    assert store.booking("b-1")["reassignReason"] == "Customer asked"


def test_manual_reassignment_to_the_current_host_writes_nothing(call: Any, store: Any) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    status, body, _ = call("/bookings/b-1/reassign/2")

    assert status == 200 and body["data"]["reassignedTo"]["id"] == 2
    assert store.snapshot() == before


def test_display_email_drops_the_managed_user_suffix(call: Any, store: Any) -> None:
    data = base_dataset()
    data["users"][2]["email"] = "three+clxyz0123456789abcdefghij@example.test"
    store.load(data)

    _, body, _ = call("/bookings/b-1/reassign/3")

    assert body["data"]["reassignedTo"]["email"] == "three+clxyz0123456789abcdefghij@example.test"
    assert body["data"]["reassignedTo"]["displayEmail"] == "three@example.test"


def test_unknown_booking_is_404(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/nope/reassign")

    assert status == 404
    assert_error(body, "NotFoundException", "Booking with uid=nope was not found in the database")


def test_unknown_target_user_is_404(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/b-1/reassign/999")

    assert status == 404
    assert_error(body, "NotFoundException", "User with id=999 was not found in the database")


def test_caller_without_rights_is_403(call: Any, store: Any) -> None:
    store.load(base_dataset())
    before = store.snapshot()

    status, body, _ = call("/bookings/b-1/reassign", user_id=6)

    assert status == 403
    assert_error(body, "ForbiddenException", "You do not have permission to reassign this booking")
    assert store.snapshot() == before


def test_booking_that_is_not_round_robin_is_400(call: Any, store: Any) -> None:
    data = base_dataset()
    data["eventTypes"][0]["schedulingType"] = "COLLECTIVE"
    store.load(data)

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 400
    assert_error(body, "BadRequestException", "Booking with uid=b-1 is not a round robin booking")


@pytest.mark.parametrize("state", ["CANCELLED", "REJECTED"])
def test_cancelled_or_rejected_booking_is_400(call: Any, store: Any, state: str) -> None:
    data = base_dataset()
    data["bookings"][0]["status"] = state
    store.load(data)

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 400
    assert_error(
        body, "BadRequestException", f"Booking with uid=b-1 is {state.lower()} and cannot be reassigned"
    )


def test_booking_that_has_ended_is_400_and_unchanged(call: Any, store: Any) -> None:
    data = base_dataset()
    data["bookings"][0] |= {"startTime": "2020-01-07T13:00:00Z", "endTime": "2020-01-07T14:00:00Z"}
    store.load(data)
    before = store.booking("b-1")

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 400
    assert_error(
        body, "BadRequestException", "Booking with uid=b-1 has already ended and cannot be reassigned"
    )
    assert store.booking("b-1") == before


def test_cancelled_booking_that_has_ended_reads_as_cancelled(call: Any, store: Any) -> None:
    data = base_dataset()
    data["bookings"][0] |= {
        "status": "CANCELLED",
        "startTime": "2020-01-07T13:00:00Z",
        "endTime": "2020-01-07T14:00:00Z",
    }
    store.load(data)

    status, body, _ = call("/bookings/b-1/reassign")

    assert (status, body["error"]["message"]) == (
        400,
        "Booking with uid=b-1 is cancelled and cannot be reassigned",
    )


def test_no_available_host_is_400(call: Any, store: Any) -> None:
    data = base_dataset()
    data["outOfOffice"] = [
        {"userId": u, "start": "2050-01-07T00:00:00Z", "end": "2050-01-08T00:00:00Z"} for u in (3, 4)
    ]
    store.load(data)
    before = store.snapshot()

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 400
    assert_error(
        body,
        "BadRequestException",
        "Can't reassign the booking because no other host is available at that time.",
    )
    assert store.snapshot() == before


def test_manual_target_that_is_a_fixed_host_is_400(call: Any, store: Any) -> None:
    store.load(base_dataset(fixed=(8,)))

    status, body, _ = call("/bookings/b-1/reassign/8")

    assert status == 400
    assert_error(
        body,
        "BadRequestException",
        "User with id=8 is not a valid Round Robin host - the user to which you reassign this booking "
        "must be one of the booking hosts.",
    )


def test_manual_target_that_is_not_a_host_is_400(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, body, _ = call("/bookings/b-1/reassign/6")

    assert status == 400
    assert body["error"]["message"].startswith("User with id=6 is not a valid Round Robin host")


def test_manual_reassignment_skips_the_availability_check(call: Any, store: Any) -> None:
    data = base_dataset()
    data["outOfOffice"] = [{"userId": 4, "start": "2050-01-07T00:00:00Z", "end": "2050-01-08T00:00:00Z"}]
    store.load(data)

    status, body, _ = call("/bookings/b-1/reassign/4")

    assert status == 200 and body["data"]["reassignedTo"]["id"] == 4


def test_permission_is_checked_before_the_booking_state(call: Any, store: Any) -> None:
    data = base_dataset()
    data["bookings"][0]["status"] = "CANCELLED"
    store.load(data)

    status, _, _ = call("/bookings/b-1/reassign", user_id=6)

    assert status == 403


def test_booking_not_found_is_checked_before_permission(call: Any, store: Any) -> None:
    store.load(base_dataset())

    status, _, _ = call("/bookings/nope/reassign", user_id=6)

    assert status == 404


def test_unexpected_failure_is_a_bare_500_envelope(call: Any, store: Any, monkeypatch: Any) -> None:
    from reassign_core import runtime

    store.load(base_dataset())

    def explode(*_: Any) -> Any:
        raise RuntimeError("secret internals: table DataTable broke")

    monkeypatch.setattr(runtime.reassign_service(), "reassign", explode)
    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 500
    assert_error(body, "InternalServerErrorException", "Internal server error")
    assert "DataTable" not in json.dumps(body)


def test_writes_audit_and_outbox_records_in_the_same_transaction(call: Any, store: Any) -> None:
    store.load(base_dataset())

    call("/bookings/b-1/reassign/3", body=json.dumps({"reason": "swap"}))

    audits = [i for i in store.scan() if i["PK"] == "BOOKING#b-1" and i["SK"].startswith("AUDIT#")]
    events = store.scan("OutboxTable")
    assert len(audits) == 1 and len(events) == 1
    for record in (audits[0], events[0]):
        assert record["type"] == "BOOKING_REASSIGNED"
        assert (record["fromUserId"], record["toUserId"], record["reassignedById"]) == (2, 3, 1)
        assert (record["reassignType"], record["reason"]) == ("manual", "swap")
    assert events[0]["expiresAt"] > 0


def test_fixed_organizer_keeps_the_booking_and_the_round_robin_attendee_is_swapped(
    call: Any, store: Any
) -> None:
    data = base_dataset(fixed=(8,))
    data["bookings"] = [
        booking(
            "b-1",
            8,
            attendees=[
                {"name": "Bob", "email": "bob@customer.test", "timeZone": "UTC"},
                {"name": "Host 2", "email": "user2@example.test", "timeZone": "UTC"},
            ],
        )
    ]
    store.load(data)

    status, body, _ = call("/bookings/b-1/reassign")

    assert status == 200
    assert body["data"]["reassignedTo"]["id"] == 3  # the new round-robin host, not the organizer
    stored = store.booking("b-1")
    assert stored["userId"] == 8
    assert stored["title"] == "Discovery call between someone and Bob"
    assert [a["email"] for a in stored["attendees"]] == ["bob@customer.test", "user3@example.test"]


def test_manual_target_already_attending_keeps_one_seat(call: Any, store: Any) -> None:
    data = base_dataset(fixed=(8,))
    data["bookings"] = [
        booking(
            "b-1",
            8,
            attendees=[
                {"name": "Bob", "email": "bob@customer.test", "timeZone": "UTC"},
                {"name": "Host 2", "email": "user2@example.test", "timeZone": "UTC"},
                {"name": "Host 3", "email": "user3@example.test", "timeZone": "UTC"},
            ],
        )
    ]
    store.load(data)

    status, _, _ = call("/bookings/b-1/reassign/3")

    assert status == 200
    assert [a["email"] for a in store.booking("b-1")["attendees"]] == [
        "bob@customer.test",
        "user3@example.test",
    ]
