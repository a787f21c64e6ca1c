"""The embedded store's moto backend: same answers as moto, memory that does not grow per request."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import boto3
import botocore.exceptions
import pytest

from local.dynamo import EmbeddedDynamoDB

STREAMED = "Streamed"


def create_keyed_table(client: Any, name: str = STREAMED, *, streamed: bool = True) -> None:
    """A table keyed PK/SK, like the service's (with a stream of new and old images if `streamed`)."""
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        **(
            {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
            if streamed
            else {}
        ),
    )


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _scan(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=STREAMED)["Items"], key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def _stream_records(store: EmbeddedDynamoDB) -> list[dict[str, Any]]:
    client = boto3.client(
        "dynamodbstreams", endpoint_url=store.endpoint_url, region_name=store.client().meta.region_name
    )
    arn = store.client().describe_table(TableName=STREAMED)["Table"]["LatestStreamArn"]
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return client.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


@pytest.fixture
def client(store: EmbeddedDynamoDB) -> Any:
    own = store.client()
    create_keyed_table(own)
    own.put_item(TableName=STREAMED, Item={**_key("a", "1"), "v": {"N": "1"}})
    own.put_item(TableName=STREAMED, Item={**_key("a", "2"), "v": {"N": "2"}})
    own.put_item(TableName=STREAMED, Item={**_key("b", "1"), "v": {"N": "3"}})
    return own


def test_a_cancelled_transaction_leaves_items_and_stream_exactly_as_they_were(
    store: EmbeddedDynamoDB, client: Any
) -> None:
    items_before, records_before = _scan(client), _stream_records(store)

    with pytest.raises(botocore.exceptions.ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": STREAMED, "Item": {**_key("c", "1"), "v": {"N": "9"}}}},  # new
                {"Put": {"TableName": STREAMED, "Item": {**_key("a", "1"), "v": {"N": "9"}}}},  # replaced
                {
                    "Update": {  # changed in place
                        "TableName": STREAMED,
                        "Key": _key("a", "2"),
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "9"}},
                    }
                },
                {"Delete": {"TableName": STREAMED, "Key": _key("b", "1")}},
                {
                    "ConditionCheck": {  # fails last, after every write above was applied
                        "TableName": STREAMED,
                        "Key": _key("z", "1"),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )

    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert _scan(client) == items_before
    assert _stream_records(store) == records_before


def test_a_transaction_that_succeeds_applies_every_write(store: EmbeddedDynamoDB, client: Any) -> None:
    records_before = len(_stream_records(store))

    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": STREAMED, "Item": {**_key("c", "1"), "v": {"N": "9"}}}},
            {
                "Update": {
                    "TableName": STREAMED,
                    "Key": _key("a", "2"),
                    "UpdateExpression": "ADD v :one",
                    "ConditionExpression": "v = :two",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":two": {"N": "2"}},
                }
            },
            {"Delete": {"TableName": STREAMED, "Key": _key("b", "1")}},
        ]
    )

    assert [(i["PK"]["S"], i["SK"]["S"], i["v"]["N"]) for i in _scan(client)] == [
        ("a", "1", "1"),
        ("a", "2", "3"),
        ("c", "1", "9"),
    ]
    assert len(_stream_records(store)) == records_before + 3


def test_two_operations_on_one_item_are_refused_and_nothing_is_applied(client: Any) -> None:
    before = _scan(client)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": STREAMED, "Item": {**_key("c", "1")}}},
                {"Delete": {"TableName": STREAMED, "Key": _key("c", "1")}},
            ]
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _scan(client) == before


def test_a_query_reads_its_partition_in_key_order_with_conditions_limits_and_pages(client: Any) -> None:
    for n in range(3, 8):
        client.put_item(TableName=STREAMED, Item={**_key("a", str(n)), "v": {"N": str(n)}})

    def query(**extra: Any) -> Any:
        return client.query(
            TableName=STREAMED,
            KeyConditionExpression="PK = :pk" + extra.pop("range", ""),
            ExpressionAttributeValues={":pk": {"S": "a"}, **extra.pop("values", {})},
            **extra,
        )

    assert [i["SK"]["S"] for i in query()["Items"]] == ["1", "2", "3", "4", "5", "6", "7"]
    newest = query(ScanIndexForward=False, Limit=2)
    assert [i["SK"]["S"] for i in newest["Items"]] == ["7", "6"]
    rest = query(ScanIndexForward=False, ExclusiveStartKey=newest["LastEvaluatedKey"])
    assert [i["SK"]["S"] for i in rest["Items"]] == ["5", "4", "3", "2", "1"]
    between = query(range=" AND SK BETWEEN :lo AND :hi", values={":lo": {"S": "3"}, ":hi": {"S": "5"}})
    assert [i["SK"]["S"] for i in between["Items"]] == ["3", "4", "5"]
    unknown = client.query(
        TableName=STREAMED,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "nobody"}},
    )
    assert unknown["Items"] == []


def test_memory_stays_flat_over_hundreds_of_transactions_on_a_large_table(
    store: EmbeddedDynamoDB, client: Any
) -> None:
    """Plain moto keeps a copy of the table per operation of every transaction (tens of MB here)."""
    ballast = 1_000  # items the table holds besides the ones the transactions touch
    for start in range(0, ballast, 25):
        client.batch_write_item(
            RequestItems={
                STREAMED: [
                    {"PutRequest": {"Item": {**_key(f"ballast-{n}", "0"), "pad": {"S": "x" * 200}}}}
                    for n in range(start, start + 25)
                ]
            }
        )

    def transaction(n: int) -> None:
        """A reassignment's shape: a versioned update, a record put, a check, a cancelled one now and then."""
        version = n if n % 10 else n + 1000  # every tenth fails its condition: rollbacks are measured too
        operations: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": STREAMED,
                    "Key": _key("booking", "0"),
                    "UpdateExpression": "SET version = :next",
                    "ConditionExpression": "attribute_not_exists(version) OR version = :read",
                    "ExpressionAttributeValues": {":read": {"N": str(version)}, ":next": {"N": str(n + 1)}},
                }
            },
            {"Put": {"TableName": STREAMED, "Item": {**_key("audit", f"{n:05d}"), "pad": {"S": "y" * 200}}}},
            {
                "ConditionCheck": {
                    "TableName": STREAMED,
                    "Key": _key("ballast-1", "0"),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
        ]
        try:
            client.transact_write_items(TransactItems=operations, ClientRequestToken=f"token-{n:05d}")
        except botocore.exceptions.ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"

    count = 300
    for n in range(20):  # warm up: connection pools, parsers, caches
        transaction(n)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(20, 20 + count):
            transaction(n)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    # What must remain per transaction: its audit item, its stream records and its remembered token,
    # about 2 KB. One copy of the table would be ~1,000 items, several hundred KB.
    assert grown / count < 8_000, f"{grown / count:.0f} bytes retained per transaction"
