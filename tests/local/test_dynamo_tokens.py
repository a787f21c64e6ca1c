"""The embedded store honours TransactWriteItems' ClientRequestToken as DynamoDB does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from local.dynamo import EmbeddedDynamoDB
from local.dynamo_tokens import TOKEN_LIFETIME_SECONDS


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(store: EmbeddedDynamoDB, clock: Clock) -> Iterator[EmbeddedDynamoDB]:
    """A server of its own, on the injectable clock (moto's tables are shared, and emptied by `store`)."""
    with EmbeddedDynamoDB(clock=clock) as own:
        own.client().create_table(
            TableName="Counters",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield own


def _add(client: Any, token: str, amount: int = 1, only_below: int | None = None) -> None:
    """One transaction: add `amount` to the counter (if it is below `only_below`) and log the token."""
    update: dict[str, Any] = {
        "TableName": "Counters",
        "Key": {"PK": {"S": "counter"}},
        "UpdateExpression": "ADD n :amount",
        "ExpressionAttributeValues": {":amount": {"N": str(amount)}},
    }
    if only_below is not None:
        update["ConditionExpression"] = "attribute_not_exists(n) OR n < :limit"
        update["ExpressionAttributeValues"][":limit"] = {"N": str(only_below)}
    client.transact_write_items(
        TransactItems=[{"Update": update}, {"Put": {"TableName": "Counters", "Item": {"PK": {"S": token}}}}],
        ClientRequestToken=token,
    )


def _counter(client: Any) -> int:
    item = client.get_item(TableName="Counters", Key={"PK": {"S": "counter"}}, ConsistentRead=True)
    return int(item["Item"]["n"]["N"]) if "Item" in item else 0


def test_the_same_token_and_request_again_succeeds_without_applying_twice(db: EmbeddedDynamoDB) -> None:
    client = db.client()

    _add(client, "token-1")
    _add(client, "token-1")  # a resend: answered as the first was

    assert _counter(client) == 1
    _add(client, "token-2")  # a new token is a new transaction
    assert _counter(client) == 2


def test_the_same_token_with_a_different_request_is_a_mismatch_that_applies_nothing(
    db: EmbeddedDynamoDB,
) -> None:
    client = db.client()
    _add(client, "token-1", amount=1)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _add(client, "token-1", amount=5)

    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _counter(client) == 1


def test_a_token_is_remembered_for_ten_minutes_then_forgotten(db: EmbeddedDynamoDB, clock: Clock) -> None:
    client = db.client()
    _add(client, "token-1")

    clock.now += TOKEN_LIFETIME_SECONDS - 1
    _add(client, "token-1")
    assert _counter(client) == 1
    assert len(db.tokens) == 1

    clock.now += 2  # ten minutes after the first success
    _add(client, "token-1")
    assert _counter(client) == 2  # a new transaction, as DynamoDB treats it
    _add(client, "token-2")
    assert len(db.tokens) == 2  # token-1's first record was dropped from memory, not kept forever


def test_a_cancelled_transaction_leaves_its_token_unused(db: EmbeddedDynamoDB) -> None:
    client = db.client()
    _add(client, "setup", amount=3)

    with pytest.raises(botocore.exceptions.ClientError) as cancelled:
        _add(client, "token-1", only_below=3)
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"

    # The same token and request again: run again (and cancelled again), not answered "success".
    with pytest.raises(botocore.exceptions.ClientError):
        _add(client, "token-1", only_below=3)
    assert _counter(client) == 3


def test_a_reset_forgets_every_token(db: EmbeddedDynamoDB) -> None:
    client = db.client()
    _add(client, "token-1")

    db.reset()

    assert len(db.tokens) == 0
    client.create_table(
        TableName="Counters",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    _add(client, "token-1")
    assert _counter(client) == 1  # applied to the new table, not answered from the old one


def test_requests_other_than_transactions_pass_through(db: EmbeddedDynamoDB) -> None:
    client = db.client()
    client.put_item(TableName="Counters", Item={"PK": {"S": "counter"}, "n": {"N": "7"}})
    client.put_item(TableName="Counters", Item={"PK": {"S": "counter"}, "n": {"N": "7"}})

    assert _counter(client) == 7
    assert len(db.tokens) == 0
