"""What must hold in the store after any mix of concurrent reassignments, as lists of violations.

Each check returns human-readable problems (empty: all good), so the race tests can assert `== []`
and the meta-tests can show the very same checks catch a double booking or a lost update.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from local.dataset import parse_dataset
from local.loader import derived_items
from reassign_core import keys
from reassign_core.timeutil import parse_iso
from tests.property.store_state import BOOKING_FIELDS

LIVE = ("ACCEPTED", "PENDING")
EVENT_FACTS = ("bookingUid", "fromUserId", "toUserId", "reassignedById", "reassignType", "bookingVersion")


@dataclass(frozen=True)
class StoreState:
    """One scan of the data table and the outbox."""

    items: list[dict[str, Any]]
    outbox: list[dict[str, Any]]

    @classmethod
    def read(cls, store: Any) -> StoreState:
        return cls(store.scan(), store.scan("OutboxTable"))

    @property
    def bookings(self) -> dict[str, dict[str, Any]]:
        return {i["uid"]: i for i in self.items if i["SK"] == "BOOKING"}

    @property
    def audits(self) -> dict[str, list[dict[str, Any]]]:
        """Each booking's audit records, oldest first (by the booking version each one created)."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in self.items:
            if item["SK"].startswith("AUDIT#"):
                found[item["bookingUid"]].append(item)
        return {uid: sorted(records, key=lambda r: r["bookingVersion"]) for uid, records in found.items()}

    @property
    def audit_count(self) -> int:
        return sum(len(records) for records in self.audits.values())


def double_bookings(state: StoreState, dataset: dict[str, Any]) -> list[str]:
    """Hosts holding two overlapping live bookings (as organizer or attendee by email)."""
    by_email = {u["email"].casefold(): u["id"] for u in dataset["users"]}
    held: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for booking in state.bookings.values():
        if booking["status"] not in LIVE:
            continue
        emails = (a["email"].casefold() for a in booking["attendees"])
        for user_id in {booking["userId"]} | {by_email[e] for e in emails if e in by_email}:
            held[user_id].append(
                (parse_iso(booking["startTime"]), parse_iso(booking["endTime"]), booking["uid"])
            )
    problems = []
    for user_id, spans in sorted(held.items()):
        spans.sort()
        # Sorted by start, any overlap shows up between neighbours.
        for (start_a, end_a, uid_a), (start_b, end_b, uid_b) in pairwise(spans):
            if start_b < end_a and start_a < end_b:
                problems.append(f"host {user_id} holds overlapping {uid_a} and {uid_b}")
    return problems


def dataset_with_current_bookings(state: StoreState, dataset: dict[str, Any]) -> dict[str, Any]:
    rebuilt = copy.deepcopy(dataset)
    rebuilt["bookings"] = [{f: b[f] for f in BOOKING_FIELDS if f in b} for b in state.bookings.values()]
    return rebuilt


# Where the derived items live (from the key scheme itself, so a new layout needs no edit here).
CALENDAR_PREFIX = keys.calendar_day(0, date(2000, 1, 1))["PK"].removesuffix("0")
COUNTS_PREFIX = keys.interval_counts(0, "")["PK"].removesuffix("0")


def _nonzero_counts(item: dict[str, Any]) -> dict[str, int]:
    return {name: count for name, count in item.items() if name not in ("PK", "SK") and count}


def _derived_view(found: Iterable[dict[str, Any]]) -> dict[str, dict[Any, Any]]:
    """Calendars, last-booked times, timelines and counts, without versions, emptied items or zeros."""
    view: dict[str, dict[Any, Any]] = {"calendar": {}, "stats": {}, "timeline": {}, "counts": {}}
    for item in found:
        pk, sk = key = (item["PK"], item["SK"])
        if pk.startswith(CALENDAR_PREFIX):
            if item.get("busy") or item.get("ooo"):
                view["calendar"][key] = (item.get("busy", {}), item.get("ooo", []))
        elif sk.startswith(keys.STATS_PREFIX):
            view["stats"][key] = item.get("lastBookedAt")
        elif sk.startswith(keys.TIMELINE_PREFIX):
            view["timeline"][key] = item["uid"]
        elif pk.startswith(COUNTS_PREFIX) and (counts := _nonzero_counts(item)):
            view["counts"][key] = counts
    return view


def derived_mismatches(state: StoreState, dataset: dict[str, Any]) -> list[str]:
    """Calendars, stats, timelines and counters must equal the loader's recomputation from the bookings."""
    expected = _derived_view(derived_items(parse_dataset(dataset_with_current_bookings(state, dataset))))
    actual = _derived_view(state.items)
    return [
        f"{kind} {key}: store has {actual[kind].get(key)!r}, bookings say {expected[kind].get(key)!r}"
        for kind in expected
        for key in sorted(expected[kind].keys() | actual[kind].keys())
        if expected[kind].get(key) != actual[kind].get(key)
    ]


def audit_chain_breaks(state: StoreState, dataset: dict[str, Any]) -> list[str]:
    """Each booking's audit records must chain from its loaded organizer to its current one.

    A lost update shows as two records leaving the same holder, or versions that skip or repeat.
    """
    initial = {b["uid"]: b["userId"] for b in dataset["bookings"]}
    audits = state.audits
    problems = []
    for uid, booking in sorted(state.bookings.items()):
        holder, version = initial[uid], 1
        for record in audits.get(uid, []):
            if record["fromUserId"] != holder:
                problems.append(
                    f"{uid}: v{record['bookingVersion']} moves it from {record['fromUserId']}, "
                    f"held by {holder}"
                )
            if record["bookingVersion"] != version + 1:
                problems.append(f"{uid}: audit version {record['bookingVersion']} follows {version}")
            holder, version = record["toUserId"], record["bookingVersion"]
        if booking["userId"] != holder:
            problems.append(
                f"{uid}: organizer {booking['userId']} but the last audit record gives it to {holder}"
            )
        if booking["version"] != 1 + len(audits.get(uid, [])):
            problems.append(
                f"{uid}: version {booking['version']} after {len(audits.get(uid, []))} audit records"
            )
    return problems


def outbox_mismatches(state: StoreState) -> list[str]:
    """Exactly one outbox event per audit record, telling the same facts."""
    audits = {a["eventId"]: a for records in state.audits.values() for a in records}
    counts = Counter(e["eventId"] for e in state.outbox)
    problems = [f"event {event_id} appears {n} times" for event_id, n in counts.items() if n > 1]
    for event in state.outbox:
        audit = audits.get(event["eventId"])
        if audit is None:
            problems.append(f"outbox event {event['eventId']} has no audit record")
        elif any(audit.get(f) != event.get(f) for f in EVENT_FACTS):
            problems.append(f"outbox event {event['eventId']} disagrees with its audit record")
    if len(state.outbox) != len(audits):
        problems.append(f"{len(state.outbox)} outbox events for {len(audits)} audit records")
    return problems


def all_violations(state: StoreState, dataset: dict[str, Any]) -> list[str]:
    return [
        *double_bookings(state, dataset),
        *derived_mismatches(state, dataset),
        *audit_chain_breaks(state, dataset),
        *outbox_mismatches(state),
    ]
