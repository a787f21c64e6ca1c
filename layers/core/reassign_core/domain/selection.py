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


def shortfalls(
    hosts: Sequence[Host], round_robin_hosts: Sequence[Host], counts: Mapping[int, int]
) -> dict[int, int]:
    """How far each host is below its weighted share of the interval's bookings, scaled by W.

    shortfall = T*weight/W - count; kept as T*weight - count*W to stay in exact integers.
    """
    total = sum(counts.get(h.user_id, 0) for h in round_robin_hosts)
    weight_sum = sum(h.weight for h in round_robin_hosts)
    if weight_sum == 0:
        return {h.user_id: -counts.get(h.user_id, 0) for h in hosts}
    return {h.user_id: total * h.weight - counts.get(h.user_id, 0) * weight_sum for h in hosts}


def by_weight(
    available: list[Host], round_robin_hosts: Sequence[Host], counts: Mapping[int, int]
) -> list[Host]:
    """Hosts furthest below their weighted share of the interval's bookings, then the heaviest."""
    shortfall = shortfalls(available, round_robin_hosts, counts)
    return _keep_max(_keep_max(available, shortfall), {h.user_id: h.weight for h in available})


def ranking(
    available: Sequence[Host],
    event_type: EventType,
    counts: Mapping[int, int],
    last_booked: Mapping[int, datetime | None],
) -> list[Host]:
    """The available hosts in the order the auto reassignment would try them: the lucky host first.

    Each rule keeps the best of those left by the rules before it, so the rules read as one
    lexicographic key: largest shortfall, then weight (weights on); highest priority; booked
    longest ago (never booked first); the event type's host order. Taking the first host out does
    not change anyone else's key (the shares are over all round-robin hosts), so the rest of the
    list is the order later picks would follow.
    """
    shortfall = (
        shortfalls(available, event_type.round_robin_hosts, counts) if event_type.weights_enabled else {}
    )

    def key(host: Host) -> tuple[int, int, int, datetime, int]:
        weighted = (-shortfall[host.user_id], -host.weight) if event_type.weights_enabled else (0, 0)
        return (*weighted, -host.priority, last_booked.get(host.user_id) or NEVER, host.position)

    return sorted(available, key=key)


def lucky_host(
    available: Sequence[Host],
    event_type: EventType,
    counts: Mapping[int, int],
    last_booked: Mapping[int, datetime | None],
) -> Host:
    return ranking(available, event_type, counts, last_booked)[0]
