"""Candidates and the lucky host (docs/selection.md), on the pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from reassign_core.domain import selection
from reassign_core.domain.models import (
    Attendee,
    Booking,
    BookingStatus,
    EventType,
    Host,
    ResetInterval,
    SchedulingType,
    TimestampBasis,
    UserProfile,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def host(user_id: int, position: int, *, fixed: bool = False, priority: int = 2, weight: int = 100) -> Host:
    user = UserProfile(user_id, f"Host {user_id}", f"host{user_id}@example.test", "UTC", None)
    return Host(user, is_fixed=fixed, priority=priority, weight=weight, schedule_id=None, position=position)


def event_type(
    *hosts: Host,
    weights: bool = False,
    reset: ResetInterval = ResetInterval.MONTH,
    basis: TimestampBasis = TimestampBasis.CREATED_AT,
) -> EventType:
    return EventType(
        id=100, title="Discovery call", team_id=5, organization_id=None, owner_id=None,
        scheduling_type=SchedulingType.ROUND_ROBIN, schedule_id=None, event_name=None,
        before_buffer_minutes=0, after_buffer_minutes=0, weights_enabled=weights,
        reset_interval=reset, timestamp_basis=basis, hosts=hosts,
    )  # fmt: skip


def booking(organizer: int, *attendee_emails: str, start: str = "2050-01-07T13:00:00Z") -> Booking:
    return Booking(
        uid="b-1", event_type_id=100, organizer_id=organizer, title="t",
        start=at(start), end=at(start) + (at("2050-01-01T01:00:00Z") - at("2050-01-01T00:00:00Z")),
        status=BookingStatus.ACCEPTED, created_at=at("2049-12-01T00:00:00Z"),
        attendees=tuple(Attendee("Someone", e, "UTC") for e in attendee_emails),
        responses_name=None, version=1,
    )  # fmt: skip


def ids(hosts: list[Host]) -> list[int]:
    return [h.user_id for h in hosts]


def pick(
    et: EventType, counts: dict[int, int] | None = None, last: dict[int, datetime | None] | None = None
) -> int:
    """The lucky host when every round-robin host is available."""
    available = list(et.round_robin_hosts)
    return selection.lucky_host(available, et, counts or {}, last or {}).user_id


# --- candidates -----------------------------------------------------------------------------------


def test_fixed_hosts_are_never_candidates() -> None:
    et = event_type(host(2, 0, fixed=True), host(3, 1), host(4, 2))
    assert ids(selection.candidates(et, booking(3))) == [4]


def test_the_organizer_is_never_a_candidate() -> None:
    et = event_type(host(2, 0), host(3, 1), host(4, 2))
    assert ids(selection.candidates(et, booking(3))) == [2, 4]


def test_an_attendee_is_never_a_candidate_matching_email_case_insensitively() -> None:
    et = event_type(host(2, 0, fixed=True), host(3, 1), host(4, 2), host(5, 3))
    assert ids(selection.candidates(et, booking(2, "bob@customer.test", "HOST4@Example.TEST"))) == [3, 5]


def test_candidates_keep_the_event_types_host_order() -> None:
    et = event_type(host(9, 0), host(3, 1), host(7, 2), host(1, 3))
    assert ids(selection.candidates(et, booking(1))) == [9, 3, 7]


# --- weighting intervals ------------------------------------------------------------------------


def test_month_interval_is_the_utc_month() -> None:
    # 23:30 on Jan 31 in New York is already February in UTC.
    moment = datetime.fromisoformat("2050-01-31T23:30:00-05:00")
    assert (
        selection.interval_id(ResetInterval.MONTH, TimestampBasis.CREATED_AT, moment)
        == "MONTH#CREATED_AT#2050-02"
    )


def test_day_interval_is_the_utc_day() -> None:
    moment = datetime.fromisoformat("2050-01-07T01:00:00+05:30")
    assert (
        selection.interval_id(ResetInterval.DAY, TimestampBasis.START_TIME, moment)
        == "DAY#START_TIME#2050-01-06"
    )


def test_created_at_basis_counts_the_interval_containing_now() -> None:
    et = event_type(host(2, 0), weights=True, reset=ResetInterval.DAY, basis=TimestampBasis.CREATED_AT)
    now = at("2050-03-02T10:00:00Z")
    assert selection.current_interval_id(et, booking(2), now) == "DAY#CREATED_AT#2050-03-02"


def test_start_time_basis_counts_the_interval_containing_the_bookings_start() -> None:
    et = event_type(host(2, 0), weights=True, reset=ResetInterval.MONTH, basis=TimestampBasis.START_TIME)
    now = at("2050-03-02T10:00:00Z")
    assert selection.current_interval_id(et, booking(2, start="2050-01-07T13:00:00Z"), now) == (
        "MONTH#START_TIME#2050-01"
    )


def test_a_booking_feeds_every_interval_kind_so_any_setting_can_be_answered() -> None:
    assert sorted(selection.all_interval_ids(at("2049-12-31T23:00:00Z"), at("2050-01-07T13:00:00Z"))) == [
        "DAY#CREATED_AT#2049-12-31",
        "DAY#START_TIME#2050-01-07",
        "MONTH#CREATED_AT#2049-12",
        "MONTH#START_TIME#2050-01",
    ]


# --- weights ------------------------------------------------------------------------------------


def test_weights_pick_the_host_furthest_below_its_share() -> None:
    # T = 10, W = 300: shares are 3.33 (host 2), 3.33 (host 3), 3.33 (host 4); shortfalls -2.67, 0.33, 2.33.
    et = event_type(host(2, 0), host(3, 1), host(4, 2), weights=True)
    assert pick(et, counts={2: 6, 3: 3, 4: 1}) == 4


def test_shortfall_is_measured_over_all_round_robin_hosts_even_unavailable_ones() -> None:
    # Host 4 is busy, but its 20 bookings count in T and its weight in W.
    # All hosts:       T = 27, W = 400 → host 2: 27*200/400 - 5 = 8.5;  host 3: 27*100/400 - 2 = 4.75.
    # Available only:  T = 7,  W = 300 → host 2: 7*200/300 - 5 = -0.33; host 3: 7*100/300 - 2 = 0.33.
    hosts = (host(2, 0, weight=200), host(3, 1, weight=100), host(4, 2, weight=100))
    et = event_type(*hosts, weights=True)
    available = [hosts[0], hosts[1]]
    assert ids(selection.by_weight(available, et.round_robin_hosts, {2: 5, 3: 2, 4: 20})) == [2]


def test_shortfalls_are_the_exact_fractions_times_one_common_positive_factor() -> None:
    # Calibrations with different denominators (1/3, 5/7): the scaled integers must be the exact
    # shortfalls (T + C) * weight / W - (count + c) times the same positive factor for every host.
    hosts = (host(2, 0, weight=100), host(3, 1, weight=50), host(4, 2, weight=25))
    et = event_type(*hosts, weights=True)
    counts = {2: 4, 3: 1, 4: 0}
    calibration = {2: Fraction(0), 3: Fraction(1, 3), 4: Fraction(5, 7)}
    total = sum(counts.values()) + sum(calibration.values())
    exact = {h.user_id: total * h.weight / 175 - counts[h.user_id] - calibration[h.user_id] for h in hosts}
    scaled = selection.scaled_shortfalls(hosts, et.round_robin_hosts, counts, calibration)
    factors = {Fraction(scaled[u]) / exact[u] for u in exact}
    assert len(factors) == 1 and factors.pop() > 0


def test_fixed_hosts_take_no_part_in_the_weighted_share() -> None:
    # Round-robin only: T = 5, W = 300 → host 2: 5*200/300 - 3 = 0.33; host 3: 5*100/300 - 2 = -0.33.
    # With the fixed host's 1000 in W: host 2: 0.77 - 3 = -2.23; host 3: 0.38 - 2 = -1.62 (host 3).
    hosts = (host(9, 0, fixed=True, weight=1000), host(2, 1, weight=200), host(3, 2, weight=100))
    et = event_type(*hosts, weights=True)
    assert ids(selection.by_weight([hosts[1], hosts[2]], et.round_robin_hosts, {2: 3, 3: 2})) == [2]


def test_shortfall_ties_go_to_the_larger_weight() -> None:
    # T = 0: every shortfall is 0, so the heavier host wins even though it comes later.
    et = event_type(host(2, 0, weight=100), host(3, 1, weight=300), weights=True)
    assert pick(et, counts={}) == 3


def test_the_hosts_real_weight_is_used_not_100() -> None:
    # T = 3, W = 400: host 2 (weight 300): 3*300/400 - 2 = 0.25; host 3 (weight 100): 0.75 - 1 = -0.25.
    # Taking every host's weight as 100 (Cal.com's slip) would give host 2: 0.75 - 2 = -1.25: host 3.
    et = event_type(host(2, 0, weight=300), host(3, 1, weight=100), weights=True)
    assert pick(et, counts={2: 2, 3: 1}) == 2
    assert pick(et, counts={2: 3, 3: 0}) == 3  # now host 2 is over its share


def test_weights_are_ignored_when_disabled() -> None:
    et = event_type(host(2, 0, weight=1), host(3, 1, weight=1000), weights=False)
    assert pick(et, counts={2: 50, 3: 0}) == 2  # host order (both never booked)


def test_all_weights_zero_falls_back_to_fewest_bookings() -> None:
    et = event_type(host(2, 0, weight=0), host(3, 1, weight=0), weights=True)
    assert pick(et, counts={2: 3, 3: 1}) == 3


# --- priority and recency -----------------------------------------------------------------------


def test_highest_priority_wins() -> None:
    et = event_type(host(2, 0, priority=1), host(3, 1, priority=4), host(4, 2, priority=3))
    assert pick(et) == 3


def test_weights_come_before_priority() -> None:
    et = event_type(host(2, 0, priority=4), host(3, 1, priority=0), weights=True)
    assert pick(et, counts={2: 5, 3: 0}) == 3


def test_priority_comes_before_recency() -> None:
    et = event_type(host(2, 0, priority=2), host(3, 1, priority=3))
    last = {2: None, 3: at("2050-01-06T00:00:00Z")}
    assert pick(et, last=last) == 3


def test_least_recently_booked_wins() -> None:
    et = event_type(host(2, 0), host(3, 1), host(4, 2))
    last = {2: at("2050-01-05T00:00:00Z"), 3: at("2050-01-01T00:00:00Z"), 4: at("2050-01-06T00:00:00Z")}
    assert pick(et, last=last) == 3


def test_never_booked_counts_as_the_oldest() -> None:
    et = event_type(host(2, 0), host(3, 1))
    assert pick(et, last={2: at("1999-01-01T00:00:00Z"), 3: None}) == 3


def test_remaining_ties_keep_the_event_types_host_order() -> None:
    et = event_type(host(7, 0), host(3, 1), host(5, 2))
    same = at("2050-01-01T00:00:00Z")
    assert pick(et, last={7: same, 3: same, 5: same}) == 7
    assert pick(et) == 7  # none ever booked


def test_host_order_comes_from_position_not_from_the_order_passed_in() -> None:
    et = event_type(host(7, 0), host(3, 1))
    reversed_pool = list(reversed(et.round_robin_hosts))
    assert selection.lucky_host(reversed_pool, et, {}, {}).user_id == 7
