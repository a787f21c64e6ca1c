"""A file load over a store the sync has been writing to: bookings that came from Cal.com stay as
the sync left them (whether or not the file lists them); out-of-office entries are reference data,
so one only the sync added goes unless the file lists it. Derived items stay exact throughout."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from reassign_core.store import keys
from tests.factories import base_dataset, booking
from tests.sync.conftest import drift
from tests.sync.payloads import booking_payload, ooo_payload, webhook

T1, T2 = "2026-11-25T10:00:00.000Z", "2026-11-25T11:00:00.000Z"
DAY = date(2050, 1, 7)
OOO_START, OOO_END = "2050-01-07T00:00:00.000Z", "2050-01-08T00:00:00.000Z"


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = base_dataset()  # round-robin hosts 2, 3, 4 of event type 100; b-1 held by 2
    store.load(dataset)
    return dataset


def busy(store: Any, user_id: int) -> set[str]:
    item = store.item(keys.calendar_day(user_id, DAY))
    return set((item or {}).get("busy", {}))


def test_synced_bookings_survive_a_reload_of_the_same_file(deliver: Any, store: Any, data: Any) -> None:
    assert deliver(webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))).status == 200
    assert deliver(webhook("BOOKING_CANCELLED", T2, booking_payload("b-1", organizer=2))).status == 200

    store.load(data)

    assert store.booking("cal-1")["status"] == "ACCEPTED"  # not in the file: left alone
    assert store.booking("b-1")["status"] == "CANCELLED"  # in the file as ACCEPTED: the sync's is newer
    assert (busy(store, 2), busy(store, 3)) == (set(), {"cal-1"})
    assert drift(store.scan(), data) == []


def test_a_file_listing_a_synced_booking_does_not_replace_it(deliver: Any, store: Any, data: Any) -> None:
    assert deliver(webhook("BOOKING_CREATED", T1, booking_payload("cal-1", organizer=3))).status == 200
    listed = copy.deepcopy(data)
    listed["bookings"].append(booking("cal-1", 4, start="2050-01-07T15:00:00Z", end="2050-01-07T16:00:00Z"))

    store.load(listed)

    assert (store.booking("cal-1")["userId"], busy(store, 3), busy(store, 4)) == (3, {"cal-1"}, set())
    assert drift(store.scan(), data) == []


def test_an_out_of_office_entry_only_the_sync_added_goes_with_the_next_load(
    deliver: Any, store: Any, data: Any
) -> None:
    body = webhook("OOO_CREATED", T1, ooo_payload(7, 4, OOO_START, OOO_END))
    assert deliver(body).status == 200
    assert store.item(keys.calendar_day(4, DAY))["ooo"]

    store.load(data)  # the file is the whole truth for out-of-office entries
    assert store.item(keys.calendar_day(4, DAY))["ooo"] == []

    listed = copy.deepcopy(data)
    listed["outOfOffice"] = [{"userId": 4, "start": OOO_START, "end": OOO_END}]
    store.load(listed)
    assert deliver(body).json()["data"]["applied"] is False  # the same entry, now from the file
    assert store.item(keys.calendar_day(4, DAY))["ooo"] == [f"{OOO_START}/{OOO_END}"]
    assert drift(store.scan(), listed) == []
