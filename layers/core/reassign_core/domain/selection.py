"""Who may be chosen and who is chosen (docs/selection.md, steps 1, 3 and 4), as pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from reassign_core.domain.models import Booking, EventType, Host, ResetInterval, TimestampBasis

NEVER = datetime.min.replace(tzinfo=UTC)


def candidates(event_type: EventType, booking: Booking) -> list[Host]:
    """Round-robin hosts other than the organizer and anyone already attending."""
    return [
        host
        for host in event_type.round_robin_hosts
        if host.user_id != booking.organizer_id and not booking.has_attendee(host.user.email)
    ]


def interval_id(reset: ResetInterval, basis: TimestampBasis, moment: datetime) -> str:
    """Names the UTC month or day a booking counts in, e.g. `MONTH#CREATED_AT#2026-11`."""
    utc = moment.astimezone(UTC)
    period = utc.strftime("%Y-%m") if reset is ResetInterval.MONTH else utc.strftime("%Y-%m-%d")
    return f"{reset.value}#{basis.value}#{period}"


def all_interval_ids(created_at: datetime, start: datetime) -> list[str]:
    """Every counter an ACCEPTED booking feeds, so any event type setting can be answered."""
    return [
        interval_id(reset, basis, created_at if basis is TimestampBasis.CREATED_AT else start)
        for reset in ResetInterval
        for basis in TimestampBasis
    ]


def current_interval_id(event_type: EventType, booking: Booking, now: datetime) -> str:
    """The weighting interval: the one containing now, or the one containing the booking's start."""
    moment = now if event_type.timestamp_basis is TimestampBasis.CREATED_AT else booking.start
    return interval_id(event_type.reset_interval, event_type.timestamp_basis, moment)


def _keep_max(hosts: list[Host], score: Mapping[int, int | float]) -> list[Host]:
    best = max(score[h.user_id] for h in hosts)
    return [h for h in hosts if score[h.user_id] == best]


def by_weight(
    available: list[Host], round_robin_hosts: Sequence[Host], counts: Mapping[int, int]
) -> list[Host]:
    """Hosts furthest below their weighted share of the interval's bookings, then the heaviest.

    shortfall = T*weight/W - count; compared as T*weight - count*W to stay in exact integers.
    """
    total = sum(counts.get(h.user_id, 0) for h in round_robin_hosts)
    weight_sum = sum(h.weight for h in round_robin_hosts)
    if weight_sum == 0:
        shortfall = {h.user_id: -counts.get(h.user_id, 0) for h in available}
    else:
        shortfall = {h.user_id: total * h.weight - counts.get(h.user_id, 0) * weight_sum for h in available}
    return _keep_max(_keep_max(available, shortfall), {h.user_id: h.weight for h in available})


def by_priority(hosts: list[Host]) -> list[Host]:
    return _keep_max(hosts, {h.user_id: h.priority for h in hosts})


def least_recently_booked(hosts: list[Host], last_booked: Mapping[int, datetime | None]) -> Host:
    """Never booked counts as the oldest; ties keep the event type's host order."""

    def recency(host: Host) -> tuple[datetime, int]:
        return (last_booked.get(host.user_id) or NEVER, host.position)

    return min(hosts, key=recency)


def lucky_host(
    available: Sequence[Host],
    event_type: EventType,
    counts: Mapping[int, int],
    last_booked: Mapping[int, datetime | None],
) -> Host:
    pool = sorted(available, key=lambda h: h.position)
    if event_type.weights_enabled:
        pool = by_weight(pool, event_type.round_robin_hosts, counts)
    return least_recently_booked(by_priority(pool), last_booked)
