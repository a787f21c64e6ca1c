"""The decision, end to end and pure: checks, what to read, whom to pick, what to write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from reassign_core.domain import availability, bookkeeping, people, selection
from reassign_core.domain.availability import Unavailability
from reassign_core.domain.bookkeeping import BookingChange, DerivedState, DerivedWrites
from reassign_core.domain.errors import (
    BookingEnded,
    BookingNotReassignable,
    NoHostAvailable,
    NotRoundRobin,
    NotRoundRobinHost,
    PermissionDenied,
    UserNotFound,
)
from reassign_core.domain.host_stats import needs_timeline
from reassign_core.domain.models import (
    NEVER_BOOKED,
    Attendee,
    Booking,
    BookingStatus,
    CalendarDay,
    Caller,
    CountedBooking,
    EventType,
    Host,
    HostStats,
    Interval,
    ReassignType,
    RequestSource,
    Schedule,
    SchedulingType,
    TimelineTop,
    UserProfile,
    timeline_position,
)
from reassign_core.domain.permissions import may_reassign
from reassign_core.domain.timeutil import utc_days

CalendarKey = tuple[int, date]


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the booking's round-robin seat now, and where: the organizer or an attendee."""

    user_id: int
    attendee_index: int | None  # None: the holder is the organizer
    is_round_robin_host: bool


@dataclass(frozen=True, slots=True)
class HostDataRequest:
    """Everything the choice and the write need beyond the booking and event type: one batch."""

    schedule_ids: frozenset[int]
    calendars: frozenset[CalendarKey]
    stats_of: frozenset[int]
    counters_of: frozenset[int]
    counter_interval: str | None
    holder_timeline_of: int | None  # the holder whose stats cannot tell its latest booking left
    away_of: frozenset[int] = frozenset()  # whose out-of-office spells the calibration needs
    interval: Interval | None = None  # the weighting interval's bounds (weights on)


@dataclass(frozen=True, slots=True)
class HostData:
    schedules: Mapping[int, Schedule]
    calendars: Mapping[CalendarKey, CalendarDay]
    stats: Mapping[int, HostStats]
    interval_counts: dict[int, int]
    holder_remaining: TimelineTop | None  # the holder's newest timeline entries other than this booking
    counted: Sequence[CountedBooking] = ()  # the interval's counted bookings (weights on)
    away: Mapping[int, Sequence[Interval]] = field(default_factory=dict)  # spells, by user (weights on)
    interval: Interval | None = None  # as requested


@dataclass(frozen=True, slots=True)
class Plan:
    """One reassignment, ready to write in one transaction: the booking (`after` with its
    participants), the derived items the bookkeeping says change, and the winner's other calendar
    days the choice rested on, which must still be at the version read."""

    kind: ReassignType
    actor_id: int
    reason: str | None
    before: Booking
    after: Booking
    winner: Host
    holder: Holder | None
    derived: DerivedWrites
    calendar_checks: tuple[CalendarDay, ...]
    source: RequestSource


# --- checks, in the documented order (docs/api.md, order of checks) -------------------------------


def check_reassignable(
    caller: Caller | None, booking: Booking, event_type: EventType | None, now: datetime
) -> EventType:
    if caller is None or not may_reassign(caller, booking, event_type):
        raise PermissionDenied
    if event_type is None or event_type.scheduling_type is not SchedulingType.ROUND_ROBIN:
        raise NotRoundRobin(booking.uid)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        raise BookingNotReassignable(booking.uid, booking.status.value)
    if booking.end <= now:  # moving a meeting that is over would rewrite history, not a calendar
        raise BookingEnded(booking.uid)
    return event_type


def manual_target(event_type: EventType, target_id: int, target: UserProfile | None) -> Host:
    if target is None:
        raise UserNotFound(target_id)
    host = event_type.host(target_id)
    if host is None or host.is_fixed:
        raise NotRoundRobinHost(target_id)
    return host


def current_holder(event_type: EventType, booking: Booking) -> Holder | None:
    """A fixed-host organizer keeps the booking; the round-robin host then sits among attendees."""
    organizer = event_type.host(booking.organizer_id)
    if organizer is None or not organizer.is_fixed:
        return Holder(booking.organizer_id, None, organizer is not None)
    for index, attendee in enumerate(booking.attendees):
        host = event_type.host_by_email(attendee.email)
        if host is not None and not host.is_fixed:
            return Holder(host.user_id, index, True)
    return None


# --- what to read ------------------------------------------------------------------------------


