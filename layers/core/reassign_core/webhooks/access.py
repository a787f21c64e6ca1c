"""Who may manage which webhooks.

User webhooks belong to their user alone. An event type's webhooks may be managed by its owner,
an ADMIN or OWNER of its team or of that team's organization, and a system ADMIN. A managed-user
access token acts as its user only if its OAuth client has WEBHOOK_WRITE (for changes) or
WEBHOOK_READ or WEBHOOK_WRITE (for reads); an API key acts as its user for everything.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from reassign_core.domain.models import Caller
from reassign_core.domain.permissions import TEAM_MANAGER_ROLES

WEBHOOK_READ = "WEBHOOK_READ"
WEBHOOK_WRITE = "WEBHOOK_WRITE"


@dataclass(frozen=True, slots=True)
class EventTypeOwnership:
    id: int
    owner_id: int | None
    team_id: int | None
    organization_id: int | None


def may_manage_event_type(caller: Caller, event_type: EventTypeOwnership) -> bool:
    if caller.is_system_admin or caller.user_id == event_type.owner_id:
        return True
    return any(
        team_id is not None and caller.team_roles.get(team_id) in TEAM_MANAGER_ROLES
        for team_id in (event_type.team_id, event_type.organization_id)
    )


def missing_scope(client_permissions: Collection[str], write: bool) -> str | None:
    """The permission an OAuth client lacks for this kind of call, or None when it has enough."""
    if WEBHOOK_WRITE in client_permissions:
        return None
    if write:
        return WEBHOOK_WRITE
    return None if WEBHOOK_READ in client_permissions else WEBHOOK_READ
