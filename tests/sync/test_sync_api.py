"""POST /v2/sync/calcom through the local API (the real template: no Bearer authorizer on this
route), with signed requests: every trigger, the signature, idempotency, order, tombstones, unknown
people, bad input. After every applied event the derived items equal a fresh recomputation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from reassign_core.store import keys
from tests.factories import OWNER_KEY, LambdaContext, base_dataset, http_event
from tests.sync.conftest import drift
from tests.sync.payloads import attendee, booking_payload, ooo_payload, signed, webhook

T1, T2, T3 = "2026-11-25T10:00:00.000Z", "2026-11-25T11:00:00.000Z", "2026-11-25T12:00:00.000Z"


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = base_dataset()  # round-robin hosts 2, 3, 4 of event type 100; b-1 held by 2
    store.load(dataset)
    return dataset


def answer(response: Any) -> dict[str, Any]:
    assert response.status == 200, response.body
    body = response.json()
    assert body["status"] == "success"
    return dict(body["data"])


def busy_uids(store: Any, user_id: int, day: str = "2050-01-07") -> set[str]:
    item = store.item({"PK": keys.calendar_partition(user_id), "SK": f"DAY#{day}"})
    return set((item or {}).get("busy", {}))


def test_a_created_booking_makes_its_host_busy_and_is_counted(deliver: Any, store: Any, data: Any) -> None:
    body = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))

    assert answer(deliver(body)) == {"applied": True, "triggerEvent": "BOOKING_CREATED", "uid": "cal-1"}

    stored = store.booking("cal-1")
    assert (stored["status"], stored["userId"], stored["eventTypeId"]) == ("ACCEPTED", 3, 100)
    assert stored["attendees"][0]["email"] == "alice@customer.test"
    assert busy_uids(store, 3) == {"cal-1"}
    assert store.last_booked(100, 3) == T1
    assert drift(store.scan(), data) == []


def test_a_requested_booking_is_pending_and_holds_time_but_is_not_counted(
    deliver: Any, store: Any, data: Any
) -> None:
    answer(deliver(webhook("BOOKING_REQUESTED", T1, booking_payload("cal-1", organizer=3, status="PENDING"))))

    assert store.booking("cal-1")["status"] == "PENDING"
    assert busy_uids(store, 3) == {"cal-1"}
    assert store.item(keys.host_stats(100, 3)) is None
    assert drift(store.scan(), data) == []


def test_a_reschedule_cancels_the_old_booking_and_stores_the_new_one(
    deliver: Any, store: Any, data: Any
) -> None:
    moved = booking_payload(
        "b-2", start="2050-01-09T09:00:00Z", end="2050-01-09T10:00:00Z", rescheduleUid="b-1"
    )

    assert answer(deliver(webhook("BOOKING_RESCHEDULED", T1, moved)))["uid"] == "b-2"

    assert store.booking("b-1")["status"] == "CANCELLED"
    assert store.booking("b-2")["status"] == "ACCEPTED"
    assert busy_uids(store, 2) == set()
    assert busy_uids(store, 2, "2050-01-09") == {"b-2"}
    assert drift(store.scan(), data) == []


def test_a_reschedule_of_a_booking_never_seen_stores_the_new_one(deliver: Any, store: Any, data: Any) -> None:
    answer(deliver(webhook("BOOKING_RESCHEDULED", T1, booking_payload("b-2", rescheduleUid="unknown"))))
    assert store.booking("unknown") is None
    assert store.booking("b-2")["status"] == "ACCEPTED"
    assert drift(store.scan(), data) == []


@pytest.mark.parametrize(
    ("trigger", "status"), [("BOOKING_CANCELLED", "CANCELLED"), ("BOOKING_REJECTED", "REJECTED")]
)
def test_a_cancellation_or_rejection_frees_the_host(
    deliver: Any, store: Any, data: Any, trigger: str, status: str
) -> None:
    assert busy_uids(store, 2) == {"b-1"}

    assert answer(deliver(webhook(trigger, T1, booking_payload("b-1", organizer=2))))["applied"] is True

    assert store.booking("b-1")["status"] == status
    assert busy_uids(store, 2) == set()
    assert store.last_booked(100, 2) is None
    assert drift(store.scan(), data) == []


def test_an_out_of_office_entry_marks_the_users_days(deliver: Any, store: Any, data: Any) -> None:
    body = webhook(
        "OOO_CREATED", T1, ooo_payload(7, 4, "2050-01-07T00:00:00.000Z", "2050-01-09T00:00:00.000Z")
    )

    assert answer(deliver(body)) == {"applied": True, "triggerEvent": "OOO_CREATED", "uid": None}
    assert answer(deliver(body))["applied"] is False  # the same entry again

    day = store.item(keys.calendar_day(4, date(2050, 1, 8)))
    assert day["ooo"] == ["2050-01-07T00:00:00.000Z/2050-01-09T00:00:00.000Z"]
    assert drift(store.scan(), data) == []


@pytest.mark.parametrize("trigger", ["MEETING_ENDED", "BOOKING_PAID", "PING", "BOOKING_NO_SHOW_UPDATED"])
def test_any_other_trigger_is_acknowledged_and_writes_nothing(
    deliver: Any, store: Any, data: Any, trigger: str
) -> None:
    before = store.snapshot()
    assert answer(deliver(webhook(trigger, T1, booking_payload("cal-1")))) == {
        "applied": False,
        "triggerEvent": trigger,
        "uid": None,
    }
    assert store.snapshot() == before


def test_the_same_delivery_twice_changes_nothing_the_second_time(deliver: Any, store: Any, data: Any) -> None:
    body = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))
    assert answer(deliver(body))["applied"] is True
    after_first = store.snapshot()

    assert answer(deliver(body))["applied"] is False
    assert store.snapshot() == after_first


def test_an_older_event_never_overwrites_a_newer_state(deliver: Any, store: Any, data: Any) -> None:
    late = booking_payload("cal-1", organizer=3, start="2050-01-08T09:00:00Z", end="2050-01-08T10:00:00Z")
    answer(deliver(webhook("BOOKING_CREATED", T2, late)))

    stale = booking_payload("cal-1", organizer=3)  # an older copy, at another time
    assert answer(deliver(webhook("BOOKING_CREATED", T1, stale)))["applied"] is False

    assert store.booking("cal-1")["startTime"] == "2050-01-08T09:00:00.000Z"
    assert busy_uids(store, 3) == set()
    assert drift(store.scan(), data) == []


def test_a_cancellation_of_a_booking_never_seen_stops_an_older_creation(
    deliver: Any, store: Any, data: Any
) -> None:
    assert answer(deliver(webhook("BOOKING_CANCELLED", T2, booking_payload("cal-1", organizer=3))))["applied"]

    assert (
        answer(deliver(webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))))["applied"]
        is False
    )

    assert store.booking("cal-1")["status"] == "CANCELLED"
    assert busy_uids(store, 3) == set()
    assert drift(store.scan(), data) == []


def test_a_cancelled_booking_stays_cancelled(deliver: Any, store: Any, data: Any) -> None:
    answer(deliver(webhook("BOOKING_CANCELLED", T1, booking_payload("b-1", organizer=2))))

    assert (
        answer(deliver(webhook("BOOKING_CREATED", T3, booking_payload("b-1", organizer=2))))["applied"]
        is False
    )
    assert store.booking("b-1")["status"] == "CANCELLED"
    assert busy_uids(store, 2) == set()


def test_a_pending_booking_accepted_later_is_counted(deliver: Any, store: Any, data: Any) -> None:
    answer(deliver(webhook("BOOKING_REQUESTED", T1, booking_payload("cal-1", organizer=4, status="PENDING"))))
    answer(deliver(webhook("BOOKING_CREATED", T2, booking_payload("cal-1", organizer=4, status="ACCEPTED"))))

    assert store.booking("cal-1")["status"] == "ACCEPTED"
    assert store.last_booked(100, 4) == T1  # counted from its creation
    assert drift(store.scan(), data) == []


def test_unknown_event_type_and_organizer_still_make_their_people_busy(
    deliver: Any, store: Any, data: Any
) -> None:
    guests = [attendee("Guest", "guest@customer.test"), attendee("Host Three", "USER3@example.test")]
    body = webhook(
        "BOOKING_CREATED", T1, booking_payload("cal-1", organizer=555, event_type_id=999, attendees=guests)
    )

    assert answer(deliver(body))["applied"] is True

    assert store.booking("cal-1")["eventTypeId"] == 999
    assert busy_uids(store, 555) == {"cal-1"}  # the organizer, unknown to the store
    assert "cal-1" in busy_uids(store, 3)  # an attendee who is a user, matched by email
    assert busy_uids(store, 2) == {"b-1"}
    stored = store.booking("cal-1")
    assert (stored["people"], stored["roundRobinPeople"]) == ([3, 555], [])  # counted for no host
    assert not [
        i for i in store.scan() if i["PK"].startswith(("ETHOST#999#", "ETCOUNT#999", "EVENTTYPE#999"))
    ]


def test_a_booking_without_event_type_is_stored(deliver: Any, store: Any, data: Any) -> None:
    answer(deliver(webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3, event_type_id=None))))
    assert busy_uids(store, 3) == {"cal-1"}
    assert drift(store.scan(), data) == []


def test_a_synced_booking_makes_the_reassignment_pick_someone_else(
    deliver: Any, store: Any, data: Any, reassign_app: Any
) -> None:
    """b-1 (2050-01-07 13:00-14:00) held by 2: host 3 had the lowest load, but Cal.com books 3 then."""
    answer(deliver(webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))))

    response = reassign_app.lambda_handler(http_event("/bookings/b-1/reassign"), LambdaContext())
    assert response["statusCode"] == 200, response["body"]
    assert json.loads(response["body"])["data"]["reassignedTo"]["id"] == 4


# --- refusals: nothing written --------------------------------------------------------------------


def test_a_missing_or_wrong_signature_is_a_401_and_writes_nothing(
    sync_api: Any, store: Any, data: Any
) -> None:
    body = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))
    raw, headers = signed(body)
    before = store.snapshot()
    for sent in (
        {"Content-Type": "application/json"},
        {**headers, "X-Cal-Signature-256": signed(body, "another-secret")[1]["X-Cal-Signature-256"]},
        {**headers, "X-Cal-Signature-256": ""},
    ):
        response = sync_api.handle("POST", "/v2/sync/calcom", sent, raw)
        assert response.status == 401, response.body
        assert response.json()["error"]["code"] == "UnauthorizedException"
    tampered = raw.replace(b"cal-1", b"cal-2")
    assert sync_api.handle("POST", "/v2/sync/calcom", headers, tampered).status == 401
    assert store.snapshot() == before


def test_no_bearer_token_is_needed_nor_enough(sync_api: Any, store: Any, data: Any) -> None:
    raw = json.dumps(webhook("BOOKING_CREATED", T1, booking_payload("cal-1"))).encode()
    response = sync_api.handle("POST", "/v2/sync/calcom", {"Authorization": f"Bearer {OWNER_KEY}"}, raw)
    assert response.status == 401
    assert store.booking("cal-1") is None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"triggerEvent": "BOOKING_CREATED", "payload": {}}).encode(), "createdAt"),
        (json.dumps(webhook("BOOKING_CREATED", T1, {"uid": "cal-1"})).encode(), "payload.startTime"),
        (
            json.dumps(
                webhook("BOOKING_CREATED", T1, booking_payload("cal-1", end="2050-01-07T12:00:00Z"))
            ).encode(),
            "endTime must be after startTime",
        ),
    ],
)
def test_a_malformed_body_is_a_400_and_writes_nothing(
    deliver: Any, store: Any, data: Any, body: bytes, says: str
) -> None:
    before = store.snapshot()
    response = deliver(body)
    assert response.status == 400, response.body
    error = response.json()["error"]
    assert error["code"] == "BadRequestException" and says in error["message"]
    assert store.snapshot() == before


def test_an_oversized_body_is_a_413(deliver: Any, store: Any, data: Any) -> None:
    payload = booking_payload("cal-1", description="x" * 300_000)
    before = store.snapshot()
    response = deliver(webhook("BOOKING_CREATED", T1, payload))
    assert response.status == 413
    assert response.json()["error"]["code"] == "PayloadTooLargeException"
    assert store.snapshot() == before
