"""The bookkeeping, applied change after change, never drifts from a recomputation from scratch.

Pure and in memory: a generated dataset is created booking by booking, then edited at random —
bookings made, moved, cancelled, handed to other people, given another event type or creation
time; out-of-office entries added and removed; emails changed; hosts made fixed, round robin,
added and removed. After each edit the changes it makes (every booking whose fields or whom it
counts for differ, every out-of-office entry added or removed) go through the bookkeeping, and the
derived items kept that way must equal the oracle's (tests/derived_oracle.py) for the dataset now.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from reassign_core.domain import bookkeeping, people
from reassign_core.domain.bookkeeping import (
    NOTHING_UNREAD,
    BookingChange,
    CalendarKey,
    Change,
    DerivedState,
    HostKey,
    OutOfOfficeChange,
)
from reassign_core.domain.host_stats import timeline_depth
from reassign_core.domain.models import (
    NEVER_BOOKED,
    Booking,
    CalendarDay,
    CountedBooking,
    HostStats,
    Interval,
    TimelineTop,
    timeline_position,
)
from reassign_core.ingest.dataset import Dataset, parse_dataset
from reassign_core.ingest.records import directory
from reassign_core.store import codec, derived_codec
from reassign_core.store.codec import Item, from_wire, to_wire
from tests.property.profiles import profile
from tests.property.store_state import _content, recomputed_derived
from tests.property.strategies import CUSTOMERS, ROUND_ROBIN_TYPE, iso, scenarios


class DerivedMemory:
    """Derived items kept in memory by applying the bookkeeping's writes, as a store would."""

    def __init__(self) -> None:
        self.calendars: dict[CalendarKey, CalendarDay] = {}
        self.stats: dict[HostKey, HostStats] = {}
        self.counters: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
        self.timelines: dict[HostKey, dict[str, datetime]] = defaultdict(dict)
        self.bookings: dict[str, Booking] = {}
        self.away: set[tuple[int, datetime, datetime]] = set()
        self.counted: dict[tuple[int, str], dict[str, CountedBooking]] = defaultdict(dict)
        self.spells: dict[int, set[Interval]] = defaultdict(set)

    def apply(self, changes: list[Change], blind: bool = False, shallow: bool = False) -> None:
        """Apply the changes' writes; `blind`: leave unread what they only take away, as the sync
        does (and apply them again reading everything when a blind write's condition fails);
        `shallow`: read only a timeline's newest entries, as the store's Queries do (what the
        stats keep beyond the bookings the changes touch)."""
        edits = bookkeeping.edits_for(changes)
        needed = edits.reads()
        unread = edits.removals_only() if blind else NOTHING_UNREAD
        hosts = needed.stats - unread.stats
        state = DerivedState(
            calendars={
                k: self.calendars.get(k, CalendarDay(k[0], k[1], 0, {}, ()))
                for k in needed.calendar_days - unread.calendar_days
            },
            stats={k: self.stats.get(k, NEVER_BOOKED) for k in hosts},
            remaining={host: self._newest(host, edits, shallow) for host in needed.timelines & hosts},
            unread=unread,
        )
        writes = bookkeeping.derived_writes(edits, state)
        if not self._blind_writes_hold(writes):
            self.apply(changes, blind=False, shallow=shallow)
            return
        for removal in writes.calendar_removals:
            day = self.calendars[(removal.user_id, removal.day)]
            busy = {uid: e for uid, e in day.busy.items() if uid not in removal.uids}
            self.calendars[(removal.user_id, removal.day)] = replace(day, busy=busy, version=day.version + 1)
        for host, lost in writes.stats_removals.items():
            stats = self.stats[host]
            assert stats.top is not None
            kept = tuple(p for p in stats.top.positions if p not in lost)
            self.stats[host] = HostStats.keeping(TimelineTop(kept, stats.top.whole), stats.version + 1)
        for day in writes.calendar_days:
            assert (
                day.version
                == self.calendars.get((day.user_id, day.day), CalendarDay(0, day.day, 0, {}, ())).version
            )
            self.calendars[(day.user_id, day.day)] = replace(day, version=day.version + 1)
        for host, stats in writes.stats.items():
            assert stats.version == self.stats.get(host, NEVER_BOOKED).version
            self.stats[host] = replace(stats, version=stats.version + 1)
        for key, deltas in writes.counters.items():
            for user_id, delta in deltas.items():
                self.counters[key][user_id] = self.counters[key].get(user_id, 0) + delta
        for key, entries in writes.counted.items():
            for uid, counted in entries.items():
                if counted is None:
                    self.counted[key].pop(uid, None)
                else:
                    self.counted[key][uid] = counted
        for user_id, spells in writes.away_spells.items():
            for spell, kept in spells.items():
                (self.spells[user_id].add if kept else self.spells[user_id].discard)(spell)
        for entry in writes.timeline_removed:
            del self.timelines[(entry.event_type_id, entry.user_id)][entry.uid]
        for entry in writes.timeline_added:
            self.timelines[(entry.event_type_id, entry.user_id)][entry.uid] = entry.created_at
        for change in changes:
            if isinstance(change, BookingChange):
                self.bookings[change.after.uid] = change.after

    def _newest(self, host: HostKey, edits: bookkeeping.Edits, shallow: bool) -> TimelineTop:
        """The host's newest timeline entries but the bookings the edits touch, all of them or
        (`shallow`) as a Query of what the stats keep beyond those bookings reads them."""
        touched = edits.touched_uids(host)
        depth = timeline_depth(len(touched)) if shallow else None
        found = sorted(
            (timeline_position(at, uid) for uid, at in self.timelines[host].items()), reverse=True
        )[:depth]
        kept = tuple(p for p in found if p.partition("#")[2] not in touched)
        return TimelineTop(kept, whole=depth is None or len(found) < depth)

    def _blind_writes_hold(self, writes: bookkeeping.DerivedWrites) -> bool:
        """The conditions of the blind writes, as the store checks them (store/derived.py)."""
        for removal in writes.calendar_removals:
            day = self.calendars.get((removal.user_id, removal.day))
            if day is None or not all(uid in day.busy for uid in removal.uids):
                return False
        for host, lost in writes.stats_removals.items():
            top = self.stats.get(host, NEVER_BOOKED).top
            if top is None or not top.positions:
                return False
            if not (top.whole or len(top.positions) > len(lost) or not set(lost) & set(top.positions)):
                return False
        return True

    def items(self) -> list[Item]:
        found = [derived_codec.calendar_day_item(day) for day in self.calendars.values()]
        found += [codec.host_stats_item(e, u, stats) for (e, u), stats in self.stats.items()]
        found += [
            derived_codec.interval_counts_item(e, i, counts) for (e, i), counts in self.counters.items()
        ]
        found += [
            item
            for (e, i), entries in self.counted.items()
            for item in derived_codec.counted_items(e, i, entries)
        ]
        found += [derived_codec.away_item(user_id, spells) for user_id, spells in self.spells.items()]
        found += [
            derived_codec.timeline_item(e, u, at, uid)
            for (e, u), entries in self.timelines.items()
            for uid, at in entries.items()
        ]
        return [from_wire(to_wire(item)) for item in found]


