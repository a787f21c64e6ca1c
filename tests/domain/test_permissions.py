"""Who may reassign a booking (docs/selection.md), on the pure permission rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reassign_core.domain.models import (
    Booking,
    BookingStatus,
    Caller,
    EventType,
    Host,
    ResetInterval,
    SchedulingType,
    TimestampBasis,
    UserProfile,
)
from reassign_core.domain.permissions import may_read_event_type, may_reassign, reassigners

TEAM, ORG = 5, 50
MOMENT = datetime(2050, 1, 7, 13, tzinfo=UTC)


def _host(user_id: int, fixed: bool) -> Host:
    user = UserProfile(user_id, "h", f"h{user_id}@x.test", "UTC", None)
    return Host(user, is_fixed=fixed, priority=2, weight=100, schedule_id=None, position=user_id)


EVENT_TYPE = EventType(
    id=100, title="Call", team_id=TEAM, organization_id=ORG, owner_id=8,
    scheduling_type=SchedulingType.ROUND_ROBIN, schedule_id=None, event_name=None,
    before_buffer_minutes=0, after_buffer_minutes=0, weights_enabled=False,
    reset_interval=ResetInterval.MONTH, timestamp_basis=TimestampBasis.CREATED_AT,
    hosts=(_host(2, fixed=True), _host(3, fixed=False)),
)  # fmt: skip
BOOKING = Booking(
    uid="b-1", event_type_id=100, organizer_id=3, title="t", start=MOMENT, end=MOMENT,
    status=BookingStatus.ACCEPTED, created_at=MOMENT, attendees=(), responses_name=None, version=1,
)  # fmt: skip


def caller(user_id: int, roles: dict[int, str] | None = None, admin: bool = False) -> Caller:
    return Caller(user_id=user_id, is_system_admin=admin, team_roles=roles or {})


def test_organizer_may_reassign() -> None:
    assert may_reassign(caller(3), BOOKING, EVENT_TYPE)


@pytest.mark.parametrize("host_id", [2, 3], ids=["fixed host", "round-robin host"])
def test_any_host_of_the_event_type_may_reassign(host_id: int) -> None:
    other_organizer = replace(BOOKING, organizer_id=99)
    assert may_reassign(caller(host_id), other_organizer, EVENT_TYPE)


def test_event_type_owner_may_reassign() -> None:
    assert may_reassign(caller(8), BOOKING, EVENT_TYPE)


@pytest.mark.parametrize("role", ["ADMIN", "OWNER"])
def test_team_admin_or_owner_may_reassign(role: str) -> None:
    assert may_reassign(caller(20, {TEAM: role}), BOOKING, EVENT_TYPE)


@pytest.mark.parametrize("role", ["ADMIN", "OWNER"])
def test_admin_or_owner_of_the_parent_organization_may_reassign(role: str) -> None:
    assert may_reassign(caller(20, {ORG: role}), BOOKING, EVENT_TYPE)


def test_plain_team_member_may_not_reassign() -> None:
    assert not may_reassign(caller(20, {TEAM: "MEMBER", ORG: "MEMBER"}), BOOKING, EVENT_TYPE)


def test_admin_of_another_team_may_not_reassign() -> None:
    assert not may_reassign(caller(20, {777: "OWNER"}), BOOKING, EVENT_TYPE)


def test_system_administrator_may_reassign_anything() -> None:
    assert may_reassign(caller(20, admin=True), BOOKING, EVENT_TYPE)
    assert may_reassign(caller(20, admin=True), BOOKING, None)


def test_outsider_may_not_reassign() -> None:
    assert not may_reassign(caller(20), BOOKING, EVENT_TYPE)


def test_without_an_event_type_only_the_organizer_or_an_administrator_may() -> None:
    assert may_reassign(caller(3), BOOKING, None)
    assert not may_reassign(caller(8), BOOKING, None)
    assert not may_reassign(caller(20, {TEAM: "OWNER"}), BOOKING, None)


# --- the index that lets a refusal skip the event type -------------------------------------------

TEAM_ROLES = {
    TEAM: {20: "ADMIN", 21: "MEMBER", 22: "OWNER"},
    ORG: {30: "OWNER", 31: "MEMBER"},
    77: {40: "ADMIN"},
}


def test_reassigners_are_owner_hosts_and_team_and_organization_managers() -> None:
    assert reassigners(EVENT_TYPE, TEAM_ROLES) == {8, 2, 3, 20, 22, 30}


@pytest.mark.parametrize("user_id", [2, 3, 8, 20, 21, 22, 30, 31, 40, 99])
def test_whoever_may_reassign_is_in_the_index(user_id: int) -> None:
    roles = {team: members[user_id] for team, members in TEAM_ROLES.items() if user_id in members}
    indexed = caller(user_id, roles)
    indexed = replace(
        indexed,
        reassignable_event_types=frozenset({100} if user_id in reassigners(EVENT_TYPE, TEAM_ROLES) else ()),
    )
    other_organizer = replace(BOOKING, organizer_id=99 if user_id != 99 else 98)

    allowed = may_reassign(indexed, other_organizer, EVENT_TYPE)

    assert may_read_event_type(indexed, other_organizer) == allowed  # refused early exactly when refused


def test_the_first_read_alone_lets_admins_and_the_organizer_through() -> None:
    assert may_read_event_type(caller(7, admin=True), BOOKING)
    assert may_read_event_type(caller(3), BOOKING)
    assert not may_read_event_type(caller(20, {TEAM: "ADMIN"}), BOOKING)  # not indexed: refused
    assert not may_read_event_type(None, BOOKING)
