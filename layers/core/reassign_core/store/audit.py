"""A booking's audit records as read back: one per reassignment, written with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: str
    type: str  # "auto" or "manual"
    from_user_id: int | None
    to_user_id: int
    reassigned_by_id: int
    reason: str | None
    at: str  # ISO 8601, UTC, as stored


def audit_record_from_item(item: Mapping[str, Any]) -> AuditRecord:
    from_user = item.get("fromUserId")
    return AuditRecord(
        id=str(item["eventId"]),
        type=str(item["reassignType"]),
        from_user_id=int(from_user) if from_user is not None else None,
        to_user_id=int(item["toUserId"]),
        reassigned_by_id=int(item["reassignedById"]),
        reason=item.get("reason"),
        at=str(item["at"]),
    )
