"""Availability rules (docs/selection.md), on the pure functions (no store).

Schedules are written in the dataset's language (zones, `HH:MM`, `24:00`, overrides) and built as
the service reads them: converted by the loader, stored as an item, read back from the wire.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from reassign_core.domain import availability, planning
from reassign_core.domain.models import (
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    EventType,
    Host,
    Interval,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimestampBasis,
    UserProfile,
)
from reassign_core.ingest import dataset as ds
from reassign_core.ingest.records import schedule_model
from reassign_core.store.codec import to_wire
from reassign_core.store.schedule_codec import schedule_from_wire, schedule_item

WEEKDAYS = [1, 2, 3, 4, 5]
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def schedule(
    zone: str, ranges: list[tuple[list[int], str, str]], overrides: list[tuple[str, str, str]] = ()
) -> Schedule:
    return stored(
        {
            "id": 1,
            "timeZone": zone,
            "availability": [{"days": d, "startTime": s, "endTime": e} for d, s, e in ranges],
            "dateOverrides": [{"date": d, "startTime": s, "endTime": e} for d, s, e in overrides],
        }
    )


def stored(raw: dict[str, object]) -> Schedule:
    return schedule_from_wire(to_wire(schedule_item(schedule_model(ds.Schedule.model_validate(raw)), 1)))


def fits(sched: Schedule | None, start: str, end: str) -> bool:
    return availability.within_schedule(sched, at(start), at(end))


def day_with(
    *entries: tuple[str, str, str, BookingStatus], ooo: tuple[tuple[str, str], ...] = ()
) -> CalendarDay:
    busy = {uid: BusyEntry(at(s), at(e), status) for uid, s, e, status in entries}
    return CalendarDay(1, date(2050, 1, 7), 1, busy, tuple(Interval(at(s), at(e)) for s, e in ooo))


def free(
    days: list[CalendarDay], start: str, end: str, before: int = 0, after: int = 0, uid: str = "b-1"
) -> bool:
    always = schedule("UTC", [(EVERY_DAY, "00:00", "24:00")])
    return availability.is_available(
        always, days, uid, at(start), at(end), timedelta(minutes=before), timedelta(minutes=after)
    )


# --- which schedule ---------------------------------------------------------------------------


def _event_type(schedule_id: int | None) -> EventType:
    return EventType(
        id=100, title="Call", team_id=5, organization_id=None, owner_id=None,
        scheduling_type=SchedulingType.ROUND_ROBIN, schedule_id=schedule_id, event_name=None,
        before_buffer_minutes=0, after_buffer_minutes=0, weights_enabled=False,
        reset_interval=ResetInterval.MONTH, timestamp_basis=TimestampBasis.CREATED_AT, hosts=(),
    )  # fmt: skip


def _host(host_schedule: int | None, default_schedule: int | None) -> Host:
    user = UserProfile(2, "Two", "two@x.test", "UTC", default_schedule)
    return Host(user, is_fixed=False, priority=2, weight=100, schedule_id=host_schedule, position=0)


def test_event_type_schedule_wins_over_host_and_user_default() -> None:
    assert planning.schedule_id_of(_event_type(10), _host(20, 30)) == 10


def test_host_schedule_wins_over_user_default() -> None:
    assert planning.schedule_id_of(_event_type(None), _host(20, 30)) == 20


def test_user_default_schedule_is_the_fallback() -> None:
    assert planning.schedule_id_of(_event_type(None), _host(None, 30)) == 30


def _booking() -> Booking:
    start = at("2050-01-07T10:00:00Z")
    return Booking(
        "b-1", 100, 1, "Call", start, start + timedelta(hours=1), BookingStatus.ACCEPTED, start, (), None, 1
    )


def test_host_carrying_its_schedule_needs_no_schedule_read() -> None:
    own = schedule("UTC", [(EVERY_DAY, "09:00", "17:00")])
    carrier = replace(_host(None, own.id), schedule=own)
    request = planning.host_data_request(
        _event_type(None), _booking(), None, [carrier, _host(None, 30)], at("2050-01-01T00:00:00Z")
    )

    assert planning.schedule_of(_event_type(None), carrier, {}) is own
    assert request.schedule_ids == {30}  # only the host without a copy


def test_event_type_schedule_is_read_even_when_the_host_carries_its_own() -> None:
    own, shared = schedule("UTC", [(EVERY_DAY, "09:00", "17:00")]), schedule("UTC", [])
    carrier = replace(_host(None, own.id), schedule=own)
    request = planning.host_data_request(
        _event_type(10), _booking(), None, [carrier], at("2050-01-01T00:00:00Z")
    )

    assert request.schedule_ids == {10}
    assert planning.schedule_of(_event_type(10), carrier, {10: shared}) is shared


def test_host_without_any_schedule_is_unavailable() -> None:
    assert planning.schedule_id_of(_event_type(None), _host(None, None)) is None
    assert fits(None, "2050-01-07T10:00:00Z", "2050-01-07T11:00:00Z") is False


# --- ranges in the schedule's zone --------------------------------------------------------------

ROME_OFFICE = [(WEEKDAYS, "09:00", "17:00")]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2050-01-07T08:00:00Z", "2050-01-07T16:00:00Z", True),  # CET = UTC+1: exactly 09:00-17:00
        ("2050-01-07T07:30:00Z", "2050-01-07T08:30:00Z", False),  # starts 08:30 Rome
        ("2050-01-07T15:30:00Z", "2050-01-07T16:30:00Z", False),  # ends 17:30 Rome
    ],
)
def test_rome_office_hours_in_winter_are_eight_to_four_utc(start: str, end: str, expected: bool) -> None:
    assert fits(schedule("Europe/Rome", ROME_OFFICE), start, end) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2050-07-08T07:00:00Z", "2050-07-08T15:00:00Z", True),  # CEST = UTC+2: exactly 09:00-17:00
        ("2050-07-08T15:00:00Z", "2050-07-08T16:00:00Z", False),  # 17:00-18:00 Rome
        ("2050-07-08T06:30:00Z", "2050-07-08T07:30:00Z", False),  # 08:30 Rome
    ],
)
def test_rome_office_hours_in_summer_are_seven_to_three_utc(start: str, end: str, expected: bool) -> None:
    assert fits(schedule("Europe/Rome", ROME_OFFICE), start, end) is expected


def test_weekday_is_the_schedules_local_weekday() -> None:
    # Friday 23:30 UTC is already Saturday 10:30 in Sydney (UTC+11): a weekday-only schedule is off.
    sydney = schedule("Australia/Sydney", [(WEEKDAYS, "00:00", "24:00")])
    assert fits(sydney, "2050-01-07T23:30:00Z", "2050-01-08T00:30:00Z") is False
    assert fits(sydney, "2050-01-06T23:30:00Z", "2050-01-07T00:30:00Z") is True  # Friday there


def test_booking_must_lie_wholly_inside_the_hours() -> None:
    utc = schedule("UTC", [(EVERY_DAY, "09:00", "17:00")])
    assert fits(utc, "2050-01-07T16:00:00Z", "2050-01-07T17:00:00Z") is True
    assert fits(utc, "2050-01-07T16:00:00Z", "2050-01-07T17:01:00Z") is False


def test_end_of_day_written_24_00_covers_until_midnight() -> None:
    evening = schedule("UTC", [(EVERY_DAY, "18:00", "24:00")])
    assert fits(evening, "2050-01-07T23:00:00Z", "2050-01-08T00:00:00Z") is True


def test_booking_across_midnight_fits_evening_and_next_early_morning_in_schedule_zone() -> None:
    # Kolkata (UTC+5:30): 22:00-24:00 Friday + 00:00-02:00 Saturday = 16:30-20:30 UTC.
    night = schedule("Asia/Kolkata", [([5], "22:00", "24:00"), ([6], "00:00", "02:00")])
    assert fits(night, "2050-01-07T16:30:00Z", "2050-01-07T20:30:00Z") is True
    assert fits(night, "2050-01-07T16:30:00Z", "2050-01-07T20:45:00Z") is False


def test_booking_across_midnight_needs_the_next_days_hours_too() -> None:
    friday_night_only = schedule("Asia/Kolkata", [([5], "22:00", "24:00")])
    assert fits(friday_night_only, "2050-01-07T16:30:00Z", "2050-01-07T20:30:00Z") is False


def test_overlapping_ranges_of_one_day_cover_together() -> None:
    split = schedule("UTC", [(EVERY_DAY, "09:00", "12:00"), (EVERY_DAY, "11:00", "17:00")])
    assert fits(split, "2050-01-07T10:00:00Z", "2050-01-07T16:00:00Z") is True


def test_gap_between_ranges_is_not_available() -> None:
    lunch_break = schedule("UTC", [(EVERY_DAY, "09:00", "12:00"), (EVERY_DAY, "13:00", "17:00")])
    assert fits(lunch_break, "2050-01-07T11:30:00Z", "2050-01-07T13:30:00Z") is False


def test_wall_time_skipped_by_spring_forward_moves_forward_by_the_gap() -> None:
    # New York, Sunday 2050-03-13: 02:00 EST jumps to 03:00 EDT. A range starting at the
    # non-existent 02:30 starts at 03:30 EDT = 07:30 UTC (RFC 5545 / Temporal "compatible").
    new_york = schedule("America/New_York", [(EVERY_DAY, "02:30", "12:00")])
    assert fits(new_york, "2050-03-13T07:30:00Z", "2050-03-13T08:30:00Z") is True
    assert fits(new_york, "2050-03-13T07:00:00Z", "2050-03-13T08:00:00Z") is False


def test_day_after_fall_back_is_25_hours_long_in_utc() -> None:
    # New York, Sunday 2050-11-06 (EDT → EST at 02:00): 00:00-24:00 local = 04:00 to 05:00 next day UTC.
    sunday = schedule("America/New_York", [([0], "00:00", "24:00")])
    assert fits(sunday, "2050-11-06T04:00:00Z", "2050-11-07T05:00:00Z") is True
    assert fits(sunday, "2050-11-06T04:00:00Z", "2050-11-07T05:15:00Z") is False


# --- date overrides ---------------------------------------------------------------------------


def test_date_override_replaces_weekly_hours_for_that_date() -> None:
    weekly_plus_override = schedule("UTC", ROME_OFFICE, [("2050-01-07", "18:00", "20:00")])
    assert fits(weekly_plus_override, "2050-01-07T18:00:00Z", "2050-01-07T20:00:00Z") is True
    assert fits(weekly_plus_override, "2050-01-07T10:00:00Z", "2050-01-07T11:00:00Z") is False
    # The next weekday keeps its weekly hours.
    assert fits(weekly_plus_override, "2050-01-10T10:00:00Z", "2050-01-10T11:00:00Z") is True


def test_override_with_equal_start_and_end_is_off_all_day() -> None:
    day_off = schedule("UTC", [(EVERY_DAY, "00:00", "24:00")], [("2050-01-07", "00:00", "00:00")])
    assert fits(day_off, "2050-01-07T10:00:00Z", "2050-01-07T11:00:00Z") is False
    assert fits(day_off, "2050-01-06T10:00:00Z", "2050-01-06T11:00:00Z") is True


def test_override_date_is_a_date_in_the_schedules_zone() -> None:
    # 2050-01-07 in Sydney (UTC+11) runs from 2050-01-06T13:00Z to 2050-01-07T13:00Z.
    sydney = schedule("Australia/Sydney", [(EVERY_DAY, "00:00", "24:00")], [("2050-01-07", "09:00", "09:00")])
    assert fits(sydney, "2050-01-06T14:00:00Z", "2050-01-06T15:00:00Z") is False  # 01:00 on the 7th there
    assert fits(sydney, "2050-01-07T14:00:00Z", "2050-01-07T15:00:00Z") is True  # the 8th there


def test_several_overrides_on_one_date_each_add_hours() -> None:
    two_slots = schedule("UTC", [], [("2050-01-07", "09:00", "10:00"), ("2050-01-07", "14:00", "15:00")])
    assert fits(two_slots, "2050-01-07T09:00:00Z", "2050-01-07T10:00:00Z") is True
    assert fits(two_slots, "2050-01-07T14:00:00Z", "2050-01-07T15:00:00Z") is True
    assert fits(two_slots, "2050-01-07T09:30:00Z", "2050-01-07T14:30:00Z") is False


# --- out of office and conflicts ----------------------------------------------------------------


def test_out_of_office_overlapping_the_booking_makes_the_host_unavailable() -> None:
    away = day_with(ooo=(("2050-01-07T13:30:00Z", "2050-01-07T18:00:00Z"),))
    assert free([away], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z") is False


def test_out_of_office_ending_when_the_booking_starts_does_not_overlap() -> None:
    away = day_with(ooo=(("2050-01-07T08:00:00Z", "2050-01-07T13:00:00Z"),))
    assert free([away], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z") is True


@pytest.mark.parametrize("status", [BookingStatus.ACCEPTED, BookingStatus.PENDING])
def test_accepted_or_pending_booking_conflicts(status: BookingStatus) -> None:
    busy = day_with(("b-2", "2050-01-07T13:30:00Z", "2050-01-07T14:30:00Z", status))
    assert free([busy], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z") is False


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.REJECTED])
def test_cancelled_or_rejected_booking_does_not_conflict(status: BookingStatus) -> None:
    gone = day_with(("b-2", "2050-01-07T13:30:00Z", "2050-01-07T14:30:00Z", status))
    assert free([gone], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z") is True


def test_back_to_back_bookings_do_not_conflict_without_buffers() -> None:
    next_one = day_with(("b-2", "2050-01-07T14:00:00Z", "2050-01-07T15:00:00Z", BookingStatus.ACCEPTED))
    assert free([next_one], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z") is True


def test_after_buffer_widens_the_reassigned_booking() -> None:
    next_one = day_with(("b-2", "2050-01-07T14:10:00Z", "2050-01-07T15:00:00Z", BookingStatus.ACCEPTED))
    assert free([next_one], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", after=10) is True
    assert free([next_one], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", after=15) is False


def test_before_buffer_widens_the_reassigned_booking() -> None:
    previous = day_with(("b-0", "2050-01-07T12:00:00Z", "2050-01-07T12:45:00Z", BookingStatus.ACCEPTED))
    assert free([previous], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", before=15) is True
    assert free([previous], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", before=30) is False


def test_booking_never_conflicts_with_itself() -> None:
    itself = day_with(("b-1", "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", BookingStatus.ACCEPTED))
    assert free([itself], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", before=30, after=30) is True


def test_buffers_do_not_widen_out_of_office() -> None:
    # Buffers widen the conflict check only; out-of-office is compared with the booking itself.
    away = day_with(ooo=(("2050-01-07T14:00:00Z", "2050-01-07T18:00:00Z"),))
    assert free([away], "2050-01-07T13:00:00Z", "2050-01-07T14:00:00Z", after=60) is True


def test_schedule_is_checked_without_buffers() -> None:
    office = schedule("UTC", [(EVERY_DAY, "09:00", "17:00")])
    assert availability.is_available(
        office, [], "b-1", at("2050-01-07T09:00:00Z"), at("2050-01-07T17:00:00Z"),
        timedelta(minutes=30), timedelta(minutes=30),
    )  # fmt: skip


def test_override_spelled_24_00_to_24_00_is_off_all_day() -> None:
    schedule = stored(
        {
            "id": 1,
            "timeZone": "UTC",
            "availability": [{"days": [0, 1, 2, 3, 4, 5, 6], "startTime": "00:00", "endTime": "24:00"}],
            "dateOverrides": [{"date": "2050-01-07", "startTime": "24:00", "endTime": "24:00"}],
        }
    )

    assert not fits(schedule, "2050-01-07T10:00:00Z", "2050-01-07T11:00:00Z")
    assert fits(schedule, "2050-01-08T10:00:00Z", "2050-01-08T11:00:00Z")
