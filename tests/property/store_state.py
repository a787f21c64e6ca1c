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
from reassign_core.store import codec, keys
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
    a host never booked). Stats by their last-booked time: how many of the newest timeline entries
    they keep depends on the way the store got there, so `_top_problem` checks those apart."""
    items = list(items)
    timelines: dict[str, set[str]] = {}
    for item in items:
        if item["PK"].startswith("ETHOST#"):
            timelines.setdefault(item["PK"], set()).add(item["SK"].removeprefix(keys.TIMELINE_PREFIX))
    found = {}
    for item in items:
        if not item["PK"].startswith(DERIVED_PARTITIONS) and not item["SK"].startswith(keys.STATS_PREFIX):
            continue
        body = {k: v for k, v in item.items() if k != "version"}
        if item["PK"].startswith("CAL#") and not body.get("busy") and not body.get("ooo"):
            continue
        if item["SK"].startswith(keys.STATS_PREFIX):
            event_type_id = item["PK"].removeprefix("EVENTTYPE#")
            timeline = timelines.get(
                f"ETHOST#{event_type_id}#{item['SK'].removeprefix(keys.STATS_PREFIX)}", set()
            )
            body = {"PK": item["PK"], "SK": item["SK"], "lastBookedAt": _last_booked(item)}
            if problem := _top_problem(item, timeline):
                body["top"] = problem
            elif body["lastBookedAt"] is None:
                continue
        if item["PK"].startswith(("ETCOUNT#", "AWAY#")):
            body = {k: v for k, v in body.items() if v != 0}
            if set(body) == {"PK", "SK"}:  # every count back at zero, every entry or spell removed
                continue
        found[(item["PK"], item["SK"])] = json.dumps(body, sort_keys=True)
    return found


def _last_booked(stats: dict[str, Any]) -> str | None:
    if codec.NEWEST in stats:
        return max(stats[codec.NEWEST]).partition("#")[0]
    return stats.get("lastBookedAt")


def _top_problem(stats: dict[str, Any], timeline: set[str]) -> str | None:
    """What is wrong with the newest entries stats keep, against the host's timeline: they must be
    its newest (every entry newer than the oldest kept is kept), and all of it when they say so."""
    if codec.NEWEST not in stats and "lastBookedAt" in stats:
        return None  # the oracle's (and an earlier version's) stats keep the last-booked time only
    kept = set(stats.get(codec.NEWEST, ()))
    if not kept <= timeline:
        return f"keeps {sorted(kept - timeline)}, not in the timeline"
    if stats.get(codec.WHOLE) or not kept:
        return None if kept == timeline else f"says it is the whole timeline, lacks {sorted(timeline - kept)}"
    newer = {p for p in timeline if p > min(kept)} - kept
    return f"lacks newer entries {sorted(newer)}" if newer else None


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
