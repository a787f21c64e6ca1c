"""One bookkeeping: what a change does to the data the selection reads instead of booking history.

The derived data, all of it kept here and nowhere else:
- calendar days, per user per UTC day: the ACCEPTED and PENDING bookings holding the user's time and
  the user's out-of-office spells, each day with a version that writes are conditioned on;
- per event type and round-robin host: a timeline (one entry per ACCEPTED booking, by creation),
  the stats (the timeline's newest few entries, the latest being the last-booked time) and interval
  counters (ACCEPTED bookings per weighting interval, for every interval setting: see
  selection.all_interval_ids);
- per event type and interval, the counted bookings themselves (creation time, organizer, hosts
  counted for: the calibration's input, read with the counters);
- per user, the out-of-office spells (the calibration's other input, one item per user);
- the schedule copies host items carry (see models.Host.schedule).

A change is a pair of recorded states of a booking, each carrying whom it counts for (people.py).

Three steps, so every caller reads only what it needs, in as few round trips as it likes:

    edits = bookkeeping.edits_for([BookingChange(before, after), OutOfOfficeChange(...)])
    needed = edits.reads()                                  # calendar days, stats, timelines
    writes = bookkeeping.derived_writes(edits, DerivedState(...))  # each item at the version read

A caller may also leave unread what the edits only take away (`Edits.removals_only`): a booking
taken off a calendar day, an entry leaving a host's timeline. Those are written blind, on the
conditions DerivedWrites states, which is what lets the sync take a booking away from people it
only learns of by reading the booking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import NamedTuple

from reassign_core.domain.host_stats import stats_after
from reassign_core.domain.models import (
    BUSY_STATUSES,
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    CountedBooking,
    EventType,
    HostStats,
    Interval,
    Schedule,
    TimelineTop,
    timeline_position,
)
from reassign_core.domain.selection import all_interval_ids
from reassign_core.domain.timeutil import utc_days

CalendarKey = tuple[int, date]  # (user id, UTC day)
HostKey = tuple[int, int]  # (event type id, round-robin host's user id)
CounterKey = tuple[int, str]  # (event type id, interval id)


# --- changes and the edits they make -----------------------------------------------------------


class BookingChange(NamedTuple):
    """A booking created (`before` None) or changed in any way: time, status, people, event type.
    Both states carry their participants."""

    before: Booking | None
    after: Booking


class OutOfOfficeChange(NamedTuple):
    user_id: int
    spell: Interval
    added: bool  # False: removed


Change = BookingChange | OutOfOfficeChange


class TimelineEntry(NamedTuple):
    event_type_id: int
    user_id: int
    created_at: datetime
    uid: str


class Edits:
    """What some changes do to derived items, before anything is read.

    busy: per calendar day, each changed booking's entry there now (None: no longer there);
    away: per calendar day, out-of-office spells added (True) or removed (False);
    timeline_added / timeline_removed: per host, booking uid → creation time;
    counters: per event type and interval, the change of each host's count;
    counted: per event type and interval, each changed booking's entry there now (None: gone);
    away_spells: per user, out-of-office spells added (True) or removed (False).
    """

    __slots__ = ("away", "away_spells", "busy", "counted", "counters", "timeline_added", "timeline_removed")

    def __init__(self) -> None:
        self.busy: dict[CalendarKey, dict[str, BusyEntry | None]] = defaultdict(dict)
        self.away: dict[CalendarKey, list[tuple[Interval, bool]]] = defaultdict(list)
        self.timeline_added: dict[HostKey, dict[str, datetime]] = defaultdict(dict)
        self.timeline_removed: dict[HostKey, dict[str, datetime]] = defaultdict(dict)
        self.counters: dict[CounterKey, dict[int, int]] = defaultdict(dict)
        self.counted: dict[CounterKey, dict[str, CountedBooking | None]] = defaultdict(dict)
        self.away_spells: dict[int, dict[Interval, bool]] = defaultdict(dict)

    def reads(self) -> Reads:
        return Reads(
            calendar_days=frozenset(self.busy.keys() | self.away.keys()),
            stats=frozenset(self.timeline_added.keys() | self.timeline_removed.keys()),
            timelines=frozenset(self.timeline_removed),
        )

    def removals_only(self) -> Reads:
        """What these edits can write without reading it: the calendar days they only take bookings
        off, and the hosts that only lose timeline entries (their stats and timelines)."""
        days = frozenset(
            key
            for key, entries in self.busy.items()
            if key not in self.away and all(entry is None for entry in entries.values())
        )
        hosts = frozenset(self.timeline_removed.keys() - self.timeline_added.keys())
        return Reads(calendar_days=days, stats=hosts, timelines=hosts)

    def lost(self, host: HostKey) -> set[str]:
        """The timeline positions these edits take from a host."""
        return set(_positions(self.timeline_removed.get(host, {})))

    def touched_uids(self, host: HostKey) -> set[str]:
        """The bookings these edits add to or take from a host's timeline."""
        return self.timeline_added.get(host, {}).keys() | self.timeline_removed.get(host, {}).keys()

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__slots__)


