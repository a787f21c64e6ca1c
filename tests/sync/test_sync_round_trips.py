"""Sequential round trips per event: one read round and the transaction, also when an attendee is a
user (their items are read ahead, as the email directory read at start or an earlier event says).
A wrong guess costs a read, never a wrong write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reassign_core.domain.errors import StoreUnavailable
from reassign_core.services.sync import SyncService, UserHints
from reassign_core.store import codec, keys
from reassign_core.store.codec import to_wire
from reassign_core.store.sync_store import SyncStore
from reassign_core.sync.calcom import parse_event
from reassign_core.sync_runtime import hints_from_directory
from tests.factories import base_dataset
from tests.sync.conftest import drift
from tests.sync.payloads import attendee, booking_payload, webhook

T1, T2, T3 = "2026-11-25T10:00:00.000Z", "2026-11-25T11:00:00.000Z", "2026-11-25T12:00:00.000Z"
HOST_3 = attendee("Host 3", "USER3@example.test")  # a round-robin host of event type 100, by email


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = base_dataset()  # round-robin hosts 2, 3, 4 of event type 100
    store.load(dataset)
    return dataset


@pytest.fixture
def sync_store(store: Any) -> Iterator[SyncStore]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield SyncStore(store.client, store.tables["DataTable"], executor)


def rounds(service: SyncService, sync_store: SyncStore, body: dict[str, Any]) -> int:
    raw = json.dumps(body).encode()
    before = sync_store.round_trips
    assert service.ingest(parse_event(raw), raw).applied
    return sync_store.round_trips - before


def moved_to(
    uid: str, old_uid: str, organizer: int, attendees: list[dict[str, Any]], at: str
) -> dict[str, Any]:
    """A reschedule of `old_uid` (placed at the payload defaults' time) to the next day, as Cal.com
    sends it: the replaced booking's uid and time (events/sync-booking-rescheduled.json)."""
    payload = booking_payload(
        uid,
        organizer=organizer,
        start="2050-01-08T13:00:00.000Z",
        end="2050-01-08T14:00:00.000Z",
        attendees=attendees,
        rescheduleUid=old_uid,
        rescheduleStartTime="2050-01-07T13:00:00.000Z",
        rescheduleEndTime="2050-01-07T14:00:00.000Z",
    )
    return webhook("BOOKING_RESCHEDULED", at, payload)


def test_with_the_email_directory_every_event_takes_two_round_trips(
    sync_store: SyncStore, store: Any, data: Any
) -> None:
    service = SyncService(sync_store, hints_from_directory(sync_store))  # as the function starts
    first = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[HOST_3]))
    moved = moved_to("cal-2", "cal-1", organizer=2, attendees=[HOST_3], at=T2)
    cancelled = webhook("BOOKING_CANCELLED", T3, {**moved["payload"], "rescheduleUid": None})

    assert [rounds(service, sync_store, body) for body in (first, moved, cancelled)] == [2, 2, 2]

    assert store.last_booked(100, 3) is None  # counted, then not
    assert drift(store.scan(), data) == []


def test_a_reschedule_to_other_people_takes_the_replaced_booking_from_them_unread(
    sync_store: SyncStore, store: Any, data: Any
) -> None:
    service = SyncService(sync_store, hints_from_directory(sync_store))
    created = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[HOST_3]))
    assert rounds(service, sync_store, created) == 2

    # Cal.com gave the new time to host 4: hosts 2 and 3 are known only once cal-1 is read, so what
    # they lose (a calendar entry, a timeline entry) is taken away blind in the same transaction.
    assert rounds(service, sync_store, moved_to("cal-2", "cal-1", organizer=4, attendees=[], at=T2)) == 2

    assert store.last_booked(100, 2) == "2026-11-20T08:00:00.000Z"  # back to its loaded booking
    assert store.last_booked(100, 4) == T2
    assert drift(store.scan(), data) == []


def test_when_a_host_may_lose_its_last_known_booking_the_event_is_applied_again_reading_it(
    sync_store: SyncStore, store: Any, data: Any
) -> None:
    service = SyncService(sync_store, hints_from_directory(sync_store))
    made = [f"2026-11-25T0{hour}:00:00.000Z" for hour in range(1, 6)]
    for n, at in enumerate(made):  # five bookings: host 2's stats keep the newest three
        assert (
            rounds(
                service, sync_store, webhook("BOOKING_CREATED", at, booking_payload(f"cal-{n}", organizer=2))
            )
            == 2
        )

    moves = [
        rounds(
            service,
            sync_store,
            moved_to(f"new-{n}", f"cal-{n}", organizer=4, attendees=[], at=f"2026-11-26T0{n}:00:00.000Z"),
        )
        for n in (4, 3, 2)
    ]

    # Two are taken from the newest kept, unread; the third would leave none known: it fails its
    # condition and is applied again reading host 2's items (read, failed write; read, host 2's
    # days and stats, then its timeline, write).
    assert moves == [2, 2, 6]
    assert store.last_booked(100, 2) == made[1]
    assert drift(store.scan(), data) == []


