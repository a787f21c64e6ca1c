"""What must hold in the store after any mix of concurrent reassignments, as lists of violations.

Each check returns human-readable problems (empty: all good), so the race tests can assert `== []`
and the meta-tests can show the very same checks catch a double booking or a lost update.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from local.dataset import parse_dataset
from local.loader import derived_items
from reassign_core.timeutil import parse_iso

LIVE = ("ACCEPTED", "PENDING")
BOOKING_FIELDS = (
    "uid",
    "eventTypeId",
    "userId",
    "title",
    "startTime",
    "endTime",
    "status",
    "createdAt",
    "attendees",
    "responses",
)


def bookings_in_store(store: Any) -> dict[str, dict[str, Any]]:
    return {i["uid"]: i for i in store.scan() if i["SK"] == "BOOKING"}


def audits_in_store(store: Any) -> dict[str, list[dict[str, Any]]]:
    """A booking's audit records, oldest first (by the booking version each one created)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in store.scan():
        if item["SK"].startswith("AUDIT#"):
            found[item["bookingUid"]].append(item)
    return {uid: sorted(records, key=lambda r: r["bookingVersion"]) for uid, records in found.items()}


def double_bookings(store: Any, dataset: dict[str, Any]) -> list[str]:
    """Hosts holding two overlapping live bookings (as organizer or attendee by email)."""
    by_email = {u["email"].casefold(): u["id"] for u in dataset["users"]}
    held: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for booking in bookings_in_store(store).values():
        if booking["status"] not in LIVE:
            continue
        holders = {booking["userId"]} | {
            by_email[a["email"].casefold()] for a in booking["attendees"] if a["email"].casefold() in by_email
        }
        for user_id in holders:
            held[user_id].append((parse_iso(booking["startTime"]), parse_iso(booking["endTime"]), booking["uid"]))
    problems = []
    for user_id, spans in sorted(held.items()):
        spans.sort()
        for (start_a, end_a, uid_a), (start_b, end_b, uid_b) in zip(spans, spans[1:], strict=False):
            if start_b < end_a and start_a < end_b:
                problems.append(f"host {user_id} holds overlapping {uid_a} and {uid_b}")
    return problems


def dataset_from_store(store: Any, dataset: dict[str, Any]) -> dict[str, Any]:
    """The original dataset with its bookings replaced by the bookings now in the store."""
    rebuilt = copy.deepcopy(dataset)
    rebuilt["bookings"] = [{f: b[f] for f in BOOKING_FIELDS if f in b} for b in bookings_in_store(store).values()]
    return rebuilt


def _derived_view(found: Iterable[dict[str, Any]]) -> dict[str, dict[Any, Any]]:
    """Calendars, last-booked times, timelines and counters, without versions or emptied items."""
    view: dict[str, dict[Any, Any]] = {"calendar": {}, "stats": {}, "timeline": {}, "counter": {}}
    for item in found:
        key, sk = (item["PK"], item["SK"]), item["SK"]
        if item["PK"].startswith("CAL#"):
            if item.get("busy") or item.get("ooo"):
                view["calendar"][key] = (item.get("busy", {}), item.get("ooo", []))
        elif sk == "STATS":
            view["stats"][key] = item.get("lastBookedAt")
        elif sk.startswith("BOOKED#"):
            view["timeline"][key] = item["uid"]
        elif sk.startswith("COUNT#") and item["bookings"]:
            view["counter"][key] = item["bookings"]
    return view


def derived_mismatches(store: Any, dataset: dict[str, Any]) -> list[str]:
    """Calendars, stats, timelines and counters must equal a fresh recomputation from the bookings."""
    expected = _derived_view(derived_items(parse_dataset(dataset_from_store(store, dataset))))
    actual = _derived_view(store.scan())
    problems = []
    for kind in expected:
        for key in sorted(expected[kind].keys() | actual[kind].keys()):
            if expected[kind].get(key) != actual[kind].get(key):
                problems.append(f"{kind} {key}: store {actual[kind].get(key)!r} != {expected[kind].get(key)!r}")
    return problems


def audit_chain_breaks(store: Any, dataset: dict[str, Any]) -> list[str]:
    """Each booking's audit records must chain from its loaded organizer to its current one.

    A lost update shows as two records leaving the same holder (or a version that does not follow).
    """
    initial = {b["uid"]: b["userId"] for b in dataset["bookings"]}
    bookings = bookings_in_store(store)
    audits = audits_in_store(store)
    problems = []
    for uid, booking in sorted(bookings.items()):
        holder, version = initial[uid], 1
        for record in audits.get(uid, []):
            if record["fromUserId"] != holder:
                problems.append(f"{uid}: v{record['bookingVersion']} moves it from {record['fromUserId']}, held by {holder}")
            if record["bookingVersion"] != version + 1:
                problems.append(f"{uid}: audit version {record['bookingVersion']} follows {version}")
            holder, version = record["toUserId"], record["bookingVersion"]
        if booking["userId"] != holder:
            problems.append(f"{uid}: organizer {booking['userId']} but last audit gives it to {holder}")
        if booking.get("version", 1) != 1 + len(audits.get(uid, [])):
            problems.append(f"{uid}: version {booking.get('version')} after {len(audits.get(uid, []))} audit records")
    return problems


def outbox_mismatches(store: Any) -> list[str]:
    """Exactly one outbox event per audit record, with the same facts."""
    facts = ("bookingUid", "fromUserId", "toUserId", "reassignedById", "reassignType", "bookingVersion")
    audits = {a["eventId"]: a for records in audits_in_store(store).values() for a in records}
    events = store.scan("OutboxTable")
    problems = [f"event {e} appears {n} times" for e, n in Counter(e["eventId"] for e in events).items() if n > 1]
    for event in events:
        audit = audits.get(event["eventId"])
        if audit is None:
            problems.append(f"outbox event {event['eventId']} has no audit record")
        elif any(audit.get(f) != event.get(f) for f in facts):
            problems.append(f"outbox event {event['eventId']} disagrees with its audit record")
    if len(events) != len(audits):
        problems.append(f"{len(events)} outbox events for {len(audits)} audit records")
    return problems


def all_violations(store: Any, dataset: dict[str, Any]) -> list[str]:
    return [
        *double_bookings(store, dataset),
        *derived_mismatches(store, dataset),
        *audit_chain_breaks(store, dataset),
        *outbox_mismatches(store),
    ]


def audit_count(store: Any) -> int:
    return sum(len(records) for records in audits_in_store(store).values())
