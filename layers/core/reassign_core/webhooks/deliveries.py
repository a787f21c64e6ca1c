"""One delivery = one event to one webhook: its queue message, its attempts, its log entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reassign_core.webhooks.subscriptions import Owner, OwnerKind

_DELIVERY_IDS = uuid.UUID("5d1c2a8e-8f0b-4c57-9a8e-3b6f2d7c9e41")  # namespace of delivery ids
BLOCKED_ADDRESS = "blocked address"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # failed so far, another attempt is scheduled
    DELIVERED = "delivered"
    FAILED = "failed"  # attempts exhausted, the webhook answered 410, or it is gone or inactive


def delivery_id(webhook_id: str, event_id: str) -> str:
    """The same for every copy of one (event, webhook) pair, so duplicates share one log entry."""
    return str(uuid.uuid5(_DELIVERY_IDS, f"{webhook_id}/{event_id}"))


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410: the receiver asks never to be called again."""
        return self.status_code == 410


@dataclass(frozen=True, slots=True)
class DeliveryMessage:
    """What the fan-out enqueues per (event, webhook): everything an attempt needs but the
    webhook itself, which is read fresh at each attempt (it may have changed or gone)."""

    event_id: str
    webhook_id: str
    owner: Owner
    trigger: str
    booking_uid: str | None
    created_at: str
    body: dict[str, Any]
    # Set on the copy put in the dead-letter queue: moved back from there, it is tried afresh.
    dead_lettered: bool = False

    @property
    def id(self) -> str:
        return delivery_id(self.webhook_id, self.event_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "webhookId": self.webhook_id,
            "owner": {"kind": self.owner.kind.value, "id": self.owner.id},
            "triggerEvent": self.trigger,
            "bookingUid": self.booking_uid,
            "createdAt": self.created_at,
            "body": self.body,
            **({"deadLettered": True} if self.dead_lettered else {}),
        }

    @classmethod
    def from_json(cls, data: Any) -> DeliveryMessage:
        """ValueError when the message is not one the fan-out writes."""
        try:
            owner = data["owner"]
            if not isinstance(data["body"], dict):
                raise TypeError("body")
            return cls(
                event_id=str(data["eventId"]),
                webhook_id=str(data["webhookId"]),
                owner=Owner(OwnerKind(owner["kind"]), int(owner["id"])),
                trigger=str(data["triggerEvent"]),
                booking_uid=data.get("bookingUid"),
                created_at=str(data["createdAt"]),
                body=data["body"],
                dead_lettered=data.get("deadLettered") is True,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a delivery message: {error}") from error


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A delivery log entry, as the deliveries route shows it."""

    id: str
    webhook_id: str
    event_id: str
    trigger: str
    booking_uid: str | None
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: str | None
    next_attempt_at: str | None
    created_at: str

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "eventId": self.event_id,
            "triggerEvent": self.trigger,
            "bookingUid": self.booking_uid,
            "status": self.status.value,
            "attempts": self.attempts,
            "lastStatusCode": self.last_status_code,
            "lastError": self.last_error,
            "lastAttemptAt": self.last_attempt_at,
            "nextAttemptAt": self.next_attempt_at,
        }
