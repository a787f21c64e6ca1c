"""Read the store back as a dataset, and compare its derived items with a fresh computation.

The loader and every reassignment keep calendars, last-booked stats, timelines and interval
counters up to date by applying changes (the bookkeeping). "No drift" means: what the store holds
now equals what the oracle (tests/derived_oracle.py) recomputes from the *current* bookings.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from reassign_core import runtime
from reassign_core.ingest.bookings import BOOKING_FIELDS
from reassign_core.ingest.dataset import parse_dataset
from reassign_core.store import keys
from reassign_core.store.codec import from_wire, to_wire
from tests.derived_oracle import derived_items

DERIVED_PARTITIONS = ("CAL#", "ETHOST#", "ETCOUNT#", "AWAY#")


def current_dataset(found: list[dict[str, Any]], dataset: dict[str, Any]) -> dict[str, Any]:
    """The dataset with each booking as the store holds it now (`found`: a scan of the data table)."""
    stored = {item["uid"]: item for item in found if item["SK"] == "BOOKING"}
    rebuilt = copy.deepcopy(dataset)
    rebuilt["bookings"] = [
        {field: stored[b["uid"]][field] for field in BOOKING_FIELDS if field in stored[b["uid"]]}
        for b in dataset["bookings"]
    ]
    return rebuilt


def _content(items: Iterable[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Derived items by key, without versions (they count writes) and without items that say
    nothing (a calendar day emptied by a reassignment, a counter back at zero, last-booked stats of
    a host never booked)."""
    found = {}
    for item in items:
        if not item["PK"].startswith(DERIVED_PARTITIONS) and not item["SK"].startswith(keys.STATS_PREFIX):
            continue
        body = {k: v for k, v in item.items() if k != "version"}
        if item["PK"].startswith("CAL#") and not body.get("busy") and not body.get("ooo"):
            continue
        if item["SK"].startswith(keys.STATS_PREFIX) and body.get("lastBookedAt") is None:
            continue
        if item["PK"].startswith(("ETCOUNT#", "AWAY#")):
            body = {k: v for k, v in body.items() if v != 0}
            if set(body) == {"PK", "SK"}:  # every count back at zero, every entry or spell removed
                continue
        found[(item["PK"], item["SK"])] = json.dumps(body, sort_keys=True)
    return found


def recomputed_derived(dataset: dict[str, Any]) -> dict[tuple[str, str], str]:
    # Through the wire format, as the loader writes them (drops None values like the store does).
    return _content(from_wire(to_wire(item)) for item in derived_items(parse_dataset(dataset)))


def derived_drift(found: list[dict[str, Any]], dataset: dict[str, Any]) -> list[str]:
    """Differences between the derived items in `found` (a scan of the data table) and a fresh
    computation from the bookings in it; `dataset` supplies everything but the bookings."""
    stored = _content(found)
    fresh = recomputed_derived(current_dataset(found, dataset))
    return [
        f"{key}: store has {stored.get(key)}, recomputation gives {fresh.get(key)}"
        for key in sorted(stored.keys() | fresh.keys())
        if stored.get(key) != fresh.get(key)
    ]


@contextmanager
def service_clock(now: datetime) -> Iterator[None]:
    """The cached service's clock pinned to `now` (CREATED_AT weighting counts up to now)."""
    service = runtime.reassign_service()
    original = service._clock
    service._clock = lambda: now
    try:
        yield
    finally:
        service._clock = original
