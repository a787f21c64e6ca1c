"""Bookings and out-of-office entries of the file, as changes to what the store holds.

Bookings are only added or updated, never removed: one missing from the file is left alone (the
sync adds bookings too). A booking the loader wrote and nobody changed since has `loadedVersion`
equal to its `version`, so the file's copy may replace it; once the service or the sync has changed
it (its version moved on), the store's state is the newer one and is kept. Every booking records
whom it counts for (models.Participants): when the file changes who is who (an email, a host), a
booking whose participants differ now is recounted, whether the file lists it or not.

Out-of-office entries are reference data: the file is their whole truth. Each one the loader wrote
is an item of its own (keys.out_of_office), written or deleted in the same transaction as the
calendar days it marks, so a reload can never mark a day twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reassign_core.domain import people
from reassign_core.domain.bookkeeping import BookingChange, OutOfOfficeChange
from reassign_core.domain.models import Booking, Interval
from reassign_core.domain.people import Directory
from reassign_core.domain.timeutil import iso, parse_iso
from reassign_core.ingest import dataset as ds
from reassign_core.store import codec, keys
from reassign_core.store.codec import Item, from_wire, to_wire
from reassign_core.store.derived import version_condition
from reassign_core.store.loading import LoadStore, key_of

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
LOADED_VERSION = "loadedVersion"  # the version the loader last wrote; no other writer sets it


@dataclass(frozen=True, slots=True)
class BookingUnit:
    """One booking to write with the derived items it changes: added (from the file), changed (the
    file's copy replaces the loader's), or recounted (same booking, whom it counts for changed)."""

    kind: str  # "add" | "change" | "recount"
    change: BookingChange
    item: Item
    read_version: int  # the version it rests on; 0: absent when read
    wanted: ds.Booking | None = field(default=None, compare=False)  # the file's copy, if listed

    def action(self, table: str) -> dict[str, Any]:
        return {
            "Put": {"TableName": table, "Item": to_wire(self.item), **version_condition(self.read_version)}
        }


@dataclass(frozen=True, slots=True)
class AwayUnit:
    """An out-of-office entry added to or removed from the store."""

    change: OutOfOfficeChange

    @property
    def item(self) -> Item:
        spell = self.change.spell
        return {
            **keys.out_of_office(self.change.user_id, spell.start, spell.end),
            "userId": self.change.user_id,
            "start": iso(spell.start),
            "end": iso(spell.end),
        }

    def action(self, table: str) -> dict[str, Any]:
        if self.change.added:
            return {
                "Put": {
                    "TableName": table,
                    "Item": to_wire(self.item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        key = keys.out_of_office(self.change.user_id, self.change.spell.start, self.change.spell.end)
        return {
            "Delete": {"TableName": table, "Key": to_wire(key), "ConditionExpression": "attribute_exists(PK)"}
        }


Unit = BookingUnit | AwayUnit


def _content(item: Item) -> dict[str, Any]:
    return {name: item.get(name) for name in BOOKING_FIELDS}


def _from_file(wanted: ds.Booking, directory: Directory, version: int) -> tuple[Booking, Item]:
    booking = codec.booking_from_item(wanted.model_dump(mode="json") | {"version": version})
    booking = replace(booking, participants=people.participants(booking, directory))
    # Through the wire format, as it will read back (no None values), so equal copies compare equal.
    return booking, from_wire(to_wire(codec.booking_item(booking, wanted.responses)))


def booking_unit(
    wanted: ds.Booking | None, stored: Item | None, directory: Directory
) -> tuple[BookingUnit | None, bool]:
    """What to write for one booking: (the unit, or None; whether the file's copy was left out
    because the store's is newer)."""
    if stored is None:
        if wanted is None:
            return None, False
        booking, item = _from_file(wanted, directory, 1)
        return BookingUnit("add", BookingChange(None, booking), item | {LOADED_VERSION: 1}, 0, wanted), False
    current = codec.booking_from_item(stored)
    version = current.version
    loaders = _loaded_version(stored) == version
    before = people.with_participants(current, directory)
    if wanted is not None and loaders:
        booking, item = _from_file(wanted, directory, version + 1)
        if _content(item) != _content(stored):
            change = BookingChange(before, booking)
            return BookingUnit("change", change, item | {LOADED_VERSION: version + 1}, version, wanted), False
    kept = (
        wanted is not None
        and not loaders
        and _content(_from_file(wanted, directory, 1)[1]) != _content(stored)
    )
    counted = people.participants(current, directory)
    if current.participants == counted:
        return None, kept
    after = replace(current, participants=counted, version=version + 1)
    item = stored | codec.participants_values(after, "people", "roundRobinPeople") | {"version": version + 1}
    if loaders:
        item[LOADED_VERSION] = version + 1
    return BookingUnit("recount", BookingChange(before, after), item, version, wanted), kept


def _loaded_version(stored: Item) -> int:
    """The version the loader last wrote. A booking stored before the loader kept it (and before
    bookings recorded their participants) was written by the loader at version 1; any other booking
    without it was never loaded (the sync's), so no file copy replaces it."""
    return int(stored.get(LOADED_VERSION, 1 if "people" not in stored else 0))


def held_uids(calendar_items: Iterable[Item]) -> set[str]:
    """The bookings a user's calendar days hold."""
    return {uid for item in calendar_items if item["SK"].startswith("DAY#") for uid in item.get("busy", {})}


@dataclass
class BookingPlan:
    units: list[BookingUnit]
    kept: list[str]  # uids whose file copy was left out: changed in the store since loaded


def booking_plan(
    data: ds.Dataset, store: LoadStore, directory: Directory, recount_users: Iterable[int]
) -> BookingPlan:
    """Every booking of the file, plus those held by users whose identity changed, against the store."""
    listed = {b.uid: b for b in data.bookings}
    found = store.get_items(keys_of(listed))
    calendars = store.partitions(keys.calendar_partition(u) for u in sorted(recount_users))
    others = sorted({uid for items in calendars.values() for uid in held_uids(items)} - listed.keys())
    found |= store.get_items(keys_of(others))
    plan = BookingPlan([], [])
    for uid in [*listed, *others]:
        stored = found.get(_booking_key(uid))
        unit, kept = booking_unit(listed.get(uid), from_wire(stored) if stored else None, directory)
        if unit is not None:
            plan.units.append(unit)
        if kept:
            plan.kept.append(uid)
    return plan


def _booking_key(uid: str) -> tuple[str, str]:
    key = keys.booking(uid)
    return key["PK"], key["SK"]


def keys_of(uids: Iterable[str]) -> list[tuple[str, str]]:
    return [_booking_key(uid) for uid in uids]


def away_units(data: ds.Dataset, registered: Sequence[Item]) -> list[AwayUnit]:
    """Out-of-office entries to add (in the file, not in the store) and to remove (the reverse)."""
    wanted = {
        key_of(keys.out_of_office(a.userId, a.start, a.end)): OutOfOfficeChange(
            a.userId, Interval(a.start, a.end), True
        )
        for a in data.outOfOffice
    }
    have = {key_of(entry): entry for entry in registered}
    units = [AwayUnit(change) for key, change in wanted.items() if key not in have]
    for key, entry in have.items():
        if key not in wanted:
            spell = Interval(parse_iso(entry["start"]), parse_iso(entry["end"]))
            units.append(AwayUnit(OutOfOfficeChange(entry["userId"], spell, False)))
    return units


def refreshed(units: Sequence[Unit], store: LoadStore, directory: Directory) -> list[Unit]:
    """The units again from what the store holds now (after a conflicting write): what is still to do."""
    found = store.get_items(key_of(unit.item) for unit in units)
    fresh: list[Unit] = []
    for unit in units:
        stored = found.get(key_of(unit.item))
        if isinstance(unit, AwayUnit):
            if (stored is None) == unit.change.added:
                fresh.append(unit)
            continue
        again, _ = booking_unit(unit.wanted, from_wire(stored) if stored else None, directory)
        if again is not None:
            fresh.append(again)
    return fresh


def summary(units: Sequence[Unit]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for unit in units:
        name = unit.kind if isinstance(unit, BookingUnit) else ("add" if unit.change.added else "remove")
        counts[name] = counts.get(name, 0) + 1
    return counts