def schedule_id_of(event_type: EventType, host: Host) -> int | None:
    return event_type.schedule_id or host.schedule_id or host.user.default_schedule_id


def _embedded_schedule(event_type: EventType, host: Host) -> Schedule | None:
    """The host's copy of the schedule that applies, if it carries it (no event type schedule)."""
    wanted = schedule_id_of(event_type, host)
    return host.schedule if host.schedule is not None and host.schedule.id == wanted else None


def schedule_of(event_type: EventType, host: Host, read: Mapping[int, Schedule]) -> Schedule | None:
    """The schedule that applies to the host: its own copy, else the one read from the store."""
    if (embedded := _embedded_schedule(event_type, host)) is not None:
        return embedded
    schedule_id = schedule_id_of(event_type, host)
    return read.get(schedule_id) if schedule_id is not None else None


def busy_window(event_type: EventType, booking: Booking) -> tuple[datetime, datetime]:
    return (
        booking.start - timedelta(minutes=event_type.before_buffer_minutes),
        booking.end + timedelta(minutes=event_type.after_buffer_minutes),
    )


def host_data_request(
    event_type: EventType, booking: Booking, holder: Holder | None, pool: list[Host], now: datetime
) -> HostDataRequest:
    """`pool`: the candidates (auto) or the chosen target (manual)."""
    window_days = utc_days(*busy_window(event_type, booking))
    booking_days = utc_days(booking.start, booking.end)
    calendars = {(h.user_id, d) for h in pool for d in window_days}
    stats_of = {h.user_id for h in pool}
    holder_counted = holder is not None and _counted_for(event_type, booking, holder.user_id)
    if holder is not None:
        calendars |= {(holder.user_id, d) for d in booking_days}
        if holder_counted:
            stats_of.add(holder.user_id)
    weighted = is_weighted(event_type, pool)
    return HostDataRequest(
        schedule_ids=frozenset(
            sid
            for h in pool
            if _embedded_schedule(event_type, h) is None
            and (sid := schedule_id_of(event_type, h)) is not None
        ),
        calendars=frozenset(calendars),
        stats_of=frozenset(stats_of),
        counters_of=frozenset(h.user_id for h in event_type.round_robin_hosts) if weighted else frozenset(),
        counter_interval=selection.current_interval_id(event_type, booking, now) if weighted else None,
        holder_timeline_of=holder.user_id
        if holder is not None
        and holder_counted
        and booking.status is BookingStatus.ACCEPTED
        and needs_timeline(
            event_type.host_stats.get(holder.user_id, NEVER_BOOKED),
            {timeline_position(booking.created_at, booking.uid)},
        )
        else None,
        away_of=frozenset(h.user_id for h in event_type.round_robin_hosts) if weighted else frozenset(),
        interval=selection.current_interval(event_type, booking, now) if weighted else None,
    )


def _counted_for(event_type: EventType, booking: Booking, user_id: int) -> bool:
    """Whether the booking counts for the user (a round-robin host of it), as recorded with it."""
    recorded = booking.participants
    if recorded is None:  # stored before participants were kept: as they would have been resolved
        recorded = people.participants(booking, people.EventTypeDirectory(event_type))
    return user_id in recorded.round_robin


# --- whom to pick ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate as the choice sees it: why it cannot take the booking, or its rank."""

    host: Host
    reason: Unavailability | None  # None: available
    rank: int | None  # 1 = whom the auto reassignment picks; None when unavailable
    last_booked_at: datetime | None
    bookings_in_interval: int | None  # None when the weights are off (or not needed: one candidate)
    calibration: Fraction | None = None  # as bookings_in_interval


def is_weighted(event_type: EventType, pool: list[Host]) -> bool:
    """Whether the interval's counts decide between the candidates (and so are read)."""
    return event_type.weights_enabled and len(pool) > 1


