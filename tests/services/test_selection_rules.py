"""The choice of host (docs/selection.md) through the real service: dataset → loader → store → invocation.

The unit tests pin each rule on the pure functions; these show the rules survive the loader's
derived items (calendars, stats, counters) and the repository's reads and writes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import base_dataset, booking, schedule
from tests.property.store_state import derived_drift, service_clock

OWNER = 1  # team 5's OWNER in base_dataset
NO_HOST = "Can't reassign the booking because no other host is available at that time."


def reassign(invoke: Any, uid: str = "b-1") -> dict[str, Any]:
    return invoke({"bookingUid": uid, "actorUserId": OWNER})


def winner(result: dict[str, Any]) -> int:
    assert result["statusCode"] == 200, result
    return result["data"]["reassignedTo"]["id"]


def event_type(dataset: dict[str, Any]) -> dict[str, Any]:
    return dataset["eventTypes"][0]


def slot(uid: str, organizer: int, start: str, minutes: int = 60, **extra: Any) -> dict[str, Any]:
    """A booking of event type 100 starting at `start` (UTC, no `Z`) for `minutes`."""
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    end = (begin + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return booking(uid, organizer, start=begin.strftime("%Y-%m-%dT%H:%M:%SZ"), end=end, **extra)


def attending(user_id: int, email: str | None = None) -> dict[str, str]:
    return {"name": f"Attendee {user_id}", "email": email or f"user{user_id}@example.test", "timeZone": "UTC"}


# --- availability -------------------------------------------------------------------------------


def test_host_outside_rome_hours_in_winter_is_skipped_for_one_inside(store: Any, invoke: Any) -> None:
    # b-1 is 13:00-14:00 UTC on Friday 2050-01-07 = 14:00-15:00 in Rome (CET).
    dataset = base_dataset(round_robin=(2, 3, 4))
    office = [{"days": [1, 2, 3, 4, 5], "startTime": "09:00", "endTime": "14:30"}]
    dataset["schedules"] = [
        schedule(1002, 2),
        schedule(1003, 3, office, time_zone="Europe/Rome"),  # ends 13:30 UTC: too early
        schedule(1004, 4, [{"days": [5], "startTime": "14:00", "endTime": "15:00"}], time_zone="Europe/Rome"),
    ]
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_host_attending_another_booking_by_email_is_busy(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    other = booking("b-2", 6, start="2050-01-07T13:30:00Z", end="2050-01-07T14:30:00Z", eventTypeId=None)
    other["attendees"].append(attending(3, "USER3@Example.TEST"))
    dataset["bookings"].append(other)
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_cancelled_and_rejected_bookings_do_not_block_a_host(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    for uid, status in (("b-2", "CANCELLED"), ("b-3", "REJECTED")):
        dataset["bookings"].append(booking(uid, 3, status=status))
    dataset["bookings"].append(booking("b-4", 4, status="PENDING"))  # pending does block
    store.load(dataset)

    assert winner(reassign(invoke)) == 3


def test_after_buffer_makes_a_back_to_back_booking_conflict(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    event_type(dataset)["afterEventBuffer"] = 15
    # Another event type's booking: it blocks time but does not count as host 3's round-robin history.
    dataset["bookings"].append(slot("b-2", 3, "2050-01-07T14:10", 50, eventTypeId=None))
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_instants_with_an_offset_land_on_their_utc_day(store: Any, invoke: Any) -> None:
    # 2050-01-08T00:45+05:30 is 2050-01-07T19:15Z: it must block host 3 on the 7th (UTC).
    dataset = base_dataset(round_robin=(2, 3, 4))
    dataset["bookings"][0] |= {"startTime": "2050-01-07T19:00:00Z", "endTime": "2050-01-07T20:00:00Z"}
    dataset["bookings"].append(
        booking(
            "b-2", 3, start="2050-01-08T00:45:00+05:30", end="2050-01-08T01:45:00+05:30", eventTypeId=None
        )
    )
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_out_of_office_host_is_skipped(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    dataset["outOfOffice"] = [{"userId": 3, "start": "2050-01-07T00:00:00Z", "end": "2050-01-08T00:00:00Z"}]
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_nobody_available_is_a_400_and_nothing_changes(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3))
    day_off = {"date": "2050-01-07", "startTime": "00:00", "endTime": "00:00"}
    dataset["schedules"][1]["dateOverrides"] = [day_off]
    store.load(dataset)
    before = store.snapshot()

    result = reassign(invoke)

    assert (result["statusCode"], result["error"]["message"]) == (400, NO_HOST)
    assert store.snapshot() == before


# --- the lucky host ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # March: host 2 has b-1, host 3 one booking, host 4 two: T = 4, share 1.33 → host 3 (0.33).
        (datetime(2050, 3, 10, 12, tzinfo=UTC), 3),
        # Late February: host 3 has three, host 4 none (b-1 counts in March): T = 3 → host 4 (1).
        (datetime(2050, 2, 28, 23, 59, 30, tzinfo=UTC), 4),
    ],
    ids=["march", "february"],
)
def test_weighted_created_at_counts_bookings_created_in_the_utc_month_of_now(
    store: Any, invoke: Any, now: datetime, expected: int
) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    event_type(dataset).update(
        {"isRRWeightsEnabled": True, "rrResetInterval": "MONTH", "rrTimestampBasis": "CREATED_AT"}
    )
    dataset["bookings"][0]["createdAt"] = "2050-03-01T00:00:00Z"
    # b-1 itself takes place after both "now"s: an ended booking is not reassigned.
    dataset["bookings"][0].update(startTime="2050-03-18T13:00:00Z", endTime="2050-03-18T14:00:00Z")
    created = [
        (3, "2050-02-27T10:00:00Z"), (3, "2050-02-27T11:00:00Z"), (3, "2050-02-28T23:59:00Z"),
        (3, "2050-03-01T00:00:00Z"), (4, "2050-03-02T00:00:00Z"), (4, "2050-03-09T00:00:00Z"),
    ]  # fmt: skip
    for index, (host, at) in enumerate(created):
        dataset["bookings"].append(slot(f"old-{index}", host, "2050-02-01T10:00", 30, createdAt=at))
    store.load(dataset)

    with service_clock(now):
        assert winner(reassign(invoke)) == expected


def test_weighted_start_time_counts_bookings_starting_on_this_bookings_utc_day(
    store: Any, invoke: Any
) -> None:
    # DAY/START_TIME: only bookings starting on 2050-01-07 (UTC) count. Host 3 has two that day,
    # host 4 has five on the 6th: host 4 is furthest below its share for the 7th.
    dataset = base_dataset(round_robin=(2, 3, 4))
    event_type(dataset).update(
        {"isRRWeightsEnabled": True, "rrResetInterval": "DAY", "rrTimestampBasis": "START_TIME"}
    )
    for index in range(2):
        dataset["bookings"].append(
            booking(f"d7-{index}", 3, start=f"2050-01-07T0{index}:00:00Z", end=f"2050-01-07T0{index}:30:00Z")
        )
    for index in range(5):
        dataset["bookings"].append(
            booking(f"d6-{index}", 4, start=f"2050-01-06T1{index}:00:00Z", end=f"2050-01-06T1{index}:30:00Z")
        )
    store.load(dataset)

    assert winner(reassign(invoke)) == 4


def test_weighted_share_uses_the_hosts_real_weight(store: Any, invoke: Any) -> None:
    # START_TIME/MONTH, January: host 3 (weight 300) has 2 bookings, host 4 (weight 100) has 1, b-1 is
    # host 2's (weight 0). T = 4, W = 400 → host 3: 3 - 2 = 1; host 4: 1 - 1 = 0 → host 3.
    # With every host's weight read as 100, host 3: 1 - 2 = -1 < host 4: 1 - 1 = 0: host 4 would win.
    dataset = base_dataset(round_robin=(2, 3, 4))
    event_type(dataset).update({"isRRWeightsEnabled": True, "rrTimestampBasis": "START_TIME"})
    weights = {2: 0, 3: 300, 4: 100}
    for h in event_type(dataset)["hosts"]:
        h["weight"] = weights[h["userId"]]
    for uid, host, day in (("w-1", 3, "02"), ("w-2", 3, "03"), ("w-3", 4, "04")):
        dataset["bookings"].append(slot(uid, host, f"2050-01-{day}T10:00"))
    store.load(dataset)

    assert winner(reassign(invoke)) == 3


def test_higher_priority_beats_least_recently_booked(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3, 4))
    priorities = {2: 2, 3: 2, 4: 3}
    for h in event_type(dataset)["hosts"]:
        h["priority"] = priorities[h["userId"]]
    dataset["bookings"].append(booking("b-2", 4, start="2050-01-01T10:00:00Z", end="2050-01-01T11:00:00Z"))
    store.load(dataset)

    assert winner(reassign(invoke)) == 4  # host 3 was never booked, but host 4 has priority 3


def test_least_recently_booked_counts_bookings_attended_by_email(store: Any, invoke: Any) -> None:
    # Host 3 organized a booking created long ago; host 4 only *attended* one created recently.
    dataset = base_dataset(round_robin=(2, 3, 4))
    old = slot("b-2", 3, "2050-01-01T10:00", createdAt="2026-01-01T00:00:00Z")
    recent = slot("b-3", 2, "2050-01-02T10:00", createdAt="2026-11-01T00:00:00Z")
    recent["attendees"].append(attending(4, "user4@EXAMPLE.test"))
    dataset["bookings"] += [old, recent]
    store.load(dataset)

    assert winner(reassign(invoke)) == 3


def test_never_booked_hosts_go_first_then_host_order(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 5, 4, 3))
    dataset["bookings"].append(booking("b-2", 5, start="2050-01-01T10:00:00Z", end="2050-01-01T11:00:00Z"))
    store.load(dataset)

    assert winner(reassign(invoke)) == 4  # 5 was booked; 4 and 3 never were, and 4 comes first


def test_reassigning_again_takes_the_new_bookkeeping_into_account(store: Any, invoke: Any) -> None:
    # b-1 (created 2026-11-20) moves 2 → 3; then 3 holds it and 2 is never-booked again: back to 2.
    store.load(base_dataset(round_robin=(2, 3, 4)))

    assert winner(reassign(invoke)) == 3
    assert winner(reassign(invoke)) == 2
    assert winner(reassign(invoke)) == 3


# --- the write ------------------------------------------------------------------------------------


def test_round_robin_organizer_is_replaced_and_title_regenerated(store: Any, invoke: Any) -> None:
    store.load(base_dataset(round_robin=(2, 3)))

    assert winner(reassign(invoke)) == 3

    stored = store.booking("b-1")
    assert stored["userId"] == 3
    assert stored["title"] == "Discovery call between Host 3 and Bob"
    assert [a["email"] for a in stored["attendees"]] == ["bob@customer.test"]


def test_event_name_template_shapes_the_regenerated_title(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(2, 3))
    event_type(dataset)["eventName"] = "{Scheduler} <> {Organiser} ({Event type title})"
    dataset["bookings"][0]["responses"] = {}
    dataset["bookings"][0]["attendees"][0]["name"] = "Bobby"
    store.load(dataset)

    reassign(invoke)

    assert store.booking("b-1")["title"] == "Bobby <> Host 3 (Discovery call)"


def test_fixed_organizer_stays_and_the_round_robin_attendee_is_replaced(store: Any, invoke: Any) -> None:
    dataset = base_dataset(round_robin=(3, 4), fixed=(2,))
    dataset["bookings"][0]["attendees"].append(attending(3))
    store.load(dataset)

    result = reassign(invoke)

    assert winner(result) == 4  # reassignedTo is the new round-robin host, not the organizer
    stored = store.booking("b-1")
    assert stored["userId"] == 2
    assert stored["title"] == dataset["bookings"][0]["title"]
    assert stored["attendees"] == [
        {"name": "Bob", "email": "bob@customer.test", "timeZone": "Europe/London"},
        {"name": "Host 4", "email": "user4@example.test", "timeZone": "UTC"},
    ]


def test_bookkeeping_after_reassignments_equals_a_fresh_load_of_the_bookings(store: Any, invoke: Any) -> None:
    # A mix: round-robin organizer, fixed organizer with a round-robin attendee, a pending booking,
    # weights on, bookings across UTC midnight. After each reassignment, calendars, last-booked
    # times, timelines and counters must equal what loading the current bookings would give.
    dataset = base_dataset(round_robin=(3, 4, 5), fixed=(2,))
    event_type(dataset)["isRRWeightsEnabled"] = True
    dataset["bookings"] = [
        slot("b-1", 3, "2050-01-07T23:30"),
        slot("b-2", 2, "2050-01-09T10:00", createdAt="2026-11-21T08:00:00Z"),
        slot("b-3", 4, "2050-01-10T10:00", status="PENDING"),
    ]
    dataset["bookings"][1]["attendees"].append(attending(5, "User5@example.test"))
    store.load(dataset)

    for uid in ("b-1", "b-2", "b-3", "b-1", "b-2"):
        winner(reassign(invoke, uid))
        assert derived_drift(store.scan(), dataset) == []
