"""The bookkeeping on single changes: what each kind of change does to which derived item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from reassign_core.domain import bookkeeping, people
from reassign_core.domain.bookkeeping import (
    BookingChange,
    DerivedState,
    DerivedWrites,
    OutOfOfficeChange,
    TimelineEntry,
)
from reassign_core.domain.models import (
    EMPTY_TIMELINE,
    NEVER_BOOKED,
    Attendee,
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    EventType,
    Host,
    HostStats,
    Interval,
    Participants,
    ResetInterval,
    Schedule,
    SchedulingType,
    TimelineTop,
    TimestampBasis,
    UserProfile,
    timeline_position,
)
from reassign_core.store import derived, keys

# Users 2, 3 and 4 are round-robin hosts of event type 100; 5 is a user who hosts nothing.
WHO = people.UserDirectory(
    {f"user{i}@example.test": i for i in (2, 3, 4, 5)},
    {100: frozenset({2, 3, 4})},
)
DAY, NEXT_DAY = date(2050, 1, 7), date(2050, 1, 8)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def booking(
    organizer: int = 2,
    attendees: tuple[str, ...] = ("bob@customer.test",),
    status: BookingStatus = BookingStatus.ACCEPTED,
    start: str = "2050-01-07T10:00:00Z",
    end: str = "2050-01-07T11:00:00Z",
    event_type_id: int | None = 100,
    created: str = "2049-12-20T10:00:00Z",
) -> Booking:
    made = Booking(
        uid="b-1", event_type_id=event_type_id, organizer_id=organizer, title="t", start=at(start),
        end=at(end), status=status, created_at=at(created),
        attendees=tuple(Attendee("x", e, "UTC") for e in attendees), responses_name=None, version=1,
    )  # fmt: skip
    return replace(made, participants=people.participants(made, WHO))


class Everything(dict):  # type: ignore[type-arg]
    """Read in full: whatever is asked for, absent unless given."""

    def __init__(self, absent: Callable[[Any], Any]) -> None:
        super().__init__()
        self._absent = absent

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: Any) -> Any:
        return self._absent(key)


def nothing_read() -> DerivedState:
    """Every item read and absent (version 0), no other timeline entry."""
    return DerivedState(
        Everything(lambda key: CalendarDay(key[0], key[1], 0, {}, ())),
        Everything(lambda key: NEVER_BOOKED),
        Everything(lambda key: EMPTY_TIMELINE),
    )


def writes(*changes: BookingChange | OutOfOfficeChange, state: DerivedState | None = None) -> DerivedWrites:
    return bookkeeping.derived_writes(bookkeeping.edits_for(changes), state or nothing_read())


def position(b: Booking) -> str:
    return timeline_position(b.created_at, b.uid)


def days(w: DerivedWrites) -> dict[tuple[int, date], CalendarDay]:
    return {(d.user_id, d.day): d for d in w.calendar_days}


def test_participants_are_the_organizer_and_attendees_matched_by_email_in_any_case() -> None:
    made = booking(organizer=2, attendees=("USER3@Example.Test", "user5@example.test", "bob@customer.test"))
    assert made.participants == Participants(frozenset({2, 3, 5}), frozenset({2, 3}))
    unknown_organizer = booking(organizer=99)  # a booking made elsewhere still makes its organizer busy
    assert unknown_organizer.participants == Participants(frozenset({99}), frozenset())


def test_an_accepted_booking_fills_calendars_of_its_people_and_counts_for_its_round_robin_hosts() -> None:
    made = booking(
        attendees=("user5@example.test",), start="2050-01-07T23:30:00Z", end="2050-01-08T00:30:00Z"
    )
    w = writes(BookingChange(None, made))

    entry = BusyEntry(made.start, made.end, BookingStatus.ACCEPTED)
    assert {k: d.busy for k, d in days(w).items()} == {
        (u, d): {"b-1": entry} for u in (2, 5) for d in (DAY, NEXT_DAY)
    }
    assert all(d.version == 0 for d in w.calendar_days)  # created on condition they still do not exist
    assert w.timeline_added == (TimelineEntry(100, 2, made.created_at, "b-1"),)
    assert w.stats == {(100, 2): HostStats.keeping(TimelineTop((position(made),), whole=True), 0)}
    assert w.counters == {
        (100, i): {2: 1}
        for i in (
            "MONTH#CREATED_AT#2049-12", "MONTH#START_TIME#2050-01",
            "DAY#CREATED_AT#2049-12-20", "DAY#START_TIME#2050-01-07",
        )
    }  # fmt: skip


def test_a_pending_booking_holds_time_but_counts_for_nobody() -> None:
    w = writes(BookingChange(None, booking(status=BookingStatus.PENDING)))
    assert set(days(w)) == {(2, DAY)}
    assert (w.stats, w.counters, w.timeline_added) == ({}, {}, ())


def test_a_booking_without_event_type_counts_for_nobody() -> None:
    w = writes(BookingChange(None, booking(event_type_id=None)))
    assert set(days(w)) == {(2, DAY)} and w.counters == {}


def test_a_cancellation_frees_the_time_and_takes_back_the_count() -> None:
    before = booking()
    read = CalendarDay(2, DAY, 4, {"b-1": BusyEntry(before.start, before.end, before.status)}, ())
    older = timeline_position(at("2049-11-01"), "b-0")
    kept = HostStats.keeping(TimelineTop((position(before), older), whole=False), 9)
    state = DerivedState({(2, DAY): read}, {(100, 2): kept}, {(100, 2): TimelineTop((older,), whole=False)})

    w = writes(BookingChange(before, replace(before, status=BookingStatus.CANCELLED)), state=state)

    assert days(w)[(2, DAY)] == replace(read, busy={})  # still at the version read: the write bumps it
    assert w.timeline_removed == (TimelineEntry(100, 2, before.created_at, "b-1"),)
    # Back to the latest other booking.
    assert w.stats == {(100, 2): HostStats.keeping(TimelineTop((older,), whole=False), 9)}
    assert all(deltas == {2: -1} for deltas in w.counters.values()) and len(w.counters) == 4


def test_a_move_within_the_same_intervals_changes_only_the_calendar() -> None:
    before = booking()
    after = replace(before, start=at("2050-01-07T15:00:00Z"), end=at("2050-01-07T16:00:00Z"))

    edits = bookkeeping.edits_for([BookingChange(before, after)])

    assert edits.busy == {(2, DAY): {"b-1": BusyEntry(after.start, after.end, after.status)}}
    assert (edits.counters, edits.timeline_added, edits.timeline_removed) == ({}, {}, {})


def test_a_move_to_another_day_moves_the_calendar_entry_and_the_start_time_counters() -> None:
    before = booking()
    after = booking(start="2050-02-01T10:00:00Z", end="2050-02-01T11:00:00Z")

    edits = bookkeeping.edits_for([BookingChange(before, after)])

    assert edits.busy == {
        (2, DAY): {"b-1": None},
        (2, date(2050, 2, 1)): {"b-1": BusyEntry(after.start, after.end, after.status)},
    }
    assert edits.counters == {
        (100, "MONTH#START_TIME#2050-01"): {2: -1}, (100, "MONTH#START_TIME#2050-02"): {2: 1},
        (100, "DAY#START_TIME#2050-01-07"): {2: -1}, (100, "DAY#START_TIME#2050-02-01"): {2: 1},
    }  # fmt: skip


def test_handing_a_booking_to_another_host_moves_everything_and_reads_the_losers_timeline() -> None:
    before, after = booking(organizer=2), booking(organizer=3)

    edits = bookkeeping.edits_for([BookingChange(before, after)])

    assert set(edits.busy) == {(2, DAY), (3, DAY)}
    assert edits.reads().timelines == {(100, 2)}  # only a loser's last-booked time needs its timeline
    assert edits.reads().stats == {(100, 2), (100, 3)}
    assert edits.touched_uids((100, 2)) == {"b-1"}


def test_an_unchanged_booking_changes_nothing() -> None:
    assert bookkeeping.edits_for([BookingChange(booking(), replace(booking(), title="new"))]).is_empty()


def test_out_of_office_marks_and_unmarks_each_utc_day_it_touches() -> None:
    spell = Interval(at("2050-01-07T20:00:00Z"), at("2050-01-08T04:00:00Z"))
    earlier = Interval(at("2050-01-07T01:00:00Z"), at("2050-01-07T02:00:00Z"))
    state = nothing_read()
    state.calendars[(3, DAY)] = CalendarDay(3, DAY, 2, {}, (spell,))  # type: ignore[index]

    added = writes(OutOfOfficeChange(3, earlier, True), state=state)
    removed = writes(OutOfOfficeChange(3, spell, False), state=state)

    assert days(added)[(3, DAY)].out_of_office == (earlier, spell)  # in time order
    assert {k: d.out_of_office for k, d in days(removed).items()} == {(3, DAY): (), (3, NEXT_DAY): ()}


def test_a_reassignment_moves_only_the_people_it_knows_about() -> None:
    hosts = tuple(host(i, f"user{i}@example.test", None, None, i) for i in (2, 3))
    event_type = replace(an_event_type(hosts), id=100, scheduling_type=SchedulingType.ROUND_ROBIN)
    before = booking(
        organizer=2, attendees=("user5@example.test",)
    )  # 5 attends; the event type knows only hosts
    after = replace(before, organizer_id=3)

    moved = people.moved_participants(before, after, people.EventTypeDirectory(event_type))

    assert moved == Participants(frozenset({3, 5}), frozenset({3}))


def host(
    user_id: int, email: str, default_schedule: int | None, schedule_id: int | None, position: int
) -> Host:
    return Host(
        UserProfile(user_id, "", email, "UTC", default_schedule), False, 2, 100, schedule_id, position
    )


def an_event_type(hosts: tuple[Host, ...]) -> EventType:
    return EventType(
        id=1, title="", team_id=None, organization_id=None, owner_id=None, scheduling_type=None,
        schedule_id=None, event_name=None, before_buffer_minutes=0, after_buffer_minutes=0,
        weights_enabled=False, reset_interval=ResetInterval.MONTH, timestamp_basis=TimestampBasis.CREATED_AT,
        hosts=hosts,
    )  # fmt: skip


def schedule(schedule_id: int) -> Schedule:
    return Schedule(schedule_id, "UTC", ((),) * 7, {})


def test_hosts_carry_their_own_schedule_unless_the_event_type_has_one() -> None:
    schedules = {10: schedule(10), 20: schedule(20)}
    own = an_event_type((host(2, "a@x.test", 10, None, 0), host(3, "b@x.test", 10, 20, 1)))
    shared = replace(own, id=2, schedule_id=20)

    assert bookkeeping.schedule_copy(own, None, 10, schedules) == schedules[10]
    assert bookkeeping.schedule_copy(own, 20, 10, schedules) == schedules[20]
    assert bookkeeping.schedule_copy(shared, 20, 10, schedules) is None
    assert bookkeeping.hosts_carrying(10, [own, shared]) == [(1, 2)]
    assert bookkeeping.hosts_carrying(20, [own, shared]) == [(1, 3)]


def test_calendar_days_and_stats_are_written_on_condition_of_the_version_read() -> None:
    state = nothing_read()
    state.calendars[(2, DAY)] = CalendarDay(2, DAY, 6, {}, ())  # type: ignore[index]

    actions = derived.derived_actions("Data", writes(BookingChange(None, booking()), state=state))

    day, stats = actions[0]["Put"], actions[1]["Put"]
    assert (day["ConditionExpression"], day["ExpressionAttributeValues"]) == (
        "version = :read",
        {":read": {"N": "6"}},
    )
    assert day["Item"]["version"] == {"N": "7"}
    assert stats["ConditionExpression"] == "attribute_not_exists(PK)"  # read as absent
    # Four intervals: each one's counters added to, then the booking's entry set on its shard of
    # each; the timeline entry put.
    assert [next(iter(a)) for a in actions[2:]] == ["Update"] * 8 + ["Put"]
    counters, entries = actions[2:6], actions[6:10]
    assert all(a["Update"]["UpdateExpression"].startswith("ADD ") for a in counters)
    assert all(a["Update"]["UpdateExpression"].startswith("SET ") for a in entries)
    assert {a["Update"]["Key"]["SK"]["S"].rsplit("#", 1)[1] for a in entries} == {
        f"{keys.counted_shard(booking().uid):02d}"
    }
