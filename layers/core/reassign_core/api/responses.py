"""The one place that turns outcomes into the documented bodies and HTTP statuses (docs/api.md, Errors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from reassign_core.domain import errors

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from reassign_core.domain.timeutil import iso, utc_now
from reassign_core.services.reassign import ReassignResult


@dataclass(frozen=True, slots=True)
class ErrorOutcome:
    status: int
    code: str
    message: str
    retry_after_seconds: int | None = None


# Most specific first: the first class an error is an instance of decides.
_MAPPING: tuple[tuple[type[errors.ReassignError], int, str], ...] = (
    (errors.InvalidRequest, 400, "BadRequestException"),
    (errors.NotRoundRobin, 400, "BadRequestException"),
    (errors.BookingNotReassignable, 400, "BadRequestException"),
    (errors.NoHostAvailable, 400, "BadRequestException"),
    (errors.NotRoundRobinHost, 400, "BadRequestException"),
    (errors.NotAuthenticated, 401, "UnauthorizedException"),
    (errors.PermissionDenied, 403, "ForbiddenException"),
    (errors.BookingNotFound, 404, "NotFoundException"),
    (errors.UserNotFound, 404, "NotFoundException"),
    (errors.ConcurrentModification, 409, "ConflictException"),
    (errors.IdempotencyInFlight, 409, "ConflictException"),
    (errors.IdempotencyKeyReused, 422, "UnprocessableEntityException"),
    (errors.StoreUnavailable, 503, "ServiceUnavailableException"),
)
# Statuses a client may retry after a short wait.
_RETRY_AFTER = {409: 1, 503: 1}
INTERNAL_ERROR = ErrorOutcome(500, "InternalServerErrorException", "Internal server error")


def outcome_of(error: Exception) -> ErrorOutcome:
    for kind, status, code in _MAPPING:
        if isinstance(error, kind):
            return ErrorOutcome(status, code, error.message, _RETRY_AFTER.get(status))
    return INTERNAL_ERROR


def error_body(
    outcome: ErrorOutcome, path: str, details: dict[str, Any] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    return {
        "status": "error",
        "timestamp": iso(now or utc_now()),
        "path": path,
        "error": {"code": outcome.code, "message": outcome.message, "details": details or {}},
    }


# A managed user's email carries `+<25 letters/digits>` before the `@`; people see it without.
_MANAGED_SUFFIX = re.compile(r"\+[A-Za-z0-9]{25}(?=@)")


def display_email(email: str) -> str:
    return _MANAGED_SUFFIX.sub("", email, count=1)


def success_body(result: ReassignResult) -> dict[str, Any]:
    user = result.reassigned_to
    return {
        "status": "success",
        "data": {
            "bookingUid": result.booking_uid,
            "reassignedTo": {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "displayEmail": display_email(user.email),
            },
        },
    }


def reassign_path(booking_uid: str, target_id: int | None) -> str:
    """The public path of a request, for envelopes of direct invocations."""
    suffix = f"/{target_id}" if target_id is not None else ""
    return f"/v2/bookings/{booking_uid}/reassign{suffix}"


# --- the same shapes as models, for the OpenAPI document -----------------------------------------


class ReassignedHost(BaseModel):
    id: int
    name: str
    email: str
    displayEmail: str = Field(description="email without a managed-user suffix")


class ReassignedBooking(BaseModel):
    bookingUid: str
    reassignedTo: ReassignedHost


class SuccessEnvelope(BaseModel):
    status: str = Field(default="success", pattern="^success$")
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


def _documented(status: int, description: str) -> dict[int, OpenAPIResponse]:
    return {status: {"description": description, "content": {"application/json": {"model": ErrorEnvelope}}}}


# Every status the API answers (API Gateway's own included), for the OpenAPI document.
DOCUMENTED_RESPONSES: dict[int, OpenAPIResponse] = {
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
    **_documented(429, "Throttled"),
    **_documented(500, "Unexpected error"),
    **_documented(503, "The store is busy; retry after Retry-After seconds"),
}
