"""Plain domain models: what the decision reads and what it writes. No I/O, no validation magic.

All are treated as immutable (changes go through `dataclasses.replace`). The ones built per host
(a 1000-host choice builds thousands) are not declared frozen: a frozen dataclass sets each field
through `object.__setattr__`, which makes building one about four times slower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import NamedTuple

from reassign_core.domain.timeutil import iso, parse_iso


class BookingStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


# Bookings that hold a host's time (and so can conflict with another booking).
BUSY_STATUSES = frozenset({BookingStatus.ACCEPTED, BookingStatus.PENDING})


class SchedulingType(StrEnum):
    ROUND_ROBIN = "ROUND_ROBIN"
    COLLECTIVE = "COLLECTIVE"
    MANAGED = "MANAGED"


class ResetInterval(StrEnum):
    MONTH = "MONTH"
    DAY = "DAY"


class TimestampBasis(StrEnum):
    CREATED_AT = "CREATED_AT"
    START_TIME = "START_TIME"


class ReassignType(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class RequestSource(StrEnum):
    """How a reassignment was asked for: through the API (a credential checked by the authorizer)
    or by invoking the function directly (trusted by IAM alone)."""

    HTTP = "http"
    DIRECT = "direct"


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str
    time_zone: str


class Participants(NamedTuple):
    """Whom a booking counts for, recorded with it: the users whose calendars hold its time (the
    organizer and attendees matched to users by email) and the round-robin hosts of its event type
    among them (their timelines, last-booked times and counters). The bookkeeping compares what was
    recorded with what is true after a change, so a later change of emails or hosts can never make it
    take back what it did not add. (A NamedTuple: cheaper to define at import than a dataclass.)"""

    people: frozenset[int]
    round_robin: frozenset[int]


@dataclass(frozen=True, slots=True)
class Booking:
    uid: str
    event_type_id: int | None
    organizer_id: int
    title: str
    start: datetime
    end: datetime
    status: BookingStatus
    created_at: datetime
    attendees: tuple[Attendee, ...]
    responses_name: str | None
    version: int
    participants: Participants | None = None  # None: not recorded (stored before they were kept)

    def has_attendee(self, email: str) -> bool:
        wanted = email.casefold()
        return any(a.email.casefold() == wanted for a in self.attendees)


@dataclass(slots=True)
class UserProfile:
    id: int
    name: str
    email: str
    time_zone: str
    default_schedule_id: int | None


@dataclass(frozen=True, slots=True)
class Caller:
    """The user behind the credentials, with the roles that can grant permission."""

    user_id: int
    is_system_admin: bool
    team_roles: dict[int, str] = field(default_factory=dict)
    # Event types the caller owns, hosts or manages through a team (the loader's per-user index):
    # enough to refuse before the event type and its hosts are read.
    reassignable_event_types: frozenset[int] = frozenset()


@dataclass(slots=True)
class Host:
    """An event type's host, carrying the host user's profile (denormalized by the loader)."""

    user: UserProfile
    is_fixed: bool
    priority: int
    weight: int
    schedule_id: int | None
    position: int
    # The host's own schedule (its `schedule_id`'s, else the user's default), copied into the host
    # item by the loader, which writes both: a selection then reads no schedule per candidate.
    # Whatever writes a schedule must rewrite these copies too (bookkeeping.hosts_carrying says
    # which). None when the event type has one.
    schedule: Schedule | None = None
    # When the host was added to the event type; None: before any weighting interval (no calibration).
    created_at: datetime | None = None

    @property
    def user_id(self) -> int:
        return self.user.id


@dataclass(frozen=True, slots=True)
class EventType:
    id: int
    title: str
    team_id: int | None
    organization_id: int | None
    owner_id: int | None
    scheduling_type: SchedulingType | None
    schedule_id: int | None
    event_name: str | None
    before_buffer_minutes: int
    after_buffer_minutes: int
    weights_enabled: bool
    reset_interval: ResetInterval
    timestamp_basis: TimestampBasis
    hosts: tuple[Host, ...]
    host_stats: Mapping[int, HostStats] = field(default_factory=dict)  # by user id; absent = never booked

    @property
    def round_robin_hosts(self) -> tuple[Host, ...]:
        return tuple(h for h in self.hosts if not h.is_fixed)

    def host(self, user_id: int) -> Host | None:
        return next((h for h in self.hosts if h.user_id == user_id), None)

    def host_by_email(self, email: str) -> Host | None:
        wanted = email.casefold()
        return next((h for h in self.hosts if h.user.email.casefold() == wanted), None)


class TimeRange(NamedTuple):
    """A time-of-day range; `end` of None means 24:00. A tuple: availability's caches hash
    thousands of these per choice, and a tuple hashes in C."""

    start: time
    end: time | None


@dataclass(slots=True)
class Schedule:
    """Open hours in the schedule's zone: `weekly[d]` on weekday d (0 = Sunday … 6 = Saturday).
    A date override replaces that date's hours; an override with no ranges is a day off."""

    id: int
    time_zone: str
    weekly: tuple[tuple[TimeRange, ...], ...]
    overrides: dict[date, tuple[TimeRange, ...]]


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and self.end > other.start


@dataclass(slots=True)
class BusyEntry:
    start: datetime
    end: datetime
    status: BookingStatus


@dataclass(slots=True)
class CalendarDay:
    """What holds one user's time on one UTC day; `version` 0 means the item does not exist yet."""

    user_id: int
    day: date
    version: int
    busy: dict[str, BusyEntry]
    out_of_office: tuple[Interval, ...]


class CountedBooking(NamedTuple):
    """An ACCEPTED booking as a weighting interval's counts see it: when it was created, who
    organizes it and the round-robin hosts it is counted for (what calibration needs)."""

    created_at: datetime
    organizer_id: int
    hosts: frozenset[int]


def timeline_position(created_at: datetime, uid: str) -> str:
    """Where a booking sits in a host's timeline: by creation time, then uid. Text
    ("<ISO 8601 instant>#<uid>", the instant fixed width), so positions compare as the timeline
    orders them and are stored as they are."""
    return f"{iso(created_at)}#{uid}"


def position_time(position: str) -> str:
    """The creation time of a timeline position, as the ISO text it starts with."""
    return position.partition("#")[0]


class TimelineTop(NamedTuple):
    """A host's newest timeline positions, newest first: every entry newer than the last listed is
    listed, and `whole` says there are no others (no positions and not whole never happens)."""

    positions: tuple[str, ...]
    whole: bool


EMPTY_TIMELINE = TimelineTop((), whole=True)


@dataclass(frozen=True, slots=True)
class HostStats:
    """Round-robin bookkeeping of one host for one event type; `version` 0 = item absent.

    `top`: the newest few entries of the host's timeline, so that a booking leaving it can be taken
    out without reading the timeline (see bookkeeping); None for an item an earlier version wrote,
    which kept the last-booked time only."""

    last_booked_at: datetime | None
    version: int
    top: TimelineTop | None = None

    @classmethod
    def keeping(cls, top: TimelineTop, version: int) -> HostStats:
        """Stats keeping `top`: its newest position is the last-booked time."""
        latest = top.positions[0] if top.positions else None
        return cls(parse_iso(position_time(latest)) if latest else None, version, top)


NEVER_BOOKED = HostStats(last_booked_at=None, version=0, top=EMPTY_TIMELINE)  # no stats item yet
