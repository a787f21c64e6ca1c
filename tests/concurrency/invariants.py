"""What must hold in the store after any mix of concurrent reassignments, as lists of violations.

Each check returns human-readable problems (empty: all good), so the race tests can assert `== []`
and the meta-tests can show the very same checks catch a double booking or a lost update.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from reassign_core.domain.timeutil import parse_iso
from reassign_core.store import keys
from tests.property.store_state import derived_drift

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


# Where calendars live (from the key scheme itself, so a new layout needs no edit here).
CALENDAR_PREFIX = keys.calendar_day(0, date(2000, 1, 1))["PK"].removesuffix("0")


def derived_mismatches(state: StoreState, dataset: dict[str, Any]) -> list[str]:
    """Calendars, stats, timelines and counts must equal the loader's recomputation from the bookings."""
    return derived_drift(state.items, dataset)


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
