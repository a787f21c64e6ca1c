"""The webhooks API's answers: its errors' HTTP statuses, and its shapes for the OpenAPI document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from reassign_core.api.envelopes import RATE_LIMITED, ErrorEnvelope, Success, with_rate_limit_headers

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse


# --- shapes, for the OpenAPI document ------------------------------------------------------------


class WebhookData(BaseModel):
    id: str
    userId: int | None = Field(default=None, description="user webhooks")
    eventTypeId: int | None = Field(default=None, description="event-type webhooks")
    subscriberUrl: str
    active: bool
    triggers: list[str]
    payloadTemplate: str | None
    hasSecret: bool
    secret: str | None = Field(default=None, description="only in the answer to the create call")
    createdAt: str


class WebhookEnvelope(Success):
    data: WebhookData


class WebhookListEnvelope(Success):
    data: list[WebhookData]


class DeliveryData(BaseModel):
    id: str
    webhookId: str
    eventId: str = Field(description="the webhook-id header of the delivery's requests")
    triggerEvent: str
    bookingUid: str | None
    status: str = Field(pattern="^(pending|delivered|failed)$")
    attempts: int
    lastStatusCode: int | None
    lastError: str | None
    lastAttemptAt: str | None
    nextAttemptAt: str | None


class DeliveryListEnvelope(Success):
    data: list[DeliveryData]


class PingData(BaseModel):
    statusCode: int | None = Field(description="the receiver's status, null when no answer came")
    durationMs: int
    error: str | None


class PingEnvelope(Success):
    data: PingData


def _error(status: int, description: str) -> dict[int, OpenAPIResponse]:
    return {status: {"description": description, "content": {"application/json": {"model": ErrorEnvelope}}}}


def documented(
    status: int, model: type[BaseModel], description: str, *, body: bool = False, event_type: bool = False
) -> dict[int, OpenAPIResponse]:
    """Every status a webhooks route answers (API Gateway's own included)."""
    responses: dict[int, OpenAPIResponse] = {
        status: {"description": description, "content": {"application/json": {"model": model}}},
        **_error(
            400,
            "Malformed input, a refused subscriber URL, or too many webhooks" if body else "Malformed input",
        ),
        **_error(401, "Missing, malformed, unknown, expired or revoked credentials"),
        **_error(
            403,
            "The OAuth client lacks WEBHOOK_READ/WEBHOOK_WRITE"
            + (", or the caller may not manage the event type" if event_type else ""),
        ),
        **_error(404, "No such webhook (or event type) for this caller"),
        **_error(429, RATE_LIMITED),
        **_error(500, "Unexpected error"),
        **_error(503, "The store is busy; retry after Retry-After seconds"),
    }
    return with_rate_limit_headers(responses)
