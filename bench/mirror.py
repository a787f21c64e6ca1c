"""The benchmark's oracle: what the store holds as far as an auto reassignment's choice reads it,
kept in memory from the dataset and every answer since, and the pure decision on it.

Independent of the store's own bookkeeping: calendars, last-booked times, weighting counts and the
calibration's inputs (the interval's counted bookings, everyone's out-of-office spells) are
recomputed here from the bookings; only the decision itself is reassign_core.domain's (planning
and selection), which is what an answer must agree with.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from reassign_core.domain import planning, selection
from reassign_core.domain.errors import NoHostAvailable
from reassign_core.domain.models import (
    Attendee,
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    Caller,
    CountedBooking,
    EventType,
    Host,
    HostStats,
    Interval,
)
from reassign_core.domain.timeutil import utc_days
from reassign_core.ingest import dataset as ds
from reassign_core.ingest.records import event_type_model, profile, schedule_model


@dataclass
class Mirror:
    """What the store holds, as far as the choice reads it, kept from the dataset and the answers."""

    event_types: dict[int, EventType]
    bookings: dict[str, Booking]
    schedules: dict[int, Any]
    caller: Caller
    busy: dict[tuple[int, date], dict[str, BusyEntry]] = field(default_factory=lambda: defaultdict(dict))
    away: dict[tuple[int, date], list[Interval]] = field(default_factory=lambda: defaultdict(list))
    booked: dict[tuple[int, int], list[datetime]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    # The calibration's inputs: per (event type, interval) its counted bookings; per user the spells.
    counted: dict[tuple[int, str], dict[str, CountedBooking]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    spells: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, raw: dict[str, Any], actor_id: int) -> Mirror:
        data = ds.parse_dataset(raw)
        # Reference data as the loader models it (records): only the derived state is kept here.
        profiles = {u.id: profile(u) for u in data.users}
        parents = {t.id: t.parentId for t in data.teams}
        schedules = {s.id: schedule_model(s) for s in data.schedules}
        event_types = {e.id: event_type_model(e, profiles, parents, schedules) for e in data.eventTypes}
        roles = {t.id: m.role for t in data.teams for m in t.members if m.userId == actor_id}
        mirror = cls(
            event_types=event_types,
            bookings={},
            schedules=schedules,
            caller=Caller(actor_id, is_system_admin=False, team_roles=roles),
        )
        for ooo in data.outOfOffice:
            mirror.spells[ooo.userId].append(Interval(ooo.start, ooo.end))
            for day in utc_days(ooo.start, ooo.end):
                mirror.away[(ooo.userId, day)].append(Interval(ooo.start, ooo.end))
        for b in data.bookings:
            booking = Booking(
                uid=b.uid,
                event_type_id=b.eventTypeId,
                organizer_id=b.userId,
                title=b.title,
                start=b.startTime,
                end=b.endTime,
                status=BookingStatus(b.status),
                created_at=b.createdAt,
                attendees=tuple(Attendee(a.name, a.email, a.timeZone) for a in b.attendees),
                responses_name=None,
                version=1,
            )
            mirror.bookings[b.uid] = booking
            mirror._hold(booking, +1)
        return mirror

    def _holders(self, booking: Booking) -> set[int]:
        """Users whose time the booking holds: the organizer and hosts attending by email."""
        event_type = self.event_types.get(booking.event_type_id or -1)
        if event_type is None:
            return {booking.organizer_id}
        attending = (event_type.host_by_email(a.email) for a in booking.attendees)
        return {booking.organizer_id} | {host.user_id for host in attending if host is not None}

    def _hold(self, booking: Booking, sign: int) -> None:
        """Add (+1) or remove (-1) the booking from what its holders' calendars and counts say."""
        holders = self._holders(booking)
        if booking.status in (BookingStatus.ACCEPTED, BookingStatus.PENDING):
            entry = BusyEntry(booking.start, booking.end, booking.status)
            for user_id in holders:
                for day in utc_days(booking.start, booking.end):
                    if sign > 0:
                        self.busy[(user_id, day)][booking.uid] = entry
                    else:
                        self.busy[(user_id, day)].pop(booking.uid, None)
        event_type = self.event_types.get(booking.event_type_id or -1)
        if event_type is None or booking.status is not BookingStatus.ACCEPTED:
            return
        round_robin = {h.user_id for h in event_type.round_robin_hosts}
        counted_for = frozenset(holders & round_robin)
        for interval in selection.all_interval_ids(booking.created_at, booking.start) if counted_for else ():
            entries = self.counted[(event_type.id, interval)]
            if sign > 0:
                entries[booking.uid] = CountedBooking(booking.created_at, booking.organizer_id, counted_for)
            else:
                entries.pop(booking.uid, None)
        for user_id in counted_for:
            times = self.booked[(event_type.id, user_id)]
            if sign > 0:
                bisect.insort(times, booking.created_at)
            else:
                times.remove(booking.created_at)
            for interval in selection.all_interval_ids(booking.created_at, booking.start):
                self.counts[(event_type.id, user_id, interval)] += sign

    def expected_winner(self, uid: str, now: datetime) -> Host | None:
        """The host the decision picks on this state; None: no host is available."""
        booking = self.bookings[uid]
        event_type = planning.check_reassignable(
            self.caller, booking, self.event_types.get(booking.event_type_id or -1), now
        )
        holder = planning.current_holder(event_type, booking)
        pool = selection.candidates(event_type, booking)
        if not pool:
            return None
        wanted = planning.host_data_request(event_type, booking, holder, pool, now)
        data = planning.HostData(
            schedules=self.schedules,
            calendars={
                (user_id, day): CalendarDay(
                    user_id,
                    day,
                    1,
                    dict(self.busy.get((user_id, day), {})),
                    tuple(self.away.get((user_id, day), ())),
                )
                for user_id, day in wanted.calendars
            },
            stats={
                user_id: HostStats(max(self.booked.get((event_type.id, user_id), []), default=None), 1)
                for user_id in wanted.stats_of
            },
            interval_counts={
                user_id: self.counts[(event_type.id, user_id, wanted.counter_interval or "")]
                for user_id in wanted.counters_of
            },
            holder_remaining=None,
            counted=tuple(self.counted.get((event_type.id, wanted.counter_interval or ""), {}).values()),
            away={user_id: tuple(self.spells.get(user_id, ())) for user_id in wanted.away_of},
            interval=wanted.interval,
        )
        try:
            return planning.choose_winner(event_type, booking, pool, data)
        except NoHostAvailable:
            return None

    def reassign(self, uid: str, winner_id: int) -> None:
        """The store after the booking went to `winner_id`."""
        booking = self.bookings[uid]
        event_type = self.event_types[booking.event_type_id or -1]
        winner = event_type.host(winner_id)
        assert winner is not None, f"answered host {winner_id} is not a host of the event type"
        after = planning.reassigned_booking(
            event_type, booking, planning.current_holder(event_type, booking), winner
        )
        self._hold(booking, -1)
        self.bookings[uid] = replace(after, version=booking.version + 1)
        self._hold(self.bookings[uid], +1)
