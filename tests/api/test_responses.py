"""The one mapping from errors to HTTP statuses and codes, and the envelopes built from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reassign_core.api.envelopes import display_email, error_body
from reassign_core.api.outcomes import INTERNAL_ERROR, outcome_of
from reassign_core.domain import errors


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("bob+clxyz0123456789abcdefghij@x.com", "bob@x.com"),
        ("bob+CLXYZ0123456789ABCDEFGHIJ@x.com", "bob@x.com"),
        ("bob+short@x.com", "bob+short@x.com"),  # not 25 characters: a real plus address
        ("bob+clxyz0123456789abcdefghijk@x.com", "bob+clxyz0123456789abcdefghijk@x.com"),  # 26
        ("bob+clxyz012345678-abcdefghij@x.com", "bob+clxyz012345678-abcdefghij@x.com"),  # not alphanumeric
        ("bob@x.com", "bob@x.com"),
    ],
)
def test_display_email_removes_only_a_managed_user_suffix(email: str, shown: str) -> None:
    assert display_email(email) == shown


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.UnsupportedApiVersion(), 400, "BadRequestException"),
        (errors.NotRoundRobin("b"), 400, "BadRequestException"),
        (errors.BookingNotReassignable("b", "CANCELLED"), 400, "BadRequestException"),
        (errors.NoHostAvailable(), 400, "BadRequestException"),
        (errors.NotRoundRobinHost(3), 400, "BadRequestException"),
        (errors.NotAuthenticated(), 401, "UnauthorizedException"),
        (errors.PermissionDenied(), 403, "ForbiddenException"),
        (errors.BookingNotFound("b"), 404, "NotFoundException"),
        (errors.UserNotFound(3), 404, "NotFoundException"),
        (errors.ConcurrentModification(), 409, "ConflictException"),
        (errors.IdempotencyInFlight(), 409, "ConflictException"),
        (errors.IdempotencyKeyReused(), 422, "UnprocessableEntityException"),
        (errors.StoreUnavailable(), 503, "ServiceUnavailableException"),
    ],
)
def test_every_domain_error_has_its_status_and_code(
    error: errors.ReassignError, status: int, code: str
) -> None:
    outcome = outcome_of(error)

    assert (outcome.status, outcome.code, outcome.message) == (status, code, error.message)


def test_retryable_outcomes_say_when_to_retry() -> None:
    assert outcome_of(errors.ConcurrentModification()).retry_after_seconds == 1
    assert outcome_of(errors.StoreUnavailable()).retry_after_seconds == 1
    assert outcome_of(errors.BookingNotFound("b")).retry_after_seconds is None


def test_anything_else_is_a_bare_internal_error() -> None:
    assert outcome_of(ValueError("table DataTable exploded")) is INTERNAL_ERROR
    assert INTERNAL_ERROR.message == "Internal server error"


def test_error_body_has_the_envelope_shape() -> None:
    body = error_body(
        outcome_of(errors.BookingNotFound("abc")),
        "/v2/bookings/abc/reassign",
        now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )

    assert body == {
        "status": "error",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "path": "/v2/bookings/abc/reassign",
        "error": {
            "code": "NotFoundException",
            "message": "Booking with uid=abc was not found in the database",
            "details": {},
        },
    }
