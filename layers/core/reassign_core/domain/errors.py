"""Domain errors. Each carries the user-facing message; `api.outcomes.outcome_of` turns them into HTTP."""

from __future__ import annotations


class ReassignError(Exception):
    """Base of every error the service reports to its caller on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ReassignError):
    pass


class UnsupportedApiVersion(InvalidRequest):
    def __init__(self) -> None:
        super().__init__("cal-api-version header must be 2024-08-13")


class NotAuthenticated(ReassignError):
    def __init__(self) -> None:
        super().__init__("Unauthorized")


class BookingNotFound(ReassignError):
    def __init__(self, uid: str) -> None:
        super().__init__(f"Booking with uid={uid} was not found in the database")


class UserNotFound(ReassignError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"User with id={user_id} was not found in the database")


class PermissionDenied(ReassignError):
    def __init__(self) -> None:
        super().__init__("You do not have permission to reassign this booking")


class NotRoundRobin(ReassignError):
    def __init__(self, uid: str) -> None:
        super().__init__(f"Booking with uid={uid} is not a round robin booking")


class BookingNotReassignable(ReassignError):
    def __init__(self, uid: str, status: str) -> None:
        super().__init__(f"Booking with uid={uid} is {status.lower()} and cannot be reassigned")


class BookingEnded(ReassignError):
    def __init__(self, uid: str) -> None:
        super().__init__(f"Booking with uid={uid} has already ended and cannot be reassigned")


class NoHostAvailable(ReassignError):
    def __init__(self) -> None:
        super().__init__("Can't reassign the booking because no other host is available at that time.")


class NotRoundRobinHost(ReassignError):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            f"User with id={user_id} is not a valid Round Robin host - the user to which you reassign "
            "this booking must be one of the booking hosts."
        )


class ConcurrentModification(ReassignError):
    def __init__(self) -> None:
        super().__init__("The booking changed while it was being reassigned and retries ran out; try again.")


class StoreUnavailable(ReassignError):
    """DynamoDB throttled or failed after botocore's own retries: safe to retry later."""

    def __init__(self) -> None:
        super().__init__("The booking store is busy; retry shortly.")


class StoreItemTooLarge(ReassignError):
    """DynamoDB refused a write: an item it changes would pass the 400 KB item limit. Nothing was
    written; retrying does not help, so it is no StoreUnavailable."""

    def __init__(self) -> None:
        super().__init__(
            "The change could not be saved: a record it touches has reached the store's size limit."
        )


class CommitOutcomeUnknown(StoreUnavailable):
    """The store failed while the transaction was sent (a timeout, a dropped connection, an error
    after botocore's resend): it may or may not have applied. Internal: the service finds out."""


class WriteConflict(Exception):
    """The transaction's conditions failed: something the decision read has changed. Internal."""


class IdempotencyInFlight(ReassignError):
    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still in progress; retry shortly.")


class IdempotencyKeyReused(ReassignError):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used with a different request.")


class RateLimited(ReassignError):
    """The credential made more requests than its limit in the current window."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many requests: the rate limit of these credentials is reached; retry later.")
        self.retry_after_seconds = retry_after_seconds
