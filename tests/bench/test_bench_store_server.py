"""The benchmark's store: reads are served at the same time, and two Queries on one table each read
their own partition (the embedded store's backend, whose partition Query is kept per thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench.store_server import serve
from local.dynamo import dynamodb_client
from local.dynamo_backend import PartitionedTable
from tests.local.test_dynamo_backend import create_keyed_table

TABLE = "BenchStoreQueries"


@pytest.fixture
def bench_store() -> Iterator[Any]:
    server = serve()
    client = dynamodb_client(server.url)
    create_keyed_table(client, TABLE, streamed=False)
    for partition, count in (("a", 3), ("b", 5)):
        for n in range(count):
            client.put_item(TableName=TABLE, Item={"PK": {"S": partition}, "SK": {"S": f"{partition}{n}"}})
    try:
        yield client
    finally:
        client.delete_table(TableName=TABLE)  # moto's state is process-wide: leave none behind
        server.shutdown()
        server.server_close()


def test_two_queries_inside_the_store_at_once_each_read_their_own_partition(
    bench_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The two Queries meet twice: with their partitions chosen, before either reads (the store holds
    # both at once; a store serving reads one at a time breaks the barrier), and after both have read,
    # before either is done. A partition kept on the shared table instead of per thread hands both
    # Queries the partition chosen last.
    meet = threading.Barrier(2, timeout=10)
    original = PartitionedTable.all_items

    def meeting(self: PartitionedTable) -> list[Any]:
        if self.name != TABLE:
            return original(self)
        meet.wait()
        partition = original(self)
        meet.wait()
        return partition

    monkeypatch.setattr(PartitionedTable, "all_items", meeting)

    def sort_keys(partition: str) -> list[str]:
        found = bench_store.query(
            TableName=TABLE,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )
        return [item["SK"]["S"] for item in found["Items"]]

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(sort_keys, ["a", "b"])

    assert a == ["a0", "a1", "a2"]
    assert b == ["b0", "b1", "b2", "b3", "b4"]
