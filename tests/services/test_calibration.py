"""Calibration (docs/selection.md): Cal.com's two calibration cases, through the loader, the store and
the service, the auto reassignment and the candidates alike.

Both cases are Cal.com's (getLuckyUser's tests): two round-robin hosts, weights on, a monthly
interval counted by creation, "now" 2021-06-20T11:59:59Z. Host 2 stands for Cal.com's user 1, host 3
for its user 2. The booking reassigned is organized by someone who is not a host (user 6), so the
two hosts are the only candidates and the only round-robin hosts, as there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reassign_core import runtime
from reassign_core.services.preview import PreviewService
from tests.factories import base_dataset, booking
from tests.property.store_state import service_clock

OWNER = 1
OUTSIDER = 6  # not a host: organizes the booking reassigned
NOW = datetime(2021, 6, 20, 11, 59, 59, tzinfo=UTC)
MIDDLE_OF_MONTH = datetime(2021, 6, 14, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def weighted_dataset() -> dict[str, Any]:
    data = base_dataset(round_robin=(2, 3))
    data["eventTypes"][0].update(
        {"isRRWeightsEnabled": True, "rrResetInterval": "MONTH", "rrTimestampBasis": "CREATED_AT"}
    )
    data["bookings"] = [
        booking("b-1", OUTSIDER, start="2021-06-25T13:00:00Z", end="2021-06-25T14:00:00Z", createdAt=iso(NOW))
    ]
    return data


def made(data: dict[str, Any], uid: str, host: int, created: datetime) -> None:
    """An ACCEPTED booking of the event type organized by `host`, created at `created` (its time,
    early in June, keeps it out of the way of b-1)."""
    data["bookings"].append(
        booking(uid, host, start="2021-06-02T09:00:00Z", end="2021-06-02T09:30:00Z", createdAt=iso(created))
    )


def host_2_joined_mid_month() -> dict[str, Any]:
    """Host 2 added on the 14th at noon; host 3 long before (Cal.com's epoch)."""
    data = weighted_dataset()
    hosts = {h["userId"]: h for h in data["eventTypes"][0]["hosts"]}
    hosts[2]["createdAt"] = iso(MIDDLE_OF_MONTH)
    hosts[3]["createdAt"] = "1970-01-01T00:00:00Z"
    return data


def choice(store: Any, invoke: Any, data: dict[str, Any]) -> tuple[int, dict[int, tuple[int, float]]]:
    """Whom the auto reassignment picks at NOW, after the candidates (rank 1 first) were asked for;
    the candidates' (bookingsInInterval, calibration) by host."""
    store.load(data)
    invoke({"bookingUid": "warm-up", "actorUserId": OWNER})  # makes the cached repository
    preview = PreviewService(runtime.reassign_repository(), clock=lambda: NOW)
    candidates = preview.candidates("b-1", OWNER).candidates
    with service_clock(NOW):
        result = invoke({"bookingUid": "b-1", "actorUserId": OWNER})
    assert result["statusCode"] == 200, result
    picked = result["data"]["reassignedTo"]["id"]
    assert candidates[0].host.user_id == picked  # rank 1 is the pick, calibration included
    figures = {c.host.user_id: (c.bookings_in_interval, float(c.calibration)) for c in candidates}
    return picked, figures  # type: ignore[return-value]


def test_a_host_out_of_office_is_credited_with_the_bookings_the_others_took_meanwhile(
    store: Any, invoke: Any
) -> None:
    # Cal.com: "applies calibration when user had OOO entries this month". Host 2 was away from
    # now-10d to now-5d; host 3 took two bookings then, host 2 one since. Counts 1 and 2, but host 2's
    # calibration is 2 / (R - 1) = 2: T + C = 5, shares 2.5 → host 2: 2.5 - 3, host 3: 2.5 - 2.
    # Without the calibration host 2 (1 booking against 2) would be picked.
    data = weighted_dataset()
    data["outOfOffice"] = [
        {"userId": 2, "start": iso(NOW - timedelta(days=10)), "end": iso(NOW - timedelta(days=5))}
    ]
    made(data, "h2-1", 2, NOW - timedelta(days=2))
    made(data, "h3-1", 3, NOW - timedelta(days=6))
    made(data, "h3-2", 3, NOW - timedelta(days=7))

    picked, figures = choice(store, invoke, data)

    assert picked == 3
    assert figures == {2: (1, 2.0), 3: (2, 0.0)}


def test_a_host_added_during_the_interval_is_credited_with_its_peers_earlier_bookings(
    store: Any, invoke: Any
) -> None:
    # Cal.com: "applies calibration to newly added hosts so they are not penalized unfairly compared
    # to their peers". Host 2 was added mid-month; host 3, long before, took two bookings before
    # that: host 2's calibration is 2 (bookings) / 1 (hosts added before it). Cal.com's case then
    # ties the shortfalls and lets its last-booked data pick host 3; here host 2's one booking since
    # it joined stands for that data, so the calibration alone decides: T + C = 5, shares 2.5 →
    # host 2: 2.5 - (1 + 2), host 3: 2.5 - 2 → host 3. Without it host 2 (1 against 2) would be picked.
    data = host_2_joined_mid_month()
    made(data, "h2-1", 2, MIDDLE_OF_MONTH + timedelta(days=1))
    made(data, "h3-1", 3, MIDDLE_OF_MONTH - timedelta(days=2))
    made(data, "h3-2", 3, MIDDLE_OF_MONTH - timedelta(days=5))

    picked, figures = choice(store, invoke, data)

    assert picked == 3
    assert figures == {2: (1, 2.0), 3: (2, 0.0)}


def test_a_new_host_gets_no_credit_for_bookings_made_after_it_joined(store: Any, invoke: Any) -> None:
    # The same case's second half: host 3's bookings come after host 2 joined, calibration 0, and
    # host 2 (1 booking against 2) is furthest below its share.
    data = host_2_joined_mid_month()
    made(data, "h2-1", 2, MIDDLE_OF_MONTH + timedelta(days=1))
    made(data, "h3-1", 3, MIDDLE_OF_MONTH + timedelta(days=2))
    made(data, "h3-2", 3, MIDDLE_OF_MONTH + timedelta(days=5))

    picked, figures = choice(store, invoke, data)

    assert picked == 2
    assert figures == {2: (1, 0.0), 3: (2, 0.0)}
