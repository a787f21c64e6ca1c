"""The embedded DynamoDB: fast to start and reset, and one request at a time (atomic transactions)."""

from __future__ import annotations

import threading
from typing import Any

import botocore.exceptions

from local.dynamo import EmbeddedDynamoDB


def _create(client: Any, name: str = "Items") -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_reset_drops_everything(store: EmbeddedDynamoDB) -> None:
    client = store.client()
    _create(client)
    client.put_item(TableName="Items", Item={"PK": {"S": "a"}})
    store.reset()
    assert client.list_tables()["TableNames"] == []


def test_endpoint_and_context_manager() -> None:
    with EmbeddedDynamoDB() as db:
        assert db.endpoint_url.startswith("http://127.0.0.1:")
        assert isinstance(db.client().list_tables()["TableNames"], list)


def _claim_race(store: EmbeddedDynamoDB, slot: str, contenders: int) -> dict[int, str]:
    """`contenders` threads at once: each claims `slot` and writes its own marker, in one transaction."""
    barrier = threading.Barrier(contenders)
    outcomes: dict[int, str] = {}

    def claim(n: int) -> None:
        own = store.client()  # one client per thread, as separate Lambdas would have
        barrier.wait()
        try:
            own.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "Items",
                            "Key": {"PK": {"S": slot}},
                            "UpdateExpression": "SET claimedBy = :n, rev = :one",
                            "ConditionExpression": "attribute_not_exists(rev)",
                            "ExpressionAttributeValues": {":n": {"N": str(n)}, ":one": {"N": "1"}},
                        }
                    },
                    {"Put": {"TableName": "Items", "Item": {"PK": {"S": f"{slot}-marker-{n}"}}}},
                ]
            )
            outcomes[n] = "won"
        except botocore.exceptions.ClientError as error:
            outcomes[n] = error.response["Error"]["Code"]

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_concurrent_conditional_transactions_exactly_one_wins(store: EmbeddedDynamoDB) -> None:
    """DynamoDB semantics: exactly one claim succeeds, and only the winner's marker exists.

    moto alone (a threaded server) breaks this: it snapshots the whole table per transaction and
    restores the snapshot on failure, so a loser's rollback can erase a winner's commit (or crash
    on a table changing under its copy). Serialised requests cannot interleave.
    """
    client = store.client()
    _create(client)
    for start in range(0, 300, 25):  # ballast: a bigger table widens moto's race window
        client.batch_write_item(
            RequestItems={
                "Items": [
                    {"PutRequest": {"Item": {"PK": {"S": f"ballast-{i}"}}}} for i in range(start, start + 25)
                ]
            }
        )
    contenders = 12
    for round_no in range(8):
        slot = f"slot-{round_no}"
        outcomes = _claim_race(store, slot, contenders)
        winners = [n for n, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, outcomes
        assert set(outcomes.values()) == {"won", "TransactionCanceledException"}
        item = client.get_item(TableName="Items", Key={"PK": {"S": slot}})["Item"]
        assert item["claimedBy"] == {"N": str(winners[0])}
        markers = [
            n
            for n in range(contenders)
            if "Item" in client.get_item(TableName="Items", Key={"PK": {"S": f"{slot}-marker-{n}"}})
        ]
        assert markers == winners  # the losers' second write was rolled back with the first
