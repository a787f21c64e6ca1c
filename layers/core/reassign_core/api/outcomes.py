"""Every error's HTTP status and code: the one mapping from what went wrong to what the caller sees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reassign_core.domain import errors
from reassign_core.webhooks import errors as webhook_errors


@dataclass(frozen=True, slots=True)
class ErrorOutcome:
    status: int
    code: str
    message: str
    retry_after_seconds: int | None = None


# Most specific first: the first class an error is an instance of decides.
_MAPPING: tuple[tuple[type[errors.ReassignError], int, str], ...] = (
    (webhook_errors.WebhookNotFound, 404, "NotFoundException"),
    (webhook_errors.EventTypeNotFound, 404, "NotFoundException"),
    (webhook_errors.EventTypeAccessDenied, 403, "ForbiddenException"),
    (webhook_errors.MissingScope, 403, "ForbiddenException"),
    (errors.InvalidRequest, 400, "BadRequestException"),
    (errors.NotRoundRobin, 400, "BadRequestException"),
    (errors.BookingNotReassignable, 400, "BadRequestException"),
    (errors.BookingEnded, 400, "BadRequestException"),
    (errors.NoHostAvailable, 400, "BadRequestException"),
    (errors.NotRoundRobinHost, 400, "BadRequestException"),
    (errors.NotAuthenticated, 401, "UnauthorizedException"),
    (errors.PermissionDenied, 403, "ForbiddenException"),
    (errors.BookingNotFound, 404, "NotFoundException"),
    (errors.UserNotFound, 404, "NotFoundException"),
    (errors.ConcurrentModification, 409, "ConflictException"),
    (errors.IdempotencyInFlight, 409, "ConflictException"),
    (errors.IdempotencyKeyReused, 422, "UnprocessableEntityException"),
    (errors.RateLimited, 429, "TooManyRequestsException"),
    (errors.StoreUnavailable, 503, "ServiceUnavailableException"),
    (errors.StoreItemTooLarge, 500, "InternalServerErrorException"),
)
# Statuses a client may retry after a short wait.
_RETRY_AFTER = {409: 1, 503: 1}
INTERNAL_ERROR = ErrorOutcome(500, "InternalServerErrorException", "Internal server error")


def outcome_of(error: Exception) -> ErrorOutcome:
    for kind, status, code in _MAPPING:
        if isinstance(error, kind):
            retry_after = (
                error.retry_after_seconds
                if isinstance(error, errors.RateLimited)
                else _RETRY_AFTER.get(status)
            )
            return ErrorOutcome(status, code, error.message, retry_after)
    return INTERNAL_ERROR


def not_found(message: str) -> ErrorOutcome:
    return ErrorOutcome(404, "NotFoundException", message)


def bad_request(problems: list[str]) -> ErrorOutcome:
    """Input that is not the expected shape: every problem said, in one message."""
    return ErrorOutcome(400, "BadRequestException", "; ".join(problems) or "Invalid request")


def describe_problems(problems: Iterable[Mapping[str, Any]]) -> list[str]:
    """pydantic's validation problems as `where: what` lines, without its internal locations."""
    described = []
    for problem in problems:
        location = ".".join(
            str(part) for part in problem.get("loc", ()) if part not in ("body", "path", "header", "query")
        )
        message = str(problem.get("msg", "is invalid")).removeprefix("Value error, ")
        described.append(f"{location or 'body'}: {message}")
    return described
