"""The test oracle: every derived item recomputed from scratch from a whole dataset.

The service, the loader (and later the sync) keep derived items by applying changes through
reassign_core.domain.bookkeeping; this is the independent recomputation they are checked against:
calendar days (busy ACCEPTED/PENDING bookings of every person, out-of-office spells), last-booked
times, timelines and interval counters of each event type's round-robin hosts, the counted bookings
in their interval's shard items and each user's out-of-office spells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from reassign_core.domain import selection
from reassign_core.domain.models import (
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    CountedBooking,
    HostStats,
    Interval,
)
from reassign_core.domain.timeutil import utc_days
from reassign_core.ingest import dataset as ds
from reassign_core.store import codec, derived_codec
from reassign_core.store.codec import Item


def _booking(booking: ds.Booking) -> Booking:
    return codec.booking_from_item(booking.model_dump(mode="json") | {"version": 1})


def derived_items(data: ds.Dataset) -> Iterator[Item]:
    """Calendars, stats, timelines and counters, computed from the whole dataset."""
    by_email = {u.email.casefold(): u.id for u in data.users}
    busy: dict[tuple[int, date], dict[str, BusyEntry]] = defaultdict(dict)
    away: dict[tuple[int, date], list[Interval]] = defaultdict(list)
    bookings = [_booking(b) for b in data.bookings]  # instants in UTC (the dataset normalises them)
    for booking in bookings:
        if booking.status not in (BookingStatus.ACCEPTED, BookingStatus.PENDING):
            continue
        holders = {booking.organizer_id} | {
            by_email[e] for a in booking.attendees if (e := a.email.casefold()) in by_email
        }
        for user_id in holders:
            for day in utc_days(booking.start, booking.end):
                busy[(user_id, day)][booking.uid] = BusyEntry(booking.start, booking.end, booking.status)
    spells: dict[int, list[Interval]] = defaultdict(list)
    for ooo in data.outOfOffice:
        for day in utc_days(ooo.start, ooo.end):
            away[(ooo.userId, day)].append(Interval(ooo.start, ooo.end))
        spells[ooo.userId].append(Interval(ooo.start, ooo.end))
    for user_id, mine in sorted(spells.items()):
        yield derived_codec.away_item(user_id, mine)
    for user_id, day in sorted(busy.keys() | away.keys()):
        yield derived_codec.calendar_day_item(
            CalendarDay(
                user_id,
                day,
                1,
                busy.get((user_id, day), {}),
                tuple(sorted(away.get((user_id, day), []), key=lambda i: (i.start, i.end))),
            )
        )

    emails = {u.id: u.email.casefold() for u in data.users}
    accepted_by_type: dict[int | None, list[Booking]] = defaultdict(list)
    for booking in bookings:
        if booking.status is BookingStatus.ACCEPTED:
            accepted_by_type[booking.event_type_id].append(booking)
    for event_type in data.eventTypes:
        # A booking counts for each round-robin host who is its organizer or one of its attendees.
        round_robin = {emails[h.userId]: h.userId for h in event_type.hosts if not h.isFixed}
        booked: dict[int, list[Booking]] = {user_id: [] for user_id in round_robin.values()}
        counted: dict[str, dict[str, CountedBooking]] = defaultdict(dict)
        for b in accepted_by_type[event_type.id]:
            involved = {round_robin[e] for a in b.attendees if (e := a.email.casefold()) in round_robin}
            if emails.get(b.organizer_id) in round_robin:
                involved.add(b.organizer_id)
            for user_id in involved:
                booked[user_id].append(b)
            if involved:
                for interval in selection.all_interval_ids(b.created_at, b.start):
                    counted[interval][b.uid] = CountedBooking(
                        b.created_at, b.organizer_id, frozenset(involved)
                    )
        counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for user_id, mine in booked.items():
            last = max((b.created_at for b in mine), default=None)
            yield codec.host_stats_item(event_type.id, user_id, HostStats(last, 1))
            for b in mine:
                yield derived_codec.timeline_item(event_type.id, user_id, b.created_at, b.uid)
                for interval in selection.all_interval_ids(b.created_at, b.start):
                    counts[interval][user_id] += 1
        for interval, per_host in sorted(counts.items()):
            yield derived_codec.interval_counts_item(event_type.id, interval, per_host)
            yield from derived_codec.counted_items(event_type.id, interval, counted[interval])
