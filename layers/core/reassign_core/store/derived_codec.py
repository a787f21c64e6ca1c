"""How the bookkeeping's derived items are stored (domain/bookkeeping.py says what each answers):
calendar days, timelines, interval counters, counted bookings, away spells (the last-booked stats
come with the event type's partition: see codec).

The hot ones (calendar days: up to thousands per 1000-host reassignment) are read straight from
the wire by the `*_from_wire` functions, without an intermediate dict.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from reassign_core.domain.models import (
    BookingStatus,
    BusyEntry,
    CalendarDay,
    CountedBooking,
    Interval,
    TimelineTop,
)
from reassign_core.domain.timeutil import iso, parse_iso
from reassign_core.store import keys
from reassign_core.store.codec import Item, WireItem

# Busy entries and out-of-office spells as ISO 8601 intervals, "<start>/<end>" (a busy entry adds
# "/<status>"): one string each, so the ~1000 days a selection reads decode without nested maps.


def _interval_text(start: datetime, end: datetime) -> str:
    return f"{iso(start)}/{iso(end)}"


def calendar_day_item(day: CalendarDay) -> Item:
    return {
        **keys.calendar_day(day.user_id, day.day),
        "userId": day.user_id,
        "day": day.day.isoformat(),
        "version": day.version,
        "busy": {uid: f"{_interval_text(e.start, e.end)}/{e.status.value}" for uid, e in day.busy.items()},
        "ooo": [_interval_text(i.start, i.end) for i in day.out_of_office],
    }


def calendar_day_from_wire(user_id: int, day: date, wire_item: WireItem | None) -> CalendarDay:
    if wire_item is None:
        return CalendarDay(user_id=user_id, day=day, version=0, busy={}, out_of_office=())
    busy = {}
    for uid, entry in wire_item["busy"]["M"].items():
        start, end, status = entry["S"].split("/")
        busy[uid] = BusyEntry(parse_iso(start), parse_iso(end), BookingStatus(status))
    away = []
    for entry in wire_item["ooo"]["L"]:
        start, end = entry["S"].split("/")
        away.append(Interval(parse_iso(start), parse_iso(end)))
    return CalendarDay(
        user_id=user_id, day=day, version=int(wire_item["version"]["N"]), busy=busy, out_of_office=tuple(away)
    )


def timeline_item(event_type_id: int, user_id: int, created_at: datetime, uid: str) -> Item:
    return {
        **keys.host_timeline_entry(event_type_id, user_id, created_at, uid),
        "createdAt": iso(created_at),
        "uid": uid,
    }


def timeline_top(wire_items: Iterable[WireItem], limit: int, leaving: Collection[str] = ()) -> TimelineTop:
    """A host's newest entries from a Query of its timeline (newest first, at most `limit`), less
    the bookings `leaving` it: the whole timeline when the Query found fewer than it could."""
    found = list(wire_items)
    positions = tuple(
        item["SK"]["S"].removeprefix(keys.TIMELINE_PREFIX)
        for item in found
        if item["uid"]["S"] not in leaving
    )
    if not positions and len(found) >= limit:  # never with a limit above what one change touches
        raise ValueError(f"the newest {limit} timeline entries all leave: read deeper")
    return TimelineTop(positions, whole=len(found) < limit)


def interval_counts_item(event_type_id: int, interval: str, counts: Mapping[int, int]) -> Item:
    return {
        **keys.interval_counts(event_type_id, interval),
        **{keys.counter_attribute(u): n for u, n in counts.items()},
    }


def interval_counts_from_item(item: Mapping[str, Any] | None, user_ids: Iterable[int]) -> dict[int, int]:
    found = item or {}
    return {u: found.get(keys.counter_attribute(u), 0) for u in user_ids}


# A counted booking as one string, "<createdAt>/<organizer id>/<host id>,<host id>...": a month's
# entries (thousands at 1000 hosts) decode without nested maps.


def counted_text(entry: CountedBooking) -> str:
    return f"{iso(entry.created_at)}/{entry.organizer_id}/{','.join(map(str, sorted(entry.hosts)))}"


def counted_from_items(items: Iterable[Mapping[str, Any]]) -> list[CountedBooking]:
    """The interval's counted bookings, from its shard items' `b#<uid>` attributes."""
    found = []
    for name, text in (pair for item in items for pair in item.items()):
        if name.startswith(keys.COUNTED_PREFIX):
            created, organizer, hosts = text.split("/")
            found.append(
                CountedBooking(parse_iso(created), int(organizer), frozenset(map(int, hosts.split(","))))
            )
    return found


def counted_attributes(entries: Mapping[str, CountedBooking]) -> Item:
    return {keys.counted_attribute(uid): counted_text(entry) for uid, entry in entries.items()}


def counted_by_shard[T](entries: Mapping[str, T]) -> dict[int, dict[str, T]]:
    """Counted-booking entries (by uid) grouped by the shard item that holds them."""
    shards: dict[int, dict[str, T]] = {}
    for uid, entry in entries.items():
        shards.setdefault(keys.counted_shard(uid), {})[uid] = entry
    return shards


def counted_items(event_type_id: int, interval: str, entries: Mapping[str, CountedBooking]) -> list[Item]:
    """An interval's counted bookings as its shard items (only the shards that hold any)."""
    return [
        {**keys.counted_bookings(event_type_id, interval, shard), **counted_attributes(mine)}
        for shard, mine in sorted(counted_by_shard(entries).items())
    ]


def away_item(user_id: int, spells: Iterable[Interval]) -> Item:
    return {**keys.away(user_id), **{keys.away_attribute(s.start, s.end): True for s in spells}}


def away_from_item(item: Mapping[str, Any] | None) -> tuple[Interval, ...]:
    """The spells of an away item, plain or on the wire (only its attribute names are read)."""
    spells = []
    for name in item or {}:
        if name.startswith(keys.AWAY_PREFIX):
            start, end = name.removeprefix(keys.AWAY_PREFIX).split("/")
            spells.append(Interval(parse_iso(start), parse_iso(end)))
    return tuple(sorted(spells, key=lambda s: (s.start, s.end)))
