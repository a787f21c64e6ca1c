"""Who may reassign a booking (docs/selection.md). Pure: the caller's roles were read with the booking."""

from __future__ import annotations

from collections.abc import Mapping

from reassign_core.domain.models import Booking, Caller, EventType

TEAM_MANAGER_ROLES = frozenset({"ADMIN", "OWNER"})


def may_read_event_type(caller: Caller | None, booking: Booking) -> bool:
    """What the first read (booking and caller, with the caller's REASSIGNS# index) can tell. False:
    may_reassign is False too, so the refusal reads no event type and no hosts. True only means the
    event type is worth reading: may_reassign, on the event type itself, still decides."""
    if caller is None:
        return False
    return (
        caller.is_system_admin
        or caller.user_id == booking.organizer_id
        or booking.event_type_id in caller.reassignable_event_types
    )


def reassigners(event_type: EventType, team_roles: Mapping[int, Mapping[int, str]]) -> set[int]:
    """Who may reassign the event type's bookings besides system admins and the organizer (the
    index may_read_event_type consults): `team_roles` is each team's members' roles."""
    found = {host.user_id for host in event_type.hosts}
    if event_type.owner_id is not None:
        found.add(event_type.owner_id)
    for team_id in (event_type.team_id, event_type.organization_id):
        if team_id is not None:
            members = team_roles.get(team_id, {})
            found |= {user for user, role in members.items() if role in TEAM_MANAGER_ROLES}
    return found


def may_reassign(caller: Caller, booking: Booking, event_type: EventType | None) -> bool:
    if caller.is_system_admin or caller.user_id == booking.organizer_id:
        return True
    if event_type is None:
        return False
    if caller.user_id == event_type.owner_id or event_type.host(caller.user_id) is not None:
        return True
    managed_teams = (event_type.team_id, event_type.organization_id)
    return any(
        team_id is not None and caller.team_roles.get(team_id) in TEAM_MANAGER_ROLES
        for team_id in managed_teams
    )
