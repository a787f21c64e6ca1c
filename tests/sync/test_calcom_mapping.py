"""Cal.com's webhook bodies to sync events: what is read, what each trigger means, what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from reassign_core.domain.errors import InvalidRequest
from reassign_core.domain.models import Attendee, BookingStatus
from reassign_core.sync.calcom import parse_event
from reassign_core.sync.signature import is_valid, sign
from tests.sync.payloads import attendee, booking_payload, ooo_payload, webhook

AT = "2026-11-25T10:00:00.538Z"


def parse(body: dict[str, Any]) -> Any:
    return parse_event(json.dumps(body).encode())


def test_a_created_booking_is_read_from_calcoms_payload() -> None:
    event = parse(webhook("BOOKING_CREATED", AT, booking_payload("b-9", organizer=3)))

    assert event.trigger == "BOOKING_CREATED"
    assert event.created_at == datetime(2026, 11, 25, 10, 0, 0, 538000, tzinfo=UTC)
    booking = event.booking
    assert (booking.uid, booking.event_type_id, booking.organizer_id) == ("b-9", 100, 3)
    assert booking.start == datetime(2050, 1, 7, 13, tzinfo=UTC)
    assert booking.end == datetime(2050, 1, 7, 14, tzinfo=UTC)
    assert booking.status is BookingStatus.ACCEPTED
    assert booking.attendees == (Attendee("Alice Guest", "alice@customer.test", "America/New_York"),)
    assert booking.responses["name"] == "Alice Guest"  # {"label", "value"} answers unwrapped
    assert event.replaces_uid is None and event.handled


@pytest.mark.parametrize(
    ("trigger", "stated", "status"),
    [
        ("BOOKING_CREATED", "PENDING", BookingStatus.PENDING),
        ("BOOKING_CREATED", "accepted", BookingStatus.ACCEPTED),
        ("BOOKING_CREATED", None, BookingStatus.ACCEPTED),
        ("BOOKING_REQUESTED", "ACCEPTED", BookingStatus.PENDING),
        ("BOOKING_RESCHEDULED", "ACCEPTED", BookingStatus.ACCEPTED),
        ("BOOKING_CANCELLED", "ACCEPTED", BookingStatus.CANCELLED),
        ("BOOKING_REJECTED", "PENDING", BookingStatus.REJECTED),
    ],
)
def test_each_trigger_leaves_the_booking_in_its_state(
    trigger: str, stated: str | None, status: BookingStatus
) -> None:
    assert parse(webhook(trigger, AT, booking_payload("b-9", status=stated))).booking.status is status


def test_a_reschedule_names_the_booking_it_replaces() -> None:
    event = parse(webhook("BOOKING_RESCHEDULED", AT, booking_payload("new", rescheduleUid="old")))
    assert (event.booking.uid, event.replaces_uid) == ("new", "old")
    assert event.replaced_span is None
    hinted = booking_payload(
        "new",
        rescheduleUid="old",
        rescheduleStartTime="2050-01-06T09:00:00Z",
        rescheduleEndTime="2050-01-06T10:00:00Z",
    )
    span = parse(webhook("BOOKING_RESCHEDULED", AT, hinted)).replaced_span
    assert span == (datetime(2050, 1, 6, 9, tzinfo=UTC), datetime(2050, 1, 6, 10, tzinfo=UTC))
    created = parse(webhook("BOOKING_CREATED", AT, booking_payload("new", rescheduleUid="old")))
    assert created.replaces_uid is None  # only a reschedule cancels another booking


def test_an_out_of_office_entry_is_read_from_ooo_entry() -> None:
    body = webhook("OOO_CREATED", AT, ooo_payload(7, 4, "2050-02-01T00:00:00.000Z", "2050-02-03T00:00:00Z"))
    entry = parse(body).out_of_office
    assert (entry.user_id, entry.start.day, entry.end.day) == (4, 1, 3)


def test_another_trigger_is_not_handled() -> None:
    event = parse(webhook("MEETING_ENDED", AT, booking_payload("b-9")))
    assert not event.handled and event.booking is None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"createdAt": AT, "payload": {}}).encode(), "triggerEvent"),
        (json.dumps(webhook("BOOKING_CREATED", "yesterday", {})).encode(), "createdAt"),
        (json.dumps(webhook("BOOKING_CREATED", "2026-11-25T10:00:00", {})).encode(), "time zone"),
        (json.dumps(webhook("BOOKING_CREATED", AT, {"uid": "x"})).encode(), "payload.startTime"),
        (
            json.dumps(
                webhook("BOOKING_CREATED", AT, booking_payload("x", end="2050-01-07T12:00:00Z"))
            ).encode(),
            "endTime must be after startTime",
        ),
        (
            json.dumps(
                webhook("BOOKING_CREATED", AT, booking_payload("x", attendees=[{"name": "n"}]))
            ).encode(),
            "payload.attendees.0.email",
        ),
        (
            json.dumps(
                webhook("BOOKING_CREATED", AT, {**booking_payload("x"), "organizer": {"id": "2"}})
            ).encode(),
            "payload.organizer.id",
        ),
        (json.dumps(webhook("OOO_CREATED", AT, {})).encode(), "payload.oooEntry"),
    ],
)
def test_a_malformed_body_says_what_is_wrong(body: bytes, says: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_event(body)
    assert says in raised.value.message


def test_attendees_keep_their_order_and_time_zones() -> None:
    guests = [attendee("A", "a@x.test"), attendee("B", "user3@example.test")]
    booking = parse(webhook("BOOKING_CREATED", AT, booking_payload("b", attendees=guests))).booking
    assert [a.email for a in booking.attendees] == ["a@x.test", "user3@example.test"]


# --- the signature ------------------------------------------------------------------------------


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    # RFC 4231 test case 2.
    digest = sign("Jefe", b"what do ya want for nothing?")
    assert digest == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


@pytest.mark.parametrize(
    ("signature", "valid"),
    [
        (sign("s3cret", b"body"), True),
        (sign("s3cret", b"body").upper(), True),  # hex is hex, whatever its case
        (sign("other", b"body"), False),
        (sign("s3cret", b"body "), False),
        ("", False),
        (None, False),
        ("not-hex", False),
    ],
)
def test_only_the_right_signature_of_the_exact_body_is_valid(signature: str | None, valid: bool) -> None:
    assert is_valid("s3cret", b"body", signature) is valid
