"""The bookkeeping's writes as DynamoDB transaction actions: shared by every writer of derived items
(the reassignment's transaction, the loader's and the sync's), so they are written alike whoever
changes them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reassign_core.domain.bookkeeping import CalendarRemoval, DerivedWrites, HostKey
from reassign_core.domain.models import CalendarDay
from reassign_core.store import codec, derived_codec, keys
from reassign_core.store.codec import Item, to_wire

Action = dict[str, Any]


def version_condition(read_version: int) -> dict[str, Any]:
    """The item is still at the version read; version 0 means it did not exist then."""
    if read_version == 0:
        return {"ConditionExpression": "attribute_not_exists(PK)"}
    return {
        "ConditionExpression": "version = :read",
        "ExpressionAttributeValues": to_wire({":read": read_version}),
    }


def put_versioned(table: str, item: Item, read_version: int) -> Action:
    return {"Put": {"TableName": table, "Item": to_wire(item), **version_condition(read_version)}}


def calendar_check(table: str, day: CalendarDay) -> Action:
    """The day must still be at the version read (what a choice rested on but does not write)."""
    return {
        "ConditionCheck": {
            "TableName": table,
            **version_condition(day.version),
            "Key": to_wire(keys.calendar_day(day.user_id, day.day)),
        }
    }


def derived_actions(table: str, writes: DerivedWrites) -> list[Action]:
    """One action per derived item: calendar days and stats put at the next version on condition
    that they are still at the one read, or what was not read taken out of them (on condition that
    it is there to take); counters added to; timeline entries put or deleted."""
    actions = [
        put_versioned(
            table, derived_codec.calendar_day_item(replace(day, version=day.version + 1)), day.version
        )
        for day in writes.calendar_days
    ]
    for (event_type_id, user_id), stats in writes.stats.items():
        fresh = replace(stats, version=stats.version + 1)
        actions.append(
            put_versioned(table, codec.host_stats_item(event_type_id, user_id, fresh), stats.version)
        )
    actions += [_calendar_removal(table, removal) for removal in writes.calendar_removals]
    actions += [_stats_removal(table, host, lost) for host, lost in sorted(writes.stats_removals.items())]
    for (event_type_id, interval), deltas in sorted(writes.counters.items()):
        added = {keys.counter_attribute(u): d for u, d in deltas.items() if d}
        if added:
            actions.append(_update(table, keys.interval_counts(event_type_id, interval), added=added))
    for (event_type_id, interval), entries in sorted(writes.counted.items()):
        for shard, mine in sorted(derived_codec.counted_by_shard(entries).items()):
            put = derived_codec.counted_attributes({uid: e for uid, e in mine.items() if e is not None})
            removed = [keys.counted_attribute(uid) for uid, e in mine.items() if e is None]
            key = keys.counted_bookings(event_type_id, interval, shard)
            actions.append(_update(table, key, put=put, removed=removed))
    for user_id, spells in sorted(writes.away_spells.items()):
        put = {keys.away_attribute(s.start, s.end): True for s, kept in spells.items() if kept}
        removed = [keys.away_attribute(s.start, s.end) for s, kept in spells.items() if not kept]
        actions.append(_update(table, keys.away(user_id), put=put, removed=removed))
    for entry in writes.timeline_removed:
        key = keys.host_timeline_entry(entry.event_type_id, entry.user_id, entry.created_at, entry.uid)
        actions.append({"Delete": {"TableName": table, "Key": to_wire(key)}})
    for entry in writes.timeline_added:
        item = derived_codec.timeline_item(entry.event_type_id, entry.user_id, entry.created_at, entry.uid)
        actions.append({"Put": {"TableName": table, "Item": to_wire(item)}})
    return actions


def _update(
    table: str,
    key: dict[str, str],
    added: dict[str, int] | None = None,
    put: dict[str, Any] | None = None,
    removed: list[str] | None = None,
) -> Action:
    """One Update: numbers added to, attributes set and attributes removed, each by name (the
    names hold user ids and booking uids, so they always go through placeholders)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses = []
    for verb, attributes in (("ADD", added or {}), ("SET", put or {})):
        parts = []
        for name, value in attributes.items():
            n, v = f"#a{len(names)}", f":v{len(values)}"
            names[n], values[v] = name, value
            parts.append(f"{n} {v}" if verb == "ADD" else f"{n} = {v}")
        if parts:
            clauses.append(f"{verb} " + ", ".join(parts))
    if removed:
        start = len(names)
        names.update({f"#a{start + i}": name for i, name in enumerate(removed)})
        clauses.append("REMOVE " + ", ".join(f"#a{start + i}" for i in range(len(removed))))
    update: dict[str, Any] = {
        "TableName": table,
        "Key": to_wire(key),
        "UpdateExpression": " ".join(clauses),
        "ExpressionAttributeNames": names,
    }
    if values:
        update["ExpressionAttributeValues"] = to_wire(values)
    return {"Update": update}


def _calendar_removal(table: str, removal: CalendarRemoval) -> Action:
    """Bookings taken off a day not read, each on condition that the day holds it (the day's other
    bookings are left as they are); the version moves on, so a choice resting on the day re-reads."""
    names = {f"#u{i}": uid for i, uid in enumerate(removal.uids)}
    return {
        "Update": {
            "TableName": table,
            "Key": to_wire(keys.calendar_day(removal.user_id, removal.day)),
            "UpdateExpression": f"REMOVE {', '.join(f'busy.{n}' for n in names)} ADD version :one",
            "ConditionExpression": " AND ".join(f"attribute_exists(busy.{n})" for n in names),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_wire({":one": 1}),
        }
    }


def _stats_removal(table: str, host: HostKey, lost: tuple[str, ...]) -> Action:
    """Timeline positions taken out of stats not read. The latest left is then still among those
    kept unless they were the whole timeline: so some must be left, or they must be all of it, or
    none of the positions lost may be among them (then they were older than all those kept)."""
    values: dict[str, Any] = {":lost": frozenset(lost), ":n": len(lost), ":yes": True, ":one": 1}
    values |= {f":p{i}": position for i, position in enumerate(lost)}
    none_kept = " AND ".join(f"NOT contains({codec.NEWEST}, :p{i})" for i in range(len(lost)))
    return {
        "Update": {
            "TableName": table,
            "Key": to_wire(keys.host_stats(*host)),
            "UpdateExpression": f"DELETE {codec.NEWEST} :lost ADD version :one",
            "ConditionExpression": f"attribute_exists({codec.NEWEST}) AND "
            f"({codec.WHOLE} = :yes OR size({codec.NEWEST}) > :n OR ({none_kept}))",
            "ExpressionAttributeValues": to_wire(values),
        }
    }
