"""The hot items (hosts, schedules, calendar days, stats) are read straight from the wire: each reader
gives back exactly the model the loader wrote, through the same encoding the store receives."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from reassign_core.domain.models import (
    EMPTY_TIMELINE,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    CountedBooking,
    EventType,
    Host,
    HostStats,
    Interval,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimelineTop,
    TimeRange,
    TimestampBasis,
    UserProfile,
)
from reassign_core.store import codec, derived_codec, keys, schedule_codec

NINE_TO_FIVE = (TimeRange(time(9), time(17)),)
SPLIT_DAY = (TimeRange(time(9), time(12)), TimeRange(time(13), None))  # 13:00-24:00
WEEK = ((), NINE_TO_FIVE, NINE_TO_FIVE, SPLIT_DAY, NINE_TO_FIVE, NINE_TO_FIVE, ())
SCHEDULE = Schedule(
    id=10,
    time_zone="Europe/Rome",
    weekly=WEEK,
    overrides={date(2050, 1, 7): (TimeRange(time(10), time(12)),), date(2050, 1, 8): ()},  # 8th: off
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def wire_of(item: codec.Item) -> codec.WireItem:
    return codec.to_wire(item)


def event_type(*hosts: Host) -> EventType:
    return EventType(
        id=100, title="Call", team_id=5, organization_id=None, owner_id=None,
        scheduling_type=SchedulingType.ROUND_ROBIN, schedule_id=None, event_name=None,
        before_buffer_minutes=0, after_buffer_minutes=0, weights_enabled=True,
        reset_interval=ResetInterval.MONTH, timestamp_basis=TimestampBasis.CREATED_AT, hosts=hosts,
    )  # fmt: skip


def test_schedule_round_trips_through_its_item() -> None:
    item = schedule_codec.schedule_item(SCHEDULE, user_id=1)

    assert item["weekly"] == "|09:00-17:00|09:00-17:00|09:00-12:00,13:00-24:00|09:00-17:00|09:00-17:00|"
    assert item["overrides"] == {"2050-01-07": "10:00-12:00", "2050-01-08": ""}
    assert schedule_codec.schedule_from_wire(wire_of(item)) == SCHEDULE


def test_a_week_of_other_than_seven_days_is_refused() -> None:
    with pytest.raises(ValueError, match="7 days"):
        schedule_codec.parse_week("09:00-17:00|09:00-17:00")


def test_host_round_trips_with_its_own_schedule_and_without_one() -> None:
    with_schedule = Host(
        UserProfile(2, "Two", "two@x.test", "Asia/Tokyo", 10), False, 3, 150, None, 0, SCHEDULE
    )
    without = Host(UserProfile(3, "", "three@x.test", "UTC", None), True, 1, 0, None, 1)
    meta, *hosts = codec.event_type_items(event_type(with_schedule, without))

    decoded = [codec.host_from_wire(wire_of(h)) for h in hosts]

    assert decoded == [with_schedule, without]
    assert "hoursWeekly" not in hosts[1]
    assert codec.event_type_from_wire(map(wire_of, [meta, *hosts])) == event_type(with_schedule, without)


def test_event_type_stats_decode_on_first_use() -> None:
    host = Host(UserProfile(2, "Two", "two@x.test", "UTC", None), False, 2, 100, None, 0)
    newest = ("2026-11-20T08:00:00.000Z#b-2", "2026-11-19T08:00:00.000Z#b-1")
    booked = HostStats.keeping(TimelineTop(newest, whole=False), 3)
    partition = [
        *codec.event_type_items(event_type(host)),
        codec.host_stats_item(100, 2, booked),
        codec.host_stats_item(100, 4, HostStats.keeping(EMPTY_TIMELINE, 1)),
    ]

    decoded = codec.event_type_from_wire(map(wire_of, partition))

    assert decoded is not None
    assert isinstance(decoded.host_stats, codec.LazyMapping) and sorted(decoded.host_stats) == [2, 4]
    assert decoded.host_stats[2] == booked
    assert booked.last_booked_at == at("2026-11-20T08:00:00Z")
    assert decoded.host_stats[4] == HostStats(None, 1, EMPTY_TIMELINE)


def test_stats_keep_their_newest_positions_as_a_string_set_and_say_when_they_are_all() -> None:
    whole = HostStats.keeping(TimelineTop(("2026-11-20T08:00:00.000Z#b-1",), whole=True), 2)
    item = wire_of(codec.host_stats_item(100, 2, whole))

    assert item[codec.NEWEST] == {"SS": ["2026-11-20T08:00:00.000Z#b-1"]}  # a blind write deletes from it
    assert codec.host_stats_from_wire(item) == whole
    emptied = {k: v for k, v in item.items() if k != codec.NEWEST}  # its last entry deleted blind
    assert codec.host_stats_from_wire(emptied) == HostStats(None, 2, EMPTY_TIMELINE)


def test_stats_an_earlier_version_wrote_keep_their_last_booked_time_and_no_top() -> None:
    legacy = {**keys.host_stats(100, 2), "lastBookedAt": "2026-11-20T08:00:00.000Z", "version": 5}

    assert codec.host_stats_from_wire(wire_of(legacy)) == HostStats(at("2026-11-20T08:00:00Z"), 5)


def test_partition_without_meta_is_no_event_type() -> None:
    assert codec.event_type_from_wire([wire_of(codec.host_stats_item(100, 2, HostStats(None, 1)))]) is None


def test_calendar_day_round_trips_its_busy_entries_and_out_of_office() -> None:
    day = CalendarDay(
        user_id=2,
        day=date(2050, 1, 7),
        version=4,
        busy={
            "b-1": BusyEntry(at("2050-01-07T09:00:00Z"), at("2050-01-07T09:30:00Z"), BookingStatus.ACCEPTED),
            "b-2": BusyEntry(at("2050-01-06T23:00:00Z"), at("2050-01-07T01:00:00Z"), BookingStatus.PENDING),
        },
        out_of_office=(Interval(at("2050-01-07T12:00:00Z"), at("2050-01-09T00:00:00Z")),),
    )
    item = derived_codec.calendar_day_item(day)

    assert item["busy"]["b-1"] == "2050-01-07T09:00:00.000Z/2050-01-07T09:30:00.000Z/ACCEPTED"
    assert derived_codec.calendar_day_from_wire(2, date(2050, 1, 7), wire_of(item)) == day


def test_missing_calendar_day_is_an_empty_day_at_version_zero() -> None:
    assert derived_codec.calendar_day_from_wire(2, date(2050, 1, 7), None) == CalendarDay(
        2, date(2050, 1, 7), 0, {}, ()
    )


def test_stats_item_lives_in_the_event_type_partition() -> None:
    item = codec.host_stats_item(100, 2, HostStats.keeping(EMPTY_TIMELINE, 1))

    assert (item["PK"], item["SK"]) == (keys.event_type_partition(100), "STATS#2")
    assert codec.NEWEST not in wire_of(item)  # never booked: no attribute (a set is never empty)


def test_a_malformed_stats_item_is_an_error_not_a_host_never_booked() -> None:
    host = Host(UserProfile(2, "Two", "two@x.test", "UTC", None), False, 2, 100, None, 0)
    broken = wire_of(codec.host_stats_item(100, 2, HostStats(None, 1)))
    del broken["version"]

    decoded = codec.event_type_from_wire([*map(wire_of, codec.event_type_items(event_type(host))), broken])

    assert decoded is not None
    with pytest.raises(ValueError, match="version"):
        decoded.host_stats.get(2)


def test_a_range_cannot_start_at_24_00() -> None:
    with pytest.raises(ValueError, match="24:00"):
        schedule_codec.time_range("24:00", "24:00")


def test_an_intervals_counted_bookings_spread_over_its_shards_and_read_back_whole() -> None:
    created = datetime(2050, 1, 3, 9, 0, tzinfo=UTC)
    entries = {
        f"booking-{n}": CountedBooking(created, 2 + n % 5, frozenset({2 + n % 5, 9})) for n in range(3200)
    }

    items = derived_codec.counted_items(100, "MONTH#CREATED_AT#2050-01", entries)

    assert len(items) == keys.COUNTED_SHARDS
    assert {(i["PK"], i["SK"]) for i in items} == {
        ("ETCOUNT#100", f"MONTH#CREATED_AT#2050-01#COUNTED#{shard:02d}")
        for shard in range(keys.COUNTED_SHARDS)
    }
    # Evenly enough that no shard holds much more than its share (200 each here).
    assert max(len(i) - 2 for i in items) < 200 * 1.3
    assert sorted(derived_codec.counted_from_items(items), key=repr) == sorted(entries.values(), key=repr)
    # A uid's shard is a stable hash (not Python's per-process one): every writer agrees on it.
    assert keys.counted_shard("b-1") == 5
