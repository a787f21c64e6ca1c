"""Who may be chosen and who is chosen (docs/selection.md, steps 1, 3 and 4), as pure functions."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from reassign_core.domain.models import (
    Booking,
    CountedBooking,
    EventType,
    Host,
    Interval,
    ResetInterval,
    TimestampBasis,
)

NEVER = datetime.min.replace(tzinfo=UTC)
_ZERO = Fraction(0)


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


def current_interval(event_type: EventType, booking: Booking, now: datetime) -> Interval:
    """The weighting interval's bounds: the UTC month or day `current_interval_id` names."""
    moment = (now if event_type.timestamp_basis is TimestampBasis.CREATED_AT else booking.start).astimezone(
        UTC
    )
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if event_type.reset_interval is ResetInterval.DAY:
        return Interval(start, start + timedelta(days=1))
    start = start.replace(day=1)
    return Interval(start, (start + timedelta(days=32)).replace(day=1))


def calibrations(
    round_robin_hosts: Sequence[Host],
    counted: Iterable[CountedBooking],
    away: Mapping[int, Sequence[Interval]],
    interval: Interval,
) -> dict[int, Fraction]:
    """Each round-robin host's calibration (docs/selection.md): the bookings its peers took before
    it joined during the interval, shared among those added before it, plus the bookings the others
    took while it was away, shared among the other hosts. A booking counted for k hosts counts k
    times, as it does in the total."""
    # Creation times once per host a counted booking is counted for, all and by organizer, sorted:
    # each count below is two binary searches, so 1000 hosts cost no more than a sort.
    everyone: list[datetime] = []
    by_organizer: dict[int, list[datetime]] = defaultdict(list)
    for booking in counted:
        everyone += [booking.created_at] * len(booking.hosts)
        by_organizer[booking.organizer_id] += [booking.created_at] * len(booking.hosts)
    everyone.sort()
    for times in by_organizer.values():
        times.sort()
    joined_at = sorted(h.created_at or NEVER for h in round_robin_hosts)
    others = len(round_robin_hosts) - 1

    def by_others(user_id: int, low: datetime | None, high: datetime, high_included: bool) -> int:
        """Counted bookings not organized by `user_id`, created in [low, high) or [low, high]."""
        cut = bisect_right if high_included else bisect_left

        def within(times: list[datetime]) -> int:
            return cut(times, high) - (bisect_left(times, low) if low is not None else 0)

        return within(everyone) - within(by_organizer.get(user_id, []))

    result: dict[int, Fraction] = {}
    for host in round_robin_hosts:
        c = _ZERO
        joined = host.created_at
        if joined is not None and joined >= interval.start:
            before = by_others(host.user_id, None, joined, high_included=False)
            earlier = bisect_left(joined_at, joined)  # other hosts added before it (never itself)
            if before and earlier:
                c += Fraction(before, earlier)
        if others:
            for spell in away.get(host.user_id, ()):
                if spell.overlaps(interval):
                    c += Fraction(by_others(host.user_id, spell.start, spell.end, high_included=True), others)
        result[host.user_id] = c
    return result


def _keep_max(hosts: list[Host], score: Mapping[int, int]) -> list[Host]:
    best = max(score[h.user_id] for h in hosts)
    return [h for h in hosts if score[h.user_id] == best]


def scaled_shortfalls(
    hosts: Sequence[Host],
    round_robin_hosts: Sequence[Host],
    counts: Mapping[int, int],
    calibration: Mapping[int, Fraction] | None = None,
) -> dict[int, int]:
    """How far each host is below its weighted share of the interval's bookings,
    (T + C) * weight / W - (count + c), exactly, as integers scaled by one common positive factor
    (W times the calibrations' common denominator): they compare as the fractions do, and a
    thousand hosts cost integer products instead of a thousand fraction reductions."""
    c = calibration or {}
    scale = math.lcm(*(c.get(h.user_id, _ZERO).denominator for h in (*round_robin_hosts, *hosts)))

    def own(user_id: int) -> int:
        """The host's count plus its calibration, scaled."""
        ci = c.get(user_id, _ZERO)
        return counts.get(user_id, 0) * scale + ci.numerator * (scale // ci.denominator)

    total = sum(own(h.user_id) for h in round_robin_hosts)
    weight_sum = sum(h.weight for h in round_robin_hosts)
    if not weight_sum:  # no shares: only the counts matter
        return {h.user_id: -own(h.user_id) for h in hosts}
    return {h.user_id: total * h.weight - weight_sum * own(h.user_id) for h in hosts}


def by_weight(
    available: list[Host],
    round_robin_hosts: Sequence[Host],
    counts: Mapping[int, int],
    calibration: Mapping[int, Fraction] | None = None,
) -> list[Host]:
    """Hosts furthest below their weighted share of the interval's bookings, then the heaviest."""
    shortfall = scaled_shortfalls(available, round_robin_hosts, counts, calibration)
    return _keep_max(_keep_max(available, shortfall), {h.user_id: h.weight for h in available})


def ranking(
    available: Sequence[Host],
    event_type: EventType,
    counts: Mapping[int, int],
    last_booked: Mapping[int, datetime | None],
    calibration: Mapping[int, Fraction] | None = None,
) -> list[Host]:
    """The available hosts in the order the auto reassignment would try them: the lucky host first.

    Each rule keeps the best of those left by the rules before it, so the rules read as one
    lexicographic key: largest shortfall, then weight (weights on); highest priority; booked
    longest ago (never booked first); the event type's host order. Taking the first host out does
    not change anyone else's key (the shares are over all round-robin hosts), so the rest of the
    list is the order later picks would follow.
    """
    shortfall = (
        scaled_shortfalls(available, event_type.round_robin_hosts, counts, calibration)
        if event_type.weights_enabled
        else {}
    )

    def key(host: Host) -> tuple[int, int, int, datetime, int]:
        weighted: tuple[int, int] = (
            (-shortfall[host.user_id], -host.weight) if event_type.weights_enabled else (0, 0)
        )
        return (*weighted, -host.priority, last_booked.get(host.user_id) or NEVER, host.position)

    return sorted(available, key=key)


def lucky_host(
    available: Sequence[Host],
    event_type: EventType,
    counts: Mapping[int, int],
    last_booked: Mapping[int, datetime | None],
    calibration: Mapping[int, Fraction] | None = None,
) -> Host:
    return ranking(available, event_type, counts, last_booked, calibration)[0]
