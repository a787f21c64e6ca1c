"""The bookkeeping's writes as DynamoDB transaction actions: shared by every writer of derived items
(the reassignment's transaction and the loader's), so they are written alike whoever changes them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reassign_core.domain.bookkeeping import DerivedWrites
from reassign_core.domain.models import CalendarDay, HostStats
from reassign_core.store import codec, keys
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
    that they are still at the one read; counters added to; timeline entries put or deleted."""
    actions = [
        put_versioned(table, codec.calendar_day_item(replace(day, version=day.version + 1)), day.version)
        for day in writes.calendar_days
    ]
    for (event_type_id, user_id), stats in writes.stats.items():
        fresh = HostStats(stats.last_booked_at, stats.version + 1)
        actions.append(
            put_versioned(table, codec.host_stats_item(event_type_id, user_id, fresh), stats.version)
        )
    for (event_type_id, interval), deltas in sorted(writes.counters.items()):
        names = {f"#h{i}": keys.counter_attribute(u) for i, u in enumerate(deltas)}
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": to_wire(keys.interval_counts(event_type_id, interval)),
                    "UpdateExpression": "ADD " + ", ".join(f"#h{i} :d{i}" for i in range(len(deltas))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_wire(
                        {f":d{i}": d for i, d in enumerate(deltas.values())}
                    ),
                }
            }
        )
    for entry in writes.timeline_removed:
        key = keys.host_timeline_entry(entry.event_type_id, entry.user_id, entry.created_at, entry.uid)
        actions.append({"Delete": {"TableName": table, "Key": to_wire(key)}})
    for entry in writes.timeline_added:
        item = codec.timeline_item(entry.event_type_id, entry.user_id, entry.created_at, entry.uid)
        actions.append({"Put": {"TableName": table, "Item": to_wire(item)}})
    return actions
