"""Who may reassign a booking (docs/selection.md). Pure: the caller's roles were read with the booking."""

from __future__ import annotations

from reassign_core.domain.models import Booking, Caller, EventType

TEAM_MANAGER_ROLES = frozenset({"ADMIN", "OWNER"})


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