class Reads(NamedTuple):
    """What the writes rest on: calendar days and stats (with their versions), and for each host
    losing a timeline entry, the newest entries the edits leave alone (`DerivedState.remaining`)."""

    calendar_days: frozenset[CalendarKey]
    stats: frozenset[HostKey]
    timelines: frozenset[HostKey]


NOTHING_UNREAD = Reads(frozenset(), frozenset(), frozenset())


def _calendar(booking: Booking | None) -> dict[CalendarKey, BusyEntry]:
    if booking is None or booking.status not in BUSY_STATUSES:
        return {}
    assert booking.participants is not None, "a booking change carries its participants"
    entry = BusyEntry(booking.start, booking.end, booking.status)
    days = utc_days(booking.start, booking.end)
    return {(user_id, day): entry for user_id in booking.participants.people for day in days}


def _counted(booking: Booking | None) -> dict[HostKey, datetime]:
    """The hosts an ACCEPTED booking is counted for, with the time its timeline entry sorts by."""
    if booking is None or booking.status is not BookingStatus.ACCEPTED or booking.event_type_id is None:
        return {}
    assert booking.participants is not None, "a booking change carries its participants"
    return {
        (booking.event_type_id, user_id): booking.created_at for user_id in booking.participants.round_robin
    }


def _counted_entries(
    booking: Booking | None, counted: Mapping[HostKey, datetime]
) -> dict[CounterKey, CountedBooking]:
    """The booking's entry in each interval it is counted in (`counted`: see `_counted`)."""
    if booking is None or not counted:
        return {}
    entry = CountedBooking(booking.created_at, booking.organizer_id, frozenset(u for _, u in counted))
    event_type_id = next(iter(counted))[0]
    return {(event_type_id, i): entry for i in all_interval_ids(booking.created_at, booking.start)}


def _add_booking_change(edits: Edits, change: BookingChange) -> None:
    uid = change.after.uid
    before_days, after_days = _calendar(change.before), _calendar(change.after)
    for key in before_days.keys() | after_days.keys():
        if before_days.get(key) != after_days.get(key):
            edits.busy[key][uid] = after_days.get(key)

    before_counted, after_counted = _counted(change.before), _counted(change.after)
    for host, created_at in before_counted.items():
        if after_counted.get(host) != created_at:
            edits.timeline_removed[host][uid] = created_at
    for host, created_at in after_counted.items():
        if before_counted.get(host) != created_at:
            edits.timeline_added[host][uid] = created_at
    for booking, counted, sign in ((change.before, before_counted, -1), (change.after, after_counted, 1)):
        if not counted or booking is None:
            continue
        intervals = all_interval_ids(booking.created_at, booking.start)
        for event_type_id, user_id in counted:
            for interval in intervals:
                per_host = edits.counters[(event_type_id, interval)]
                per_host[user_id] = per_host.get(user_id, 0) + sign
    before_entries = _counted_entries(change.before, before_counted)
    after_entries = _counted_entries(change.after, after_counted)
    for counter in before_entries.keys() | after_entries.keys():
        if before_entries.get(counter) != after_entries.get(counter):
            edits.counted[counter][uid] = after_entries.get(counter)


def _drop_zero_counts(edits: Edits) -> None:
    """A booking moved within an interval leaves its counts as they were: nothing to write."""
    for key, per_host in list(edits.counters.items()):
        for user_id in [u for u, delta in per_host.items() if delta == 0]:
            del per_host[user_id]
        if not per_host:
            del edits.counters[key]


def edits_for(changes: Iterable[Change]) -> Edits:
    """The edits of some changes together (each booking at most once)."""
    edits = Edits()
    for change in changes:
        if isinstance(change, BookingChange):
            _add_booking_change(edits, change)
        else:
            for day in utc_days(change.spell.start, change.spell.end):
                edits.away[(change.user_id, day)].append((change.spell, change.added))
            edits.away_spells[change.user_id][change.spell] = change.added
    _drop_zero_counts(edits)
    return edits


# --- the writes --------------------------------------------------------------------------------


class DerivedState(NamedTuple):
    """What was read for the edits (see Edits.reads). Calendar days and stats of version 0 are absent
    items. `remaining`: for a host losing timeline entries whose stats cannot tell the latest left
    (`host_stats.needs_timeline`), its newest entries other than the bookings the edits touch, read after its
    stats (read with them, the timeline could miss a booking the stats' version already counts).
    `unread`: what the caller left unread of what the edits only take away (Edits.removals_only):
    it is written blind."""

    calendars: Mapping[CalendarKey, CalendarDay]
    stats: Mapping[HostKey, HostStats]
    remaining: Mapping[HostKey, TimelineTop]
    unread: Reads = NOTHING_UNREAD


class CalendarRemoval(NamedTuple):
    """Bookings taken off a calendar day that was not read."""

    user_id: int
    day: date
    uids: tuple[str, ...]


