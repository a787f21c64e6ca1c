"""DynamoDB's refusals as the service reports them: an item over the size limit is its own error."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from reassign_core.domain.errors import StoreItemTooLarge
from reassign_core.store.failures import is_item_too_large, translated_store_errors

TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


def _error(code: str, message: str = "", reasons: list[dict[str, str]] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
    if reasons is not None:
        response["CancellationReasons"] = reasons
    return ClientError(response, "UpdateItem")  # type: ignore[arg-type]


def test_an_update_over_the_item_limit_becomes_store_item_too_large() -> None:
    with pytest.raises(StoreItemTooLarge), translated_store_errors():
        raise _error("ValidationException", TOO_LARGE)


def test_a_transaction_cancelled_for_an_item_over_the_limit_is_recognised() -> None:
    reasons = [{"Code": "None"}, {"Code": "ValidationError", "Message": TOO_LARGE}]
    assert is_item_too_large(_error("TransactionCanceledException", reasons=reasons))


def test_other_validation_errors_and_conflicts_pass_unchanged() -> None:
    assert not is_item_too_large(_error("ValidationException", "One or more parameter values were invalid"))
    assert not is_item_too_large(
        _error("TransactionCanceledException", reasons=[{"Code": "ConditionalCheckFailed"}])
    )
    with pytest.raises(ClientError), translated_store_errors():
        raise _error("ValidationException", "The provided key element does not match the schema")