def changes_to(memory: DerivedMemory, data: Dataset) -> list[Change]:
    """What differs between what the memory has applied and the dataset now."""
    who = directory(data)
    changes: list[Change] = []
    for raw in data.bookings:
        booking = codec.booking_from_item(raw.model_dump(mode="json") | {"version": 1})
        booking = replace(booking, participants=people.participants(booking, who))
        if memory.bookings.get(booking.uid) != booking:
            changes.append(BookingChange(memory.bookings.get(booking.uid), booking))
    spells = {(a.userId, a.start, a.end) for a in data.outOfOffice}
    changes += [OutOfOfficeChange(u, Interval(s, e), True) for u, s, e in spells - memory.away]
    changes += [OutOfOfficeChange(u, Interval(s, e), False) for u, s, e in memory.away - spells]
    memory.away = spells
    return changes


@st.composite
def edit(draw: st.DrawFn, dataset: dict[str, Any], when: datetime) -> str:
    """Edit the dataset in place at random; returns what was done (for the failure report)."""
    bookings, users = dataset["bookings"], dataset["users"]
    hosts = dataset["eventTypes"][0]["hosts"]
    kinds = ["make", "away", "email", "host"]
    if bookings:
        kinds += ["move", "status", "people", "type", "created"]
    kind = draw(st.sampled_from(kinds))
    if kind == "make":
        start = when + timedelta(minutes=15 * draw(st.integers(-60, 100)))
        uid = f"new-{len(bookings)}"
        bookings.append(
            {
                "uid": uid, "eventTypeId": draw(st.sampled_from([ROUND_ROBIN_TYPE, 200, None])),
                "userId": draw(st.sampled_from([u["id"] for u in users])), "startTime": iso(start),
                "endTime": iso(start + timedelta(minutes=draw(st.sampled_from([15, 60, 60 * 30])))),
                "status": draw(st.sampled_from(["ACCEPTED", "ACCEPTED", "PENDING", "CANCELLED"])),
                "createdAt": iso(when - timedelta(days=draw(st.integers(0, 60)))),
                "attendees": [_attendee(draw, users)],
            }
        )  # fmt: skip
        return f"make {uid}"
    if kind == "away":
        away = dataset["outOfOffice"]
        if away and draw(st.booleans()):
            return f"away removed {away.pop(draw(st.integers(0, len(away) - 1)))}"
        start = when + timedelta(hours=draw(st.integers(-30, 30)))
        spell = {"userId": draw(st.sampled_from([u["id"] for u in users])), "start": iso(start)}
        spell["end"] = iso(start + timedelta(hours=draw(st.integers(1, 40))))
        if any(_same_spell(a, spell) for a in away):
            return "away: none (would repeat an entry)"
        away.append(spell)
        return f"away added {spell}"
    if kind == "email":
        user = draw(st.sampled_from(users))
        taken = {u["email"].casefold() for u in users}
        wanted = draw(
            st.sampled_from([f"{c.lower()}@customer.test" for c in CUSTOMERS] + [f"x{user['id']}@new.test"])
        )
        if wanted.casefold() in taken:
            return "email: none (taken)"
        user["email"] = wanted
        return f"email of {user['id']} → {wanted}"
    if kind == "host":
        user_id = draw(st.sampled_from([u["id"] for u in users]))
        found = [h for h in hosts if h["userId"] == user_id]
        if not found:
            hosts.append({"userId": user_id})
            return f"host {user_id} added"
        if draw(st.booleans()):
            hosts.remove(found[0])
            return f"host {user_id} removed"
        found[0]["isFixed"] = not found[0].get("isFixed", False)
        return f"host {user_id} fixed={found[0]['isFixed']}"
    booking = draw(st.sampled_from(bookings))
    if kind == "move":
        shift = timedelta(minutes=15 * draw(st.integers(-200, 200)))
        for field in ("startTime", "endTime"):
            booking[field] = iso(datetime.fromisoformat(booking[field]) + shift)
    elif kind == "status":
        booking["status"] = draw(st.sampled_from(["ACCEPTED", "PENDING", "CANCELLED", "REJECTED"]))
    elif kind == "people":
        if draw(st.booleans()):
            booking["userId"] = draw(st.sampled_from([u["id"] for u in users]))
        else:
            booking["attendees"] = [_attendee(draw, users) for _ in range(draw(st.integers(0, 2)))]
    elif kind == "type":
        booking["eventTypeId"] = draw(st.sampled_from([ROUND_ROBIN_TYPE, 200, None]))
    else:
        booking["createdAt"] = iso(
            datetime.fromisoformat(booking["createdAt"]) - timedelta(days=draw(st.integers(1, 40)))
        )
    return f"{kind} {booking['uid']}"