def test_the_directory_names_every_user_by_email_ignoring_case(sync_store: SyncStore, data: Any) -> None:
    hints = hints_from_directory(sync_store)

    everyone = {u["email"]: u["id"] for u in data["users"]}
    assert len(everyone) > 3
    for email, user_id in everyone.items():
        assert hints.guess([email.upper()]) == {user_id}
    assert hints.guess(["alice@customer.test"]) == set()


@pytest.mark.parametrize(
    "failure",
    [
        StoreUnavailable(),
        ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no table"}}, "BatchGetItem"),
    ],
    ids=["unreachable", "no-table"],
)
def test_a_directory_that_cannot_be_read_leaves_the_lookups_to_each_event(failure: Exception) -> None:
    class Failing:
        def read_email_directory(self) -> dict[str, int]:
            raise failure

    hints = hints_from_directory(Failing())  # type: ignore[arg-type]

    assert hints.guess(["user3@example.test"]) == set()


def test_an_attendee_seen_before_costs_no_extra_read(sync_store: SyncStore, store: Any, data: Any) -> None:
    service = SyncService(sync_store)  # no directory (a user a load added since the function started)
    first = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[HOST_3]))
    created = webhook("BOOKING_CREATED", T2, booking_payload("cal-2", organizer=4, attendees=[HOST_3]))
    cancelled = webhook("BOOKING_CANCELLED", T3, booking_payload("cal-2", organizer=4, attendees=[HOST_3]))

    assert rounds(service, sync_store, first) == 3  # first sight of the email: its user is read after
    assert rounds(service, sync_store, created) == 2
    assert rounds(service, sync_store, cancelled) == 2

    assert store.last_booked(100, 3) == T1  # cal-2 counted, then not
    assert drift(store.scan(), data) == []


def test_a_wrong_guess_is_corrected_by_the_email_entry_read(
    sync_store: SyncStore, store: Any, data: Any
) -> None:
    hints = UserHints()
    hints.learn("alice@customer.test", 4)  # stale: alice is no user; host 4 must stay untouched
    hints.learn(HOST_3["email"], 1)  # stale: that email is host 3's
    service = SyncService(sync_store, hints)
    alice = attendee("Alice Guest", "alice@customer.test")
    body = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[alice, HOST_3]))

    assert rounds(service, sync_store, body) == 3  # host 3's items were not read ahead

    assert store.last_booked(100, 3) == T1
    assert store.item(keys.host_stats(100, 4)) is None
    assert hints.guess(["alice@customer.test", HOST_3["email"]]) == {3}
    assert drift(store.scan(), data) == []


def test_hints_stay_within_their_limit() -> None:
    hints = UserHints(limit=2)
    for user_id in range(5):
        hints.learn(f"u{user_id}@example.test", user_id)

    assert len(hints.guess(f"u{i}@example.test" for i in range(5))) <= 2
    assert hints.guess(["U4@EXAMPLE.TEST"]) == {4}


def test_the_directory_survives_what_events_teach_beyond_the_limit() -> None:
    hints = UserHints(limit=2)
    hints.preload({"Ann@Example.test": 1, "bob@example.test": 2})
    for user_id in range(10, 15):  # users a later load added: learned, and forgotten past the limit
        hints.learn(f"u{user_id}@example.test", user_id)

    assert hints.guess(["ann@example.test", "BOB@example.test"]) == {1, 2}
    assert len(hints.guess(f"u{i}@example.test" for i in range(10, 15))) <= 2


def test_an_event_overrides_a_stale_directory_entry() -> None:
    hints = UserHints()
    hints.preload({"ann@example.test": 1, "bob@example.test": 2})

    hints.learn("ann@example.test", None)  # no longer a user's email
    hints.learn("bob@example.test", 7)  # now another user's
    hints.learn("guest@outside.test", None)

    assert hints.guess(["ann@example.test"]) == set()
    assert hints.guess(["bob@example.test", "guest@outside.test"]) == {7}


def test_stats_an_earlier_version_wrote_are_rewritten_when_a_booking_leaves_them(
    sync_store: SyncStore, store: Any, data: Any
) -> None:
    service = SyncService(sync_store, hints_from_directory(sync_store))
    created = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[]))
    assert rounds(service, sync_store, created) == 2
    stats = store.item(keys.host_stats(100, 2))
    legacy = {**keys.host_stats(100, 2), "lastBookedAt": T1, "version": stats["version"]}
    store.client.put_item(TableName=store.tables["DataTable"], Item=to_wire(legacy))

    # Its stats keep no positions to take cal-1 from: the blind write fails, the event is applied again.
    assert rounds(service, sync_store, moved_to("cal-2", "cal-1", organizer=4, attendees=[], at=T2)) == 6

    assert codec.NEWEST in store.item(keys.host_stats(100, 2))  # in this version's form now
    assert store.last_booked(100, 2) == "2026-11-20T08:00:00.000Z"
    assert drift(store.scan(), data) == []
