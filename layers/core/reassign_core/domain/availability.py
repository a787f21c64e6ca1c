"""Is a host free for a booking's time? Pure functions of schedules and calendar days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from reassign_core.domain.models import BUSY_STATUSES, CalendarDay, Interval, Schedule, TimeRange


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _weekday(day: date) -> int:
    """0 = Sunday … 6 = Saturday, as schedules count."""
    return (day.weekday() + 1) % 7


def _local_instant(day: date, moment: time | None, zone: ZoneInfo) -> datetime:
    if moment is None:  # 24:00 is the next day's midnight
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _ranges_on(schedule: Schedule, day: date) -> tuple[TimeRange, ...]:
    """A date override replaces that date's weekly hours."""
    override = schedule.overrides.get(day)
    return schedule.weekly[_weekday(day)] if override is None else override


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Touching ranges merge, so a booking across midnight fits 22:00-24:00 + 00:00-02:00."""
    merged: list[Interval] = []
    for current in sorted(intervals, key=lambda i: i.start):
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


@lru_cache(maxsize=4096)
def _openings(zone_name: str, day: date, ranges: tuple[TimeRange, ...]) -> tuple[Interval, ...]:
    """One local day's ranges as UTC intervals. Cached: hosts of a team mostly share a zone and
    hours, so a 1000-host choice converts a handful of distinct days, not thousands."""
    zone = _zone(zone_name)
    openings = (
        Interval(_local_instant(day, r.start, zone), _local_instant(day, r.end, zone)) for r in ranges
    )
    return tuple(o for o in openings if o.start < o.end)


def open_intervals(schedule: Schedule, start: datetime, end: datetime) -> tuple[Interval, ...]:
    """The schedule's available time around [start, end), as UTC intervals (DST-correct)."""
    dates = _local_dates(schedule.time_zone, start, end)
    return _merged_openings(schedule.time_zone, dates, tuple(_ranges_on(schedule, day) for day in dates))


@lru_cache(maxsize=1024)
def _local_dates(zone_name: str, start: datetime, end: datetime) -> tuple[date, ...]:
    """The zone's dates around [start, end), the day before included (its hours may run past midnight)."""
    zone = _zone(zone_name)
    first, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


@lru_cache(maxsize=4096)
def _merged_openings(
    zone_name: str, dates: tuple[date, ...], ranges_by_date: tuple[tuple[TimeRange, ...], ...]
) -> tuple[Interval, ...]:
    days = zip(dates, ranges_by_date, strict=True)
    return tuple(_merge(o for day, ranges in days for o in _openings(zone_name, day, ranges)))


def within_schedule(schedule: Schedule | None, start: datetime, end: datetime) -> bool:
    if schedule is None:
        return False
    return any(o.start <= start and end <= o.end for o in open_intervals(schedule, start, end))


def is_out_of_office(days: Iterable[CalendarDay], start: datetime, end: datetime) -> bool:
    wanted = Interval(start, end)
    return any(ooo.overlaps(wanted) for day in days for ooo in day.out_of_office)


def has_conflict(days: Iterable[CalendarDay], booking_uid: str, busy_window: Interval) -> bool:
    """Another ACCEPTED/PENDING booking of the host overlaps the buffered window."""
    # Interval.overlaps written out: an Interval per entry of ~1000 hosts' days costs more.
    return any(
        uid != booking_uid
        and entry.status in BUSY_STATUSES
        and entry.start < busy_window.end
        and entry.end > busy_window.start
        for day in days
        for uid, entry in day.busy.items()
    )


class Unavailability(StrEnum):
    """Why a host cannot take the booking, in the order the checks run."""

    NO_SCHEDULE = "NO_SCHEDULE"
    OUTSIDE_SCHEDULE = "OUTSIDE_SCHEDULE"  # includes a date override
    OUT_OF_OFFICE = "OUT_OF_OFFICE"
    BUSY = "BUSY"


def unavailability(
    schedule: Schedule | None,
    days: Iterable[CalendarDay],
    booking_uid: str,
    start: datetime,
    end: datetime,
    before_buffer: timedelta,
    after_buffer: timedelta,
) -> Unavailability | None:
    """None when the host is available; otherwise the first check it fails."""
    # The schedule first: it needs no calendar day, and it rules most hosts out. Only then are
    # the days consumed, so a caller may pass them as a generator that decodes on demand.
    if schedule is None:
        return Unavailability.NO_SCHEDULE
    if not within_schedule(schedule, start, end):
        return Unavailability.OUTSIDE_SCHEDULE
    days = tuple(days)
    if is_out_of_office(days, start, end):
        return Unavailability.OUT_OF_OFFICE
    if has_conflict(days, booking_uid, Interval(start - before_buffer, end + after_buffer)):
        return Unavailability.BUSY
    return None


def is_available(
    schedule: Schedule | None,
    days: Iterable[CalendarDay],
    booking_uid: str,
    start: datetime,
    end: datetime,
    before_buffer: timedelta,
    after_buffer: timedelta,
) -> bool:
    return unavailability(schedule, days, booking_uid, start, end, before_buffer, after_buffer) is None
