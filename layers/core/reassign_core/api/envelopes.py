"""The success envelope and the error envelope: each defined once, as a model, and every body built
from it (the OpenAPI document shows the same models)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from reassign_core.api.outcomes import ErrorOutcome
from reassign_core.domain.rate_limit import LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER
from reassign_core.domain.timeutil import iso, utc_now
from reassign_core.services.reassign import ReassignResult

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse


class ReassignedHost(BaseModel):
    id: int
    name: str
    email: str
    displayEmail: str = Field(description="email without a managed-user suffix")


class ReassignedBooking(BaseModel):
    bookingUid: str
    reassignedTo: ReassignedHost


class Success(BaseModel):
    """The success envelope, `{"status": "success", "data": …}`: each route's envelope is a subclass
    that types `data` (and may add `pagination`)."""

    status: str = Field(default="success", pattern="^success$")


def success(data: Any) -> dict[str, Any]:
    """A success body for data already shaped (the envelope's plain-dict form)."""
    return {**Success().model_dump(), "data": data}


class SuccessEnvelope(Success):
    data: ReassignedBooking


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorEnvelope(BaseModel):
    status: str = Field(default="error", pattern="^error$")
    timestamp: str
    path: str
    error: ErrorDetail


# A managed user's email carries `+<25 letters/digits>` before the `@`; people see it without.
_MANAGED_SUFFIX = re.compile(r"\+[A-Za-z0-9]{25}(?=@)")


def display_email(email: str) -> str:
    return _MANAGED_SUFFIX.sub("", email, count=1)


def success_body(result: ReassignResult) -> dict[str, Any]:
    user = result.reassigned_to
    host = ReassignedHost(
        id=user.id, name=user.name, email=user.email, displayEmail=display_email(user.email)
    )
    booking = ReassignedBooking(bookingUid=result.booking_uid, reassignedTo=host)
    return SuccessEnvelope(data=booking).model_dump()


def error_body(
    outcome: ErrorOutcome, path: str, details: dict[str, Any] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    error = ErrorDetail(code=outcome.code, message=outcome.message, details=details or {})
    return ErrorEnvelope(timestamp=iso(now or utc_now()), path=path, error=error).model_dump()


# --- the envelopes in the OpenAPI document --------------------------------------------------------


_INTEGER = {"type": "integer"}
# On every answer to a caller with credentials (not on API Gateway's own 401, 403 and 429).
RATE_LIMIT_HEADERS: dict[str, Any] = {
    LIMIT_HEADER: {"description": "Requests these credentials may make per 60 seconds", "schema": _INTEGER},
    REMAINING_HEADER: {"description": "Requests left in the current 60-second window", "schema": _INTEGER},
    RESET_HEADER: {"description": "When the window ends (Unix seconds)", "schema": _INTEGER},
}
# Every 409, 429 and 503 says when to try again (docs/api.md); the OpenAPI document uses this one.
RETRY_AFTER_HEADER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds until a retry may succeed",
        "schema": {"type": "integer", "minimum": 1},
    }
}
RETRIED_STATUSES = (409, 429, 503)
# Statuses that may be API Gateway's own answer (the authorizer's refusals), sent before anything is
# counted and so without the rate limit's headers: the document does not promise them there.
_UNCOUNTED_STATUSES = (401, 403)
RATE_LIMITED = (
    "Too many requests: these credentials' rate limit (X-RateLimit-*-Default, Retry-After), or the "
    "stage's throttle"
)


def with_rate_limit_headers(responses: dict[int, OpenAPIResponse]) -> dict[int, OpenAPIResponse]:
    """The responses with the rate limit's headers on each but the 401 and 403 (which may be API
    Gateway's own refusals, without them), and Retry-After on each 409, 429 and 503."""
    documented: dict[int, OpenAPIResponse] = {}
    for status, response in responses.items():
        headers = {
            **({} if status in _UNCOUNTED_STATUSES else RATE_LIMIT_HEADERS),
            **(RETRY_AFTER_HEADER if status in RETRIED_STATUSES else {}),
        }
        documented[status] = (
            {**response, "headers": {**response.get("headers", {}), **headers}} if headers else response
        )
    return documented


def _documented(status: int, description: str) -> dict[int, OpenAPIResponse]:
    return {status: {"description": description, "content": {"application/json": {"model": ErrorEnvelope}}}}


# Every status the reassign routes answer (API Gateway's own included).
DOCUMENTED_RESPONSES: dict[int, OpenAPIResponse] = with_rate_limit_headers(
    {
        200: {
            "description": "Reassigned (or already held by the requested host)",
            "content": {"application/json": {"model": SuccessEnvelope}},
        },
        **_documented(400, "Bad api version, malformed input, not round robin, cancelled, no host available"),
        **_documented(401, "Missing, malformed, unknown, expired or revoked credentials"),
        **_documented(403, "The caller may not reassign this booking"),
        **_documented(404, "Unknown booking or user"),
        **_documented(409, "Concurrent change and retries ran out, or Idempotency-Key in flight"),
        **_documented(422, "Idempotency-Key reused with a different request"),
        **_documented(429, RATE_LIMITED),
        **_documented(500, "Unexpected error"),
        **_documented(503, "The store is busy; retry after Retry-After seconds"),
    }
)
