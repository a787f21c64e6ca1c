"""Errors of the webhooks API. Each carries its user-facing message, like the domain's errors."""

from __future__ import annotations

from reassign_core.domain.errors import InvalidRequest, ReassignError


class WebhookNotFound(ReassignError):
    """Also what a caller sees for someone else's webhook, so ids do not leak."""

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"Webhook with id={webhook_id} was not found")


class EventTypeNotFound(ReassignError):
    def __init__(self, event_type_id: int) -> None:
        super().__init__(f"Event type with id={event_type_id} was not found in the database")


class EventTypeAccessDenied(ReassignError):
    def __init__(self) -> None:
        super().__init__("You do not have permission to manage this event type's webhooks")


class MissingScope(ReassignError):
    """A managed-user token whose OAuth client lacks the permission the route needs."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"The OAuth client of this access token lacks the {permission} permission")


class TooManyWebhooks(InvalidRequest):
    def __init__(self, limit: int) -> None:
        super().__init__(f"At most {limit} webhooks are allowed per user and per event type")


class InvalidSubscriberUrl(InvalidRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(f"subscriberUrl: {reason}")
