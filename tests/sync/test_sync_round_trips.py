"""Sequential round trips per event: one read round and the transaction, also when an attendee is a
user the process has seen before (their items are read ahead). A wrong guess costs a read, never a
wrong write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from reassign_core.services.sync import SyncService, UserHints
from reassign_core.store import keys
from reassign_core.store.sync_store import SyncStore
from reassign_core.sync.calcom import parse_event
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


def test_an_attendee_seen_before_costs_no_extra_read(sync_store: SyncStore, store: Any, data: Any) -> None:
    service = SyncService(sync_store)
    first = webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=2, attendees=[HOST_3]))
    created = webhook("BOOKING_CREATED", T2, booking_payload("cal-2", organizer=4, attendees=[HOST_3]))
    cancelled = webhook("BOOKING_CANCELLED", T3, booking_payload("cal-2", organizer=4, attendees=[HOST_3]))

    assert rounds(service, sync_store, first) == 3  # first sight of the email: its user is read after
    assert rounds(service, sync_store, created) == 2
    assert rounds(service, sync_store, cancelled) == 2

    assert store.item(keys.host_stats(100, 3))["lastBookedAt"] == T1  # cal-2 counted, then not
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

    assert store.item(keys.host_stats(100, 3))["lastBookedAt"] == T1
    assert store.item(keys.host_stats(100, 4)) is None
    assert hints.guess(["alice@customer.test", HOST_3["email"]]) == {3}
    assert drift(store.scan(), data) == []


def test_hints_stay_within_their_limit() -> None:
    hints = UserHints(limit=2)
    for user_id in range(5):
        hints.learn(f"u{user_id}@example.test", user_id)

    assert len(hints.guess(f"u{i}@example.test" for i in range(5))) <= 2
    assert hints.guess(["U4@EXAMPLE.TEST"]) == {4}