def _same_spell(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return one["userId"] == other["userId"] and all(
        datetime.fromisoformat(one[f]) == datetime.fromisoformat(other[f]) for f in ("start", "end")
    )


def _attendee(draw: st.DrawFn, users: list[dict[str, Any]]) -> dict[str, str]:
    customers = [f"{c.lower()}@customer.test" for c in CUSTOMERS]
    email = draw(st.sampled_from([*customers, *(u["email"] for u in users)]))
    return {"name": "x", "email": draw(st.sampled_from([email, email.upper()]))}


@profile(scale=2.0)
@given(scenario=scenarios(), data=st.data())
def test_changes_through_the_bookkeeping_equal_a_recomputation(scenario: Any, data: st.DataObject) -> None:
    dataset = copy.deepcopy(scenario.dataset)
    memory = DerivedMemory()
    for _ in range(data.draw(st.integers(1, 12), label="edits")):
        # Now and then several edits land together, as one load applies a whole file.
        for _ in range(data.draw(st.sampled_from([1, 1, 1, 2, 3]))):
            note(data.draw(edit(dataset, scenario.now)))
        memory.apply(
            changes_to(memory, parse_dataset(dataset)),
            blind=data.draw(st.booleans(), label="blind"),
            shallow=data.draw(st.booleans(), label="shallow timeline reads"),
        )
        assert _content(memory.items()) == recomputed_derived(dataset)
