"""What a reassignment writes (docs/selection.md) and the order of checks, on the pure planning functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from reassign_core.domain import planning
from reassign_core.domain.errors import (
    BookingEnded,
    BookingNotReassignable,
    NoHostAvailable,
    NotRoundRobin,
    NotRoundRobinHost,
    PermissionDenied,
    UserNotFound,
)
from reassign_core.domain.models import (
    EMPTY_TIMELINE,
    Attendee,
    Booking,
    BookingStatus,
    BusyEntry,
    CalendarDay,
    Caller,
    EventType,
    Host,
    HostStats,
    Participants,
    ReassignType,
    ResetInterval,
    SchedulingType,
    TimelineTop,
    TimestampBasis,
    UserProfile,
    timeline_position,
)

OWNER = Caller(user_id=1, is_system_admin=False, team_roles={5: "OWNER"})
BOB = Attendee("Bob", "bob@customer.test", "Europe/London")
NOW = datetime(2050, 1, 1, tzinfo=UTC)  # before the default booking


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def profile(user_id: int) -> UserProfile:
    return UserProfile(user_id, f"Host {user_id}", f"host{user_id}@example.test", "Asia/Kolkata", None)


def host(user_id: int, position: int, fixed: bool = False) -> Host:
    return Host(profile(user_id), is_fixed=fixed, priority=2, weight=100, schedule_id=None, position=position)


HOSTS = (host(2, 0, fixed=True), host(3, 1), host(4, 2), host(5, 3))


def event_type(event_name: str | None = None, scheduling: SchedulingType | None = SchedulingType.ROUND_ROBIN,
               weights: bool = False) -> EventType:  # fmt: skip
    return EventType(
        id=100, title="Discovery call", team_id=5, organization_id=None, owner_id=None,
        scheduling_type=scheduling, schedule_id=None, event_name=event_name,
        before_buffer_minutes=30, after_buffer_minutes=0, weights_enabled=weights,
        reset_interval=ResetInterval.MONTH, timestamp_basis=TimestampBasis.START_TIME, hosts=HOSTS,
    )  # fmt: skip


def booking(
    organizer: int = 3,
    attendees: tuple[Attendee, ...] = (BOB,),
    responses_name: str | None = "Bobby",
    status: BookingStatus = BookingStatus.ACCEPTED,
    start: str = "2050-01-07T23:30:00Z",  # crosses midnight UTC: two calendar days
    end: str = "2050-01-08T00:30:00Z",
) -> Booking:
    return Booking(
        uid="b-1", event_type_id=100, organizer_id=organizer, title="Old title", start=at(start), end=at(end),
        status=status, created_at=at("2049-12-20T10:00:00Z"), attendees=attendees,
        responses_name=responses_name, version=3,
    )  # fmt: skip


def seat(user_id: int, email: str | None = None) -> Attendee:
    return Attendee("x", email or f"host{user_id}@example.test", "UTC")


DAYS = (date(2050, 1, 7), date(2050, 1, 8))


def host_data(
    b: Booking, holder_id: int | None, holder_remaining: TimelineTop = EMPTY_TIMELINE
) -> planning.HostData:
    entry = BusyEntry(b.start, b.end, b.status)
    calendars = {(u, d): CalendarDay(u, d, 7, {}, ()) for u in (3, 4, 5) for d in DAYS}
    if holder_id is not None:
        calendars |= {(holder_id, d): CalendarDay(holder_id, d, 7, {b.uid: entry}, ()) for d in DAYS}
    stats = {
        3: HostStats(at("2049-12-20T10:00:00Z"), 4),
        4: HostStats(at("2049-11-01T00:00:00Z"), 2),
        5: HostStats(at("2050-02-01T00:00:00Z"), 9),
    }
    return planning.HostData({}, calendars, stats, {}, holder_remaining)


def plan(b: Booking, winner: Host, holder_remaining: TimelineTop = EMPTY_TIMELINE) -> planning.Plan:
    et = event_type()
    holder = planning.current_holder(et, b)
    data = host_data(b, holder.user_id if holder else None, holder_remaining)
    return planning.plan_reassignment(ReassignType.AUTO, 1, None, et, b, holder, winner, data)


# --- order of checks --------------------------------------------------------------------------------


def test_permission_is_checked_before_the_round_robin_rule() -> None:
    stranger = Caller(user_id=99, is_system_admin=False)
    with pytest.raises(PermissionDenied):
        planning.check_reassignable(
            stranger, booking(), event_type(scheduling=SchedulingType.COLLECTIVE), NOW
        )


def test_unknown_caller_is_denied() -> None:
    with pytest.raises(PermissionDenied):
        planning.check_reassignable(None, booking(), event_type(), NOW)


@pytest.mark.parametrize("scheduling", [SchedulingType.COLLECTIVE, SchedulingType.MANAGED, None])
def test_only_round_robin_bookings_can_be_reassigned(scheduling: SchedulingType | None) -> None:
    with pytest.raises(NotRoundRobin, match="Booking with uid=b-1 is not a round robin booking"):
        planning.check_reassignable(OWNER, booking(), event_type(scheduling=scheduling), NOW)


def test_booking_without_event_type_is_not_round_robin() -> None:
    with pytest.raises(NotRoundRobin):
        planning.check_reassignable(OWNER, booking(organizer=1), None, NOW)


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.REJECTED])
def test_cancelled_or_rejected_booking_cannot_be_reassigned(status: BookingStatus) -> None:
    with pytest.raises(BookingNotReassignable, match=f"is {status.value.lower()} and cannot be reassigned"):
        planning.check_reassignable(OWNER, booking(status=status), event_type(), NOW)


def test_ended_booking_cannot_be_reassigned() -> None:
    ended = booking(start="2049-12-31T09:00:00Z", end="2049-12-31T10:00:00Z")
    with pytest.raises(BookingEnded, match="Booking with uid=b-1 has already ended and cannot be reassigned"):
        planning.check_reassignable(OWNER, ended, event_type(), NOW)


def test_booking_ending_exactly_now_has_ended() -> None:
    with pytest.raises(BookingEnded):
        planning.check_reassignable(OWNER, booking(), event_type(), at("2050-01-08T00:30:00Z"))


def test_booking_in_progress_can_still_be_reassigned() -> None:
    assert planning.check_reassignable(OWNER, booking(), event_type(), at("2050-01-08T00:00:00Z")).id == 100


def test_cancelled_is_reported_before_ended() -> None:
    ended = booking(status=BookingStatus.CANCELLED, end="2049-12-31T10:00:00Z", start="2049-12-31T09:00:00Z")
    with pytest.raises(BookingNotReassignable):
        planning.check_reassignable(OWNER, ended, event_type(), NOW)


def test_ended_collective_booking_is_reported_as_not_round_robin() -> None:
    ended = booking(start="2049-12-31T09:00:00Z", end="2049-12-31T10:00:00Z")
    with pytest.raises(NotRoundRobin):
        planning.check_reassignable(OWNER, ended, event_type(scheduling=SchedulingType.COLLECTIVE), NOW)


def test_pending_booking_can_be_reassigned() -> None:
    assert (
        planning.check_reassignable(OWNER, booking(status=BookingStatus.PENDING), event_type(), NOW).id == 100
    )


def test_manual_target_must_exist() -> None:
    with pytest.raises(UserNotFound):
        planning.manual_target(event_type(), 42, None)


@pytest.mark.parametrize("target", [2, 42])  # a fixed host; a user who is no host at all
def test_manual_target_must_be_a_round_robin_host(target: int) -> None:
    with pytest.raises(NotRoundRobinHost):
        planning.manual_target(event_type(), target, profile(target))


def test_no_available_candidate_is_no_host_available() -> None:
    b = booking()
    data = host_data(b, 3)  # no schedules at all: nobody can be available
    with pytest.raises(NoHostAvailable):
        planning.choose_winner(event_type(), b, [HOSTS[2], HOSTS[3]], data)


# --- who holds the round-robin seat ---------------------------------------------------------------


def test_round_robin_organizer_holds_the_seat() -> None:
    assert planning.current_holder(event_type(), booking(organizer=3)) == planning.Holder(3, None, True)


def test_with_a_fixed_organizer_the_round_robin_attendee_holds_the_seat_by_email_any_case() -> None:
    b = booking(organizer=2, attendees=(BOB, seat(4, "HOST4@Example.Test")))
    assert planning.current_holder(event_type(), b) == planning.Holder(4, 1, True)


def test_with_a_fixed_organizer_and_no_round_robin_attendee_nobody_holds_the_seat() -> None:
    assert planning.current_holder(event_type(), booking(organizer=2)) is None


# --- the booking written --------------------------------------------------------------------------


def test_round_robin_organizer_is_replaced_by_the_winner_and_title_regenerated() -> None:
    after = planning.reassigned_booking(
        event_type(), booking(organizer=3), planning.Holder(3, None, True), HOSTS[2]
    )
    assert after.organizer_id == 4
    assert after.title == "Discovery call between Host 4 and Bobby"
    assert after.attendees == (BOB,)


@pytest.mark.parametrize(
    ("responses_name", "attendees", "scheduler"),
    [
        ("Bobby", (BOB,), "Bobby"),  # responses.name first
        (None, (BOB,), "Bob"),  # else the first attendee's name
        (None, (Attendee("", "anon@x.test", "UTC"),), "Nameless"),  # else Nameless
        (None, (), "Nameless"),
    ],
)
def test_title_names_responses_name_else_first_attendee_else_nameless(
    responses_name: str | None, attendees: tuple[Attendee, ...], scheduler: str
) -> None:
    b = booking(responses_name=responses_name, attendees=attendees)
    assert (
        planning.booking_title(event_type(), "Host 4", b) == f"Discovery call between Host 4 and {scheduler}"
    )


def test_winner_without_a_name_is_called_nameless_in_the_title() -> None:
    # As Cal.com does for the organizer (`organizer.name || "Nameless"`), as docs/selection.md says.
    nameless = replace(HOSTS[2], user=replace(HOSTS[2].user, name=""))
    after = planning.reassigned_booking(event_type(), booking(), planning.Holder(3, None, True), nameless)
    assert after.title == "Discovery call between Nameless and Bobby"


def test_event_name_template_replaces_title_organiser_and_scheduler() -> None:
    et = event_type(event_name="{Event type title}: {Organiser} x {Scheduler} ({Organiser})")
    assert planning.booking_title(et, "Host 4", booking()) == "Discovery call: Host 4 x Bobby (Host 4)"


def test_with_a_fixed_organizer_the_previous_round_robin_attendee_is_replaced_and_title_kept() -> None:
    b = booking(organizer=2, attendees=(BOB, seat(4)))
    after = planning.reassigned_booking(event_type(), b, planning.current_holder(event_type(), b), HOSTS[3])
    assert after.organizer_id == 2
    assert after.title == "Old title"
    assert after.attendees == (BOB, Attendee("Host 5", "host5@example.test", "Asia/Kolkata"))


def test_with_a_fixed_organizer_and_no_round_robin_attendee_the_winner_joins_and_organizer_stays() -> None:
    b = booking(organizer=2)
    after = planning.reassigned_booking(event_type(), b, None, HOSTS[3])
    assert (after.organizer_id, after.title) == (2, "Old title")
    assert after.attendees == (BOB, Attendee("Host 5", "host5@example.test", "Asia/Kolkata"))


# --- the bookkeeping written ----------------------------------------------------------------------


def days_written(p: planning.Plan) -> dict[tuple[int, date], CalendarDay]:
    return {(c.user_id, c.day): c for c in p.derived.calendar_days}


def counted_hosts(p: planning.Plan) -> set[int]:
    return {user for deltas in p.derived.counters.values() for user in deltas}


def timeline_moves(p: planning.Plan) -> tuple[set[int], set[int]]:
    """(hosts gaining the booking's timeline entry, hosts losing it)"""
    return {e.user_id for e in p.derived.timeline_added}, {e.user_id for e in p.derived.timeline_removed}


def test_calendar_entry_moves_from_holder_to_winner_on_every_utc_day_the_booking_touches() -> None:
    b = booking(organizer=3)
    p = plan(b, HOSTS[2])
    written = days_written(p)
    assert set(written) == {(4, DAYS[0]), (4, DAYS[1]), (3, DAYS[0]), (3, DAYS[1])}
    assert all(written[(4, d)].busy == {"b-1": BusyEntry(b.start, b.end, b.status)} for d in DAYS)
    assert all(written[(3, d)].busy == {} for d in DAYS)
    assert all(c.version == 7 for c in p.derived.calendar_days)  # conditioned on the version read


def test_winners_calendar_days_read_for_the_buffer_but_not_written_are_checked_unchanged() -> None:
    b = booking(organizer=3, start="2050-01-08T00:15:00Z", end="2050-01-08T01:00:00Z")  # 30-min before buffer
    p = plan(b, HOSTS[2])
    assert [key for key in days_written(p) if key[0] == 4] == [(4, DAYS[1])]
    assert [(c.user_id, c.day) for c in p.calendar_checks] == [(4, DAYS[0])]


def test_accepted_booking_moves_its_counters_stats_and_timeline_to_the_winner() -> None:
    b = booking(organizer=3)
    older = timeline_position(at("2049-10-01T00:00:00Z"), "older-booking")
    p = plan(b, HOSTS[2], holder_remaining=TimelineTop((older,), whole=False))
    intervals = [
        "MONTH#CREATED_AT#2049-12", "MONTH#START_TIME#2050-01",
        "DAY#CREATED_AT#2049-12-20", "DAY#START_TIME#2050-01-07",
    ]  # fmt: skip
    assert p.derived.counters == {(100, i): {3: -1, 4: 1} for i in intervals}
    # The winner's last-booked time only moves forward; the holder's falls back to its previous booking.
    assert p.derived.stats[(100, 4)].last_booked_at == at("2049-12-20T10:00:00Z")
    assert p.derived.stats[(100, 3)] == HostStats.keeping(TimelineTop((older,), whole=False), 4)
    assert timeline_moves(p) == ({4}, {3})
    assert p.after.participants == Participants(frozenset({4}), frozenset({4}))


def test_winner_last_booked_time_never_goes_back() -> None:
    p = plan(booking(organizer=3), HOSTS[3])  # host 5 last booked 2050-02-01, after this booking's creation
    assert p.derived.stats[(100, 5)].last_booked_at == at("2050-02-01T00:00:00Z")


def test_pending_booking_moves_calendars_but_no_counters() -> None:
    p = plan(booking(organizer=3, status=BookingStatus.PENDING), HOSTS[2])
    assert {user for user, _ in days_written(p)} == {3, 4}
    assert (p.derived.counters, p.derived.stats, timeline_moves(p)) == ({}, {}, (set(), set()))


def test_fixed_organizer_keeps_calendar_and_no_counters_while_the_seat_moves() -> None:
    b = booking(organizer=2, attendees=(BOB, seat(4)))
    p = plan(b, HOSTS[3])
    assert {user for user, _ in days_written(p)} == {4, 5}
    assert counted_hosts(p) == {4, 5}
    assert p.after.participants == Participants(frozenset({2, 5}), frozenset({5}))


def test_manual_target_already_attending_gains_no_second_count() -> None:
    # Host 4 attends a booking organized by round-robin host 3; making 4 the organizer must not
    # count the booking twice for 4 (it already did as attendee), while 3 loses it.
    b = booking(organizer=3, attendees=(BOB, seat(4)))
    p = plan(b, HOSTS[2])
    assert p.after.organizer_id == 4
    assert counted_hosts(p) == {3}
    assert [user for user, _ in days_written(p)] == [3, 3]
    assert timeline_moves(p) == (set(), {3})


def test_organizer_who_is_no_host_loses_the_calendar_entry_but_has_no_counters() -> None:
    et = event_type()
    b = booking(organizer=9)
    holder = planning.current_holder(et, b)
    assert holder == planning.Holder(9, None, False)
    calendars = host_data(b, None).calendars | {(9, d): CalendarDay(9, d, 1, {}, ()) for d in DAYS}
    data = replace(host_data(b, None), calendars=calendars)
    p = planning.plan_reassignment(ReassignType.AUTO, 1, None, et, b, holder, HOSTS[2], data)
    assert {user for user, _ in days_written(p)} == {4, 9}
    assert counted_hosts(p) == {4}


def test_recorded_participants_are_what_the_holder_loses() -> None:
    # The booking also counts for user 7, a user attending whom the event type does not know:
    # the reassignment moves the seat from 3 to 4 and leaves 7 as recorded.
    b = replace(booking(organizer=3), participants=Participants(frozenset({3, 7}), frozenset({3})))
    p = plan(b, HOSTS[2])
    assert p.after.participants == Participants(frozenset({4, 7}), frozenset({4}))
    assert {user for user, _ in days_written(p)} == {3, 4}


# --- what is read ---------------------------------------------------------------------------------


def test_weighted_choice_reads_counters_of_every_round_robin_host_for_the_current_interval() -> None:
    et = event_type(weights=True)
    b = booking(organizer=3)
    request = planning.host_data_request(
        et, b, planning.current_holder(et, b), [HOSTS[2], HOSTS[3]], at("2050-05-01T00:00:00Z")
    )
    assert request.counters_of == {3, 4, 5}
    assert request.counter_interval == "MONTH#START_TIME#2050-01"  # START_TIME: the booking's month
