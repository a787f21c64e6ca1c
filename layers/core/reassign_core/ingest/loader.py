"""Load a dataset file into the service's tables, as changes to what they hold (the command line:
local/load.py, `make load`).

1. The whole file is validated first: a bad file is refused with every problem, nothing written.
2. What the store holds is read by key, never by Scan: the loader's registry of the records it wrote,
   the event types' partitions, the file's bookings, the calendars of users whose identity changed.
3. The plan — what will be added, changed and removed, per kind — is printed; `--dry-run` stops here.
4. Reference records are written and removed (the file is their whole truth: see records.py); then
   bookings and out-of-office entries, each with the derived items the bookkeeping says they change,
   in conditional transactions (bookings.py, apply.py); last the registry, so an interrupted load is
   simply run again.

Reloading over a live store is safe: bookings the service or the sync changed since they were loaded
keep their newer state, bookings missing from the file are left alone, every derived item stays
consistent with the bookings. Loading the same file twice: the second run has nothing to change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from reassign_core.domain import bookkeeping, people
from reassign_core.domain.bookkeeping import Edits
from reassign_core.ingest import dataset as ds
from reassign_core.ingest.apply import Applier
from reassign_core.ingest.bookings import (
    AwayUnit,
    BookingPlan,
    BookingUnit,
    away_units,
    booking_plan,
    refreshed,
    summary,
)
from reassign_core.ingest.records import (
    KINDS,
    Record,
    ReferenceDiff,
    Removal,
    directory,
    records,
    reference_diff,
    registry_item,
)
from reassign_core.store import keys
from reassign_core.store.loading import CREDENTIALS_TABLE, DATA_TABLE, LoadStore, key_of


@dataclass
class LoadPlan:
    reference: ReferenceDiff
    bookings: BookingPlan
    away: list[AwayUnit]
    derived: Edits  # everything the bookings and out-of-office changes do to derived items
    directory: people.Directory

    def is_empty(self) -> bool:
        return self.reference.is_empty() and not self.bookings.units and not self.away

    def report(self) -> list[str]:
        lines = []
        for kind in KINDS:
            added, changed = len(self.reference.added[kind]), len(self.reference.changed[kind])
            if added or changed or self.reference.removed[kind]:
                removed = len(self.reference.removed[kind])
                lines.append(f"  {kind:<14} {added} to add, {changed} to change, {removed} to remove")
        away = summary(self.away)
        if away:
            added, removed = away.get("add", 0), away.get("remove", 0)
            lines.append(f"  {'outOfOffice':<14} {added} to add, 0 to change, {removed} to remove")
        booked = summary(self.bookings.units)
        if booked or self.bookings.kept:
            lines.append(
                f"  {'bookings':<14} {booked.get('add', 0)} to add, {booked.get('change', 0)} to change, "
                f"{booked.get('recount', 0)} to recount (whom they count for changed); none removed"
            )
        if self.bookings.kept:
            shown = ", ".join(self.bookings.kept[:5]) + (", ..." if len(self.bookings.kept) > 5 else "")
            lines.append(
                f"  {'':<14} {len(self.bookings.kept)} kept as the store has them "
                f"(changed by the service since loaded): {shown}"
            )
        derived = self.derived
        if not derived.is_empty():
            timeline = sum(map(len, derived.timeline_added.values())) + sum(
                map(len, derived.timeline_removed.values())
            )
            lines.append(
                f"  {'derived':<14} {len(derived.reads().calendar_days)} calendar days, "
                f"{len(derived.reads().stats)} last-booked times, {timeline} timeline entries, "
                f"{len(derived.counters)} interval counters"
            )
        return lines or ["  nothing to change"]


def plan_load(data: ds.Dataset, store: LoadStore) -> LoadPlan:
    wanted = list(records(data))
    registered = {
        kind: {entry["SK"]: entry for entry in entries}
        for kind, entries in zip(
            [*KINDS, keys.OUT_OF_OFFICE],
            store.partitions(keys.registry_partition(k) for k in [*KINDS, keys.OUT_OF_OFFICE]).values(),
            strict=True,
        )
    }
    diff = reference_diff(wanted, registered, _unregistered_hosts(data, store, wanted, registered))
    who = directory(data)
    bookings = booking_plan(data, store, who, diff.recount_users(registered))
    away = away_units(data, list(registered[keys.OUT_OF_OFFICE].values()))
    derived = bookkeeping.edits_for([*(u.change for u in bookings.units), *(u.change for u in away)])
    return LoadPlan(diff, bookings, away, derived, who)


def _unregistered_hosts(
    data: ds.Dataset, store: LoadStore, wanted: list[Record], registered: Mapping[str, Mapping[str, Any]]
) -> list[Removal]:
    """Host items in the event types' partitions that neither the file nor the registry knows
    (written under an older key scheme, by position): the file is the whole truth for them too."""
    event_types = {e.id for e in data.eventTypes} | {int(name) for name in registered["eventTypes"]}
    known = {r.key for r in wanted if r.kind == "hosts"}
    known |= {(e["itemPK"], e["itemSK"]) for e in registered["hosts"].values()}
    found = store.partitions(keys.event_type_partition(e) for e in sorted(event_types))
    return [
        Removal("hosts", f"{event_type}#{item['userId']}", DATA_TABLE, key_of(item), "", registered=False)
        for partition, items in found.items()
        for item in items
        if item["SK"].startswith(keys.HOST_PREFIX) and key_of(item) not in known
        for event_type in [int(partition.removeprefix("EVENTTYPE#"))]
    ]


def apply_plan(plan: LoadPlan, store: LoadStore) -> None:
    reference = plan.reference
    for table in (DATA_TABLE, CREDENTIALS_TABLE):
        puts = [
            r.item
            for kind in KINDS
            for r in (*reference.added[kind], *reference.changed[kind])
            if r.table == table
        ]
        store.write(table, puts, [])
    # Credentials first: a key taken out of the file stops working before anything else changes.
    for table in (CREDENTIALS_TABLE, DATA_TABLE):
        gone = [r.key for kind in reversed(KINDS) for r in reference.removed[kind] if r.table == table]
        store.write(table, [], gone)
    # By creation day, then start day: bookings sharing both share every interval counter they feed,
    # so a transaction holding several writes each counter once.
    bookings = sorted(plan.bookings.units, key=_counter_order)
    Applier(store, lambda units: refreshed(units, store, plan.directory)).apply([*bookings, *plan.away])
    registry = [
        registry_item(r) for kind in KINDS for r in (*reference.added[kind], *reference.changed[kind])
    ]
    forgotten = [
        key_of(keys.registry_entry(r.kind, r.name))
        for kind in KINDS
        for r in reference.removed[kind]
        if r.registered
    ]
    store.write(DATA_TABLE, registry, forgotten)


def _counter_order(unit: BookingUnit) -> tuple[date, date, str]:
    booking = unit.change.after
    return booking.created_at.date(), booking.start.date(), booking.uid


def load_dataset(
    data: ds.Dataset,
    table_names: Mapping[str, str],
    client: Any,
    progress: TextIO | None = None,
    out: TextIO | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Plan, print the plan to `out` (if given) and, unless a dry run, apply it. Returns the number
    of items written per table."""
    store = LoadStore(client, table_names)
    store.progress = progress
    plan = plan_load(data, store)
    if out is not None:
        print("\n".join(plan.report()), file=out, flush=True)
    if not dry_run and not plan.is_empty():
        apply_plan(plan, store)
    return dict(store.written)


def read_dataset(path: Path) -> ds.Dataset:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        reason = (
            "no such file" if isinstance(error, FileNotFoundError) else f"cannot be read: {error.strerror}"
        )
        raise ds.DatasetError([ds.Problem(path="$", reason=reason)]) from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ds.DatasetError([ds.Problem(path="$", reason=f"not valid JSON: {error}")]) from error
    return ds.parse_dataset(raw)


def load_file(
    path: Path, table_names: Mapping[str, str], client: Any, progress: TextIO | None = None
) -> dict[str, int]:
    return load_dataset(read_dataset(path), table_names, client, progress)
