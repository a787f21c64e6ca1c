"""Write bookings and out-of-office entries together with the derived items they change.

Each transaction holds some units (a booking or an out-of-office entry) and every derived item the
bookkeeping says they change, each once: calendar days and last-booked stats on condition that they
are still at the version read, bookings on condition that they are still as read (or absent). So a
unit and its bookkeeping land together or not at all, and a reassignment or sync writing at the same
time is never overwritten: on a refused transaction its items are read again and it is redone.
Transactions go one after another, each starting from what the previous ones wrote.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from reassign_core.domain import bookkeeping
from reassign_core.domain.bookkeeping import (
    CalendarKey,
    DerivedState,
    DerivedWrites,
    Edits,
    HostKey,
    Reads,
)
from reassign_core.domain.host_stats import needs_timeline
from reassign_core.domain.models import NEVER_BOOKED, CalendarDay, HostStats, TimelineTop, timeline_position
from reassign_core.domain.timeutil import parse_iso
from reassign_core.ingest.bookings import Unit
from reassign_core.store import codec, derived_codec, keys
from reassign_core.store.derived import derived_actions
from reassign_core.store.loading import (
    DATA_TABLE,
    MAX_ATTEMPTS,
    TRANSACTION_LIMIT,
    LoadStore,
    TransactionCancelled,
)

# Why a transaction may be refused and then simply redone from a fresh read (None: that action was fine).
RETRIED = frozenset(
    {
        None,
        "ConditionalCheckFailed",
        "TransactionConflict",
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
    }
)


class LoadConflict(Exception):
    """The store kept changing under the loader: nothing is half-written; running it again is safe."""


class DerivedCache:
    """The derived items the units rest on, as read and then as this load wrote them."""

    def __init__(self, store: LoadStore) -> None:
        self._store = store
        self.calendars: dict[CalendarKey, CalendarDay] = {}
        self.stats: dict[HostKey, HostStats] = {}
        self.timelines: dict[HostKey, dict[str, datetime]] = {}

    def fetch(self, reads: Reads) -> None:
        """Read what is not known yet: calendar days and stats by key, whole timelines by partition."""
        days = [k for k in reads.calendar_days if k not in self.calendars]
        stats = [k for k in reads.stats if k not in self.stats]
        day_keys = {k: _pair(keys.calendar_day(*k)) for k in days}
        stats_keys = {k: _pair(keys.host_stats(*k)) for k in stats}
        found = self._store.get_items([*day_keys.values(), *stats_keys.values()])
        for (user_id, day), key in day_keys.items():
            self.calendars[(user_id, day)] = derived_codec.calendar_day_from_wire(
                user_id, day, found.get(key)
            )
        for host, key in stats_keys.items():
            self.stats[host] = codec.host_stats_from_wire(found[key]) if key in found else NEVER_BOOKED
        timelines = [k for k in reads.timelines if k not in self.timelines]
        partitions = self._store.partitions(keys.host_timeline_partition(*k) for k in timelines)
        for host in timelines:
            entries = partitions[keys.host_timeline_partition(*host)]
            self.timelines[host] = {e["uid"]: parse_iso(e["createdAt"]) for e in entries}

    def state(self, edits: Edits) -> DerivedState:
        remaining: dict[HostKey, TimelineTop] = {}
        for host in edits.timeline_removed:
            if not needs_timeline(self.stats[host], edits.lost(host)):
                continue  # the stats tell the latest left
            touched = edits.touched_uids(host)
            others = (
                timeline_position(at, uid) for uid, at in self.timelines[host].items() if uid not in touched
            )
            remaining[host] = TimelineTop(tuple(sorted(others, reverse=True)), whole=True)
        return DerivedState(self.calendars, self.stats, remaining)

    def committed(self, writes: DerivedWrites) -> None:
        for day in writes.calendar_days:
            self.calendars[(day.user_id, day.day)] = replace(day, version=day.version + 1)
        for host, stats in writes.stats.items():
            self.stats[host] = replace(stats, version=stats.version + 1)
        for entry in writes.timeline_removed:
            self.timelines.get((entry.event_type_id, entry.user_id), {}).pop(entry.uid, None)
        for entry in writes.timeline_added:
            if (timeline := self.timelines.get((entry.event_type_id, entry.user_id))) is not None:
                timeline[entry.uid] = entry.created_at

    def forget(self, reads: Reads) -> None:
        for day in reads.calendar_days:
            self.calendars.pop(day, None)
        for host in reads.stats:
            self.stats.pop(host, None)
        for host in reads.timelines:
            self.timelines.pop(host, None)


def _pair(key: dict[str, str]) -> tuple[str, str]:
    return key["PK"], key["SK"]


def _footprint(edits: Edits) -> set[tuple[Any, ...]]:
    """The derived items some edits write (a transaction may name each item once)."""
    reads = edits.reads()
    return {
        *(("day", k) for k in reads.calendar_days),
        *(("stats", k) for k in reads.stats),
        *(("counter", k) for k in edits.counters),
        *(
            ("counted", k, shard)
            for k, entries in edits.counted.items()
            for shard in derived_codec.counted_by_shard(entries)
        ),
        *(("timeline", h, uid) for h, uids in edits.timeline_added.items() for uid in uids),
        *(("timeline", h, uid) for h, uids in edits.timeline_removed.items() for uid in uids),
    }


def _all_reads(edits: Iterable[Edits]) -> Reads:
    days: set[tuple[int, date]] = set()
    stats: set[HostKey] = set()
    timelines: set[HostKey] = set()
    for one in edits:
        reads = one.reads()
        days |= reads.calendar_days
        stats |= reads.stats
        timelines |= reads.timelines
    return Reads(frozenset(days), frozenset(stats), frozenset(timelines))


class Applier:
    def __init__(
        self,
        store: LoadStore,
        refresh: Callable[[Sequence[Unit]], list[Unit]],
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._cache = DerivedCache(store)
        self._table = store.table(DATA_TABLE)

    def apply(self, units: Sequence[Unit]) -> None:
        edits = [bookkeeping.edits_for([unit.change]) for unit in units]
        self._cache.fetch(_all_reads(edits))  # everything at once: then one transaction after another
        queue = deque(zip(units, map(_footprint, edits), strict=True))
        while queue:
            chunk: list[Unit] = []
            touched: set[tuple[Any, ...]] = set()
            while queue and len(chunk) + 1 + len(touched | queue[0][1]) <= TRANSACTION_LIMIT:
                unit, footprint = queue.popleft()
                chunk.append(unit)
                touched |= footprint
            if not chunk:  # a unit alone is over the limit
                unit, footprint = queue[0]
                raise LoadConflict(
                    f"{unit.item['PK']}: changes {len(footprint) + 1} items, more than one transaction "
                    f"can hold ({TRANSACTION_LIMIT})"
                )
            self._commit(chunk)

    def _commit(self, chunk: list[Unit]) -> None:
        for attempt in range(MAX_ATTEMPTS):
            edits = bookkeeping.edits_for(unit.change for unit in chunk)
            reads = edits.reads()
            self._cache.fetch(reads)
            writes = bookkeeping.derived_writes(edits, self._cache.state(edits))
            actions = [unit.action(self._table) for unit in chunk] + derived_actions(self._table, writes)
            if len(actions) > TRANSACTION_LIMIT and len(chunk) > 1:  # grown on a retry: halve it
                middle = len(chunk) // 2
                self._commit(chunk[:middle])
                self._commit(chunk[middle:])
                return
            try:
                self._store.transact(actions)
            except TransactionCancelled as refused:
                if not set(refused.reasons) <= RETRIED:
                    raise LoadConflict(f"a transaction was refused: {refused}") from refused
                # Something read changed (or a concurrent transaction held an item): read again, redo.
                self._cache.forget(reads)
                chunk = self._refresh(chunk)
                if not chunk:
                    return
                self._store.backoff(attempt)
                continue
            self._cache.committed(writes)
            return
        raise LoadConflict(
            f"the store kept changing while writing {len(chunk)} records; run the loader again"
        )