def ranked_candidates(
    event_type: EventType, booking: Booking, pool: list[Host], data: HostData
) -> list[Candidate]:
    """Every candidate: the available ones in the order the auto reassignment would try them, then
    the unavailable ones in host order. The one decision both the reassignment and the preview use."""
    window_days = utc_days(*busy_window(event_type, booking))
    before = timedelta(minutes=event_type.before_buffer_minutes)
    after = timedelta(minutes=event_type.after_buffer_minutes)
    reasons = {
        host.user_id: availability.unavailability(
            schedule_of(event_type, host, data.schedules),
            (data.calendars[(host.user_id, d)] for d in window_days),  # decoded only if needed
            booking.uid,
            booking.start,
            booking.end,
            before,
            after,
        )
        for host in pool
    }
    available = [host for host in pool if reasons[host.user_id] is None]
    last_booked = {h.user_id: data.stats[h.user_id].last_booked_at for h in pool}
    weighted = is_weighted(event_type, pool)
    calibration = (
        selection.calibrations(event_type.round_robin_hosts, data.counted, data.away, data.interval)
        if weighted and data.interval is not None
        else {}
    )
    ranked = selection.ranking(available, event_type, data.interval_counts, last_booked, calibration)

    def candidate(host: Host, rank: int | None) -> Candidate:
        counts = data.interval_counts.get(host.user_id, 0) if weighted else None
        c = calibration.get(host.user_id, Fraction(0)) if weighted else None
        return Candidate(host, reasons[host.user_id], rank, last_booked[host.user_id], counts, c)

    unavailable = sorted((h for h in pool if reasons[h.user_id] is not None), key=lambda h: h.position)
    return [candidate(h, n) for n, h in enumerate(ranked, 1)] + [candidate(h, None) for h in unavailable]


def choose_winner(event_type: EventType, booking: Booking, pool: list[Host], data: HostData) -> Host:
    ranked = ranked_candidates(event_type, booking, pool, data)
    if not ranked or ranked[0].rank is None:
        raise NoHostAvailable
    return ranked[0].host


# --- what to write -----------------------------------------------------------------------------


def attendee_name(booking: Booking) -> str:
    if booking.responses_name:
        return booking.responses_name
    return booking.attendees[0].name if booking.attendees and booking.attendees[0].name else "Nameless"


def booking_title(event_type: EventType, organizer_name: str, booking: Booking) -> str:
    scheduler = attendee_name(booking)
    if not event_type.event_name:
        return f"{event_type.title} between {organizer_name} and {scheduler}"
    return (
        event_type.event_name.replace("{Event type title}", event_type.title)
        .replace("{Organiser}", organizer_name)
        .replace("{Scheduler}", scheduler)
    )


def reassigned_booking(
    event_type: EventType, booking: Booking, holder: Holder | None, winner: Host
) -> Booking:
    seat = Attendee(winner.user.name, winner.user.email, winner.user.time_zone)
    already_attending = booking.has_attendee(winner.user.email)
    if holder is None:
        # A fixed host organizes and no round-robin host attends: the organizer stays (docs/selection.md)
        # and the winner joins. Making the winner organizer would drop the fixed host.
        return booking if already_attending else replace(booking, attendees=(*booking.attendees, seat))
    if holder.attendee_index is None:
        return replace(
            booking,
            organizer_id=winner.user_id,
            title=booking_title(event_type, winner.user.name or "Nameless", booking),
        )
    attendees = list(booking.attendees)
    if already_attending:  # a manual target already in the booking keeps their seat; the holder leaves
        del attendees[holder.attendee_index]
    else:
        attendees[holder.attendee_index] = seat
    return replace(booking, attendees=tuple(attendees))


def plan_reassignment(
    kind: ReassignType,
    actor_id: int,
    reason: str | None,
    event_type: EventType,
    booking: Booking,
    holder: Holder | None,
    winner: Host,
    data: HostData,
    *,
    source: RequestSource = RequestSource.HTTP,
) -> Plan:
    # The bookkeeping follows whom the booking counts for before and after, not who was asked for:
    # a manual target already attending gains nothing, a holder still attending loses nothing.
    directory = people.EventTypeDirectory(event_type)
    before = people.with_participants(booking, directory)
    after = reassigned_booking(event_type, before, holder, winner)
    after = replace(after, participants=people.moved_participants(before, after, directory))
    edits = bookkeeping.edits_for([BookingChange(before, after)])
    needed = edits.reads()
    remaining = (
        {(event_type.id, holder.user_id): data.holder_remaining} if holder and data.holder_remaining else {}
    )
    derived = bookkeeping.derived_writes(
        edits,
        DerivedState(
            calendars=data.calendars,  # decoded on access: only the days written are
            stats={host: data.stats[host[1]] for host in needed.stats},
            remaining=remaining,
        ),
    )
    written = {(c.user_id, c.day) for c in derived.calendar_days}
    # The winner's days the choice rested on must still be as read when the write lands.
    # By key: calendars decode on access, and only the winner's are needed here.
    checks = tuple(
        data.calendars[key] for key in data.calendars if key[0] == winner.user_id and key not in written
    )
    return Plan(
        kind=kind,
        actor_id=actor_id,
        reason=reason,
        before=booking,
        after=after,
        winner=winner,
        holder=holder,
        derived=derived,
        calendar_checks=checks,
        source=source,
    )
