"""DynamoDB's errors as the service reports them: busy (retry later), a conflict, an item too large."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from reassign_core.domain.errors import StoreItemTooLarge, StoreUnavailable

logger = Logger(child=True)
# Error codes that mean "DynamoDB is busy or failing, try later" once botocore's retries are spent.
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)
CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
# Also after botocore's retries: a resend of a transaction still being applied under its token.
OUTCOME_UNKNOWN_CODES = RETRYABLE_CODES | {"TransactionInProgressException"}


def is_store_unavailable(error: BaseException | None) -> bool:
    """DynamoDB throttled, failed or timed out (after botocore's retries): the caller may retry later."""
    if isinstance(error, BotoCoreError):  # timeouts, connection failures
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in RETRYABLE_CODES


def is_item_too_large(error: ClientError) -> bool:
    """DynamoDB refused a write because an item would pass its 400 KB limit: a ValidationException
    of its own, or a transaction cancelled for that reason."""
    code = error.response.get("Error", {}).get("Code")
    messages = [error.response.get("Error", {}).get("Message", "")] if code == "ValidationException" else []
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons", [])
        messages = [r.get("Message", "") for r in reasons if r.get("Code") == "ValidationError"]
    return any("item size" in (message or "").lower() for message in messages)


def item_too_large() -> StoreItemTooLarge:
    """Logged here, once, without a trace: the item limit is an operator's problem, not a bug."""
    logger.error("DynamoDB refused a write: an item would pass the 400 KB item size limit")
    return StoreItemTooLarge()


@contextmanager
def translated_store_errors() -> Iterator[None]:
    """DynamoDB's throttling, failures and timeouts (after botocore's retries) become StoreUnavailable;
    an item over the size limit becomes StoreItemTooLarge."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        if is_store_unavailable(error):
            raise StoreUnavailable from error
        if isinstance(error, ClientError) and is_item_too_large(error):
            raise item_too_large() from error
        raise