class DerivedWrites(NamedTuple):
    """The derived items to write. Calendar days and stats carry their new content at the version they
    were read at: the write bumps it, on condition that it is still the one read. Counters are deltas;
    counted bookings and out-of-office spells are set or removed one by one (None / False: removed).

    What was left unread is written blind, and bumps the version too: `calendar_removals`, on
    condition that each booking is still on its day; `stats_removals`, the timeline positions a host
    loses from its stats' top, on condition that the top is the whole timeline, or keeps more than
    those positions, or holds none of them (else the latest left may not be known). A failed
    condition fails the whole write: the caller applies the change again, reading everything."""

    calendar_days: tuple[CalendarDay, ...]
    stats: dict[HostKey, HostStats]
    counters: dict[CounterKey, dict[int, int]]
    timeline_added: tuple[TimelineEntry, ...]
    timeline_removed: tuple[TimelineEntry, ...]
    counted: dict[CounterKey, dict[str, CountedBooking | None]]
    away_spells: dict[int, dict[Interval, bool]]
    calendar_removals: tuple[CalendarRemoval, ...]
    stats_removals: dict[HostKey, tuple[str, ...]]


def _day_after(
    day: CalendarDay, busy: Mapping[str, BusyEntry | None], away: list[tuple[Interval, bool]]
) -> CalendarDay:
    entries = dict(day.busy)
    for uid, entry in busy.items():
        entries.pop(uid, None)
        if entry is not None:
            entries[uid] = entry
    spells = list(day.out_of_office)
    for spell, added in away:
        if added:
            spells.append(spell)
        elif spell in spells:
            spells.remove(spell)
    # In time order: the same spells are stored alike, whatever order they came in.
    return replace(day, busy=entries, out_of_office=tuple(sorted(spells, key=_spell_order)))


def _spell_order(spell: Interval) -> tuple[datetime, datetime]:
    return spell.start, spell.end


def _entries(by_host: Mapping[HostKey, Mapping[str, datetime]]) -> Iterator[TimelineEntry]:
    for (event_type_id, user_id), entries in by_host.items():
        for uid, created_at in entries.items():
            yield TimelineEntry(event_type_id, user_id, created_at, uid)


def _positions(entries: Mapping[str, datetime]) -> list[str]:
    return [timeline_position(created_at, uid) for uid, created_at in entries.items()]


def derived_writes(edits: Edits, state: DerivedState) -> DerivedWrites:
    if state.unread is not NOTHING_UNREAD:
        blind = edits.removals_only()
        assert state.unread.calendar_days <= blind.calendar_days, "only removals go unread"
        assert state.unread.stats <= blind.stats, "only removals go unread"
    no_busy: Mapping[str, BusyEntry | None] = {}
    days, removals = [], []
    for key in dict.fromkeys([*edits.busy, *edits.away]):
        if key in state.unread.calendar_days:
            removals.append(CalendarRemoval(*key, tuple(sorted(edits.busy[key]))))
        else:
            days.append(
                _day_after(state.calendars[key], edits.busy.get(key, no_busy), edits.away.get(key, []))
            )
    stats: dict[HostKey, HostStats] = {}
    stats_removals: dict[HostKey, tuple[str, ...]] = {}
    for host in dict.fromkeys([*edits.timeline_added, *edits.timeline_removed]):
        lost = edits.lost(host)
        if host in state.unread.stats:
            stats_removals[host] = tuple(sorted(lost))
            continue
        gained = _positions(edits.timeline_added.get(host, {}))
        stats[host] = stats_after(state.stats[host], lost, gained, state.remaining.get(host))
    return DerivedWrites(
        calendar_days=tuple(days),
        stats=stats,
        counters={key: dict(per_host) for key, per_host in edits.counters.items()},
        timeline_added=tuple(_entries(edits.timeline_added)),
        timeline_removed=tuple(_entries(edits.timeline_removed)),
        counted={key: dict(entries) for key, entries in edits.counted.items()},
        away_spells={user_id: dict(spells) for user_id, spells in edits.away_spells.items()},
        calendar_removals=tuple(removals),
        stats_removals=stats_removals,
    )


# --- schedule copies on host items -------------------------------------------------------------


def copied_schedule_id(
    event_type: EventType, host_schedule_id: int | None, default_schedule_id: int | None
) -> int | None:
    """The schedule a host item carries a copy of: the host's own (its `scheduleId`, else its user's
    default); none when the event type has a schedule, which then applies to every host."""
    if event_type.schedule_id is not None:
        return None
    return host_schedule_id or default_schedule_id


def schedule_copy(
    event_type: EventType,
    host_schedule_id: int | None,
    default_schedule_id: int | None,
    schedules: Mapping[int, Schedule],
) -> Schedule | None:
    schedule_id = copied_schedule_id(event_type, host_schedule_id, default_schedule_id)
    return schedules[schedule_id] if schedule_id is not None else None


def hosts_carrying(schedule_id: int, event_types: Iterable[EventType]) -> list[HostKey]:
    """The host items whose copy must be rewritten when this schedule changes."""
    return [
        (event_type.id, host.user_id)
        for event_type in event_types
        for host in event_type.hosts
        if copied_schedule_id(event_type, host.schedule_id, host.user.default_schedule_id) == schedule_id
    ]
