"""The loader's DynamoDB access: what exists (never by Scan), batched writes, transactions.

What the loader finds in the store it finds by key: its registry (one partition per kind of
reference record, listing what the loader wrote, with a digest of each), partitions it knows the
key of (an event type, a user's calendar, a host's timeline) and items by key (BatchGetItem).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reassign_core.store import keys
from reassign_core.store.codec import Item, WireItem, from_wire, to_wire

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
TRANSACTION_LIMIT = 100
MAX_ATTEMPTS = 8
DATA_TABLE = "DataTable"
CREDENTIALS_TABLE = "CredentialsTable"

ItemKey = tuple[str, str]  # (PK, SK); SK "" in a table keyed by PK alone


def key_of(item: Mapping[str, Any]) -> ItemKey:
    return item["PK"], item.get("SK", "")


def _wire_key_of(wire_item: WireItem) -> ItemKey:
    return wire_item["PK"]["S"], wire_item["SK"]["S"] if "SK" in wire_item else ""


def _key_attributes(key: ItemKey) -> dict[str, str]:
    return {"PK": key[0], "SK": key[1]} if key[1] else {"PK": key[0]}


class TransactionCancelled(Exception):
    """The transaction was refused: `reasons` holds each action's cancellation code (None: fine)."""

    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(", ".join(sorted({r for r in reasons if r})) or "cancelled")
        self.reasons = reasons


def _chunks[T](values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class LoadStore:
    """The tables by their template names (DataTable, CredentialsTable) → real names."""

    def __init__(
        self,
        client: Any,
        table_names: Mapping[str, str],
        workers: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._tables = dict(table_names)
        self._workers = workers
        self._sleep = sleep
        self.written = {DATA_TABLE: 0, CREDENTIALS_TABLE: 0}  # items written per table
        self.progress: Any = None  # a text stream: a line per thousand items written

    def table(self, logical: str) -> str:
        return self._tables[logical]

    # --- reads -------------------------------------------------------------------------------

    def partition(self, partition: str) -> list[Item]:
        request: dict[str, Any] = {
            "TableName": self._tables[DATA_TABLE],
            "KeyConditionExpression": "PK = :pk",
            "ConsistentRead": True,
            "ExpressionAttributeValues": to_wire({":pk": partition}),
        }
        found: list[Item] = []
        while True:
            response = self._client.query(**request)
            found.extend(from_wire(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def partitions(self, partitions: Iterable[str]) -> dict[str, list[Item]]:
        wanted = list(dict.fromkeys(partitions))
        if not wanted:
            return {}
        with ThreadPoolExecutor(self._workers) as pool:
            return dict(zip(wanted, pool.map(self.partition, wanted), strict=True))

    def registry(self, kind: str) -> list[Item]:
        return self.partition(keys.registry_partition(kind))

    def get_items(self, wanted: Iterable[ItemKey], table: str = DATA_TABLE) -> dict[ItemKey, WireItem]:
        """Items by key, undecoded (absent ones are missing), in parallel BatchGetItem chunks."""
        unique = list(dict.fromkeys(wanted))
        found: dict[ItemKey, WireItem] = {}
        if not unique:
            return found
        with ThreadPoolExecutor(self._workers) as pool:
            for items in pool.map(
                lambda chunk: self._get_chunk(chunk, table), _chunks(unique, BATCH_GET_LIMIT)
            ):
                found.update((_wire_key_of(item), item) for item in items)
        return found

    def _get_chunk(self, chunk: Sequence[ItemKey], logical: str) -> list[WireItem]:
        table = self._tables[logical]
        pending = [to_wire(_key_attributes(key)) for key in chunk]
        found: list[WireItem] = []
        for attempt in range(MAX_ATTEMPTS):
            response = self._client.batch_get_item(
                RequestItems={table: {"Keys": pending, "ConsistentRead": True}}
            )
            found.extend(response.get("Responses", {}).get(table, []))
            pending = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not pending:
                return found
            self.backoff(attempt)
        raise RuntimeError(f"{table}: {len(pending)} keys still unread after {MAX_ATTEMPTS} attempts")

    # --- writes ------------------------------------------------------------------------------

    def write(self, logical: str, puts: Sequence[Item], deletes: Sequence[ItemKey]) -> None:
        """Unconditional puts and deletes in parallel BatchWriteItem chunks: for records only the
        loader writes (reference data and its registry)."""
        requests = [{"PutRequest": {"Item": to_wire(item)}} for item in puts]
        requests += [{"DeleteRequest": {"Key": to_wire(_key_attributes(key))}} for key in deletes]
        table = self._tables[logical]
        with ThreadPoolExecutor(self._workers) as pool:
            for count in pool.map(
                lambda chunk: self._write_chunk(table, chunk), _chunks(requests, BATCH_WRITE_LIMIT)
            ):
                self._count(logical, count)

    def _write_chunk(self, table: str, chunk: Sequence[dict[str, Any]]) -> int:
        pending = list(chunk)
        for attempt in range(MAX_ATTEMPTS):
            response = self._client.batch_write_item(RequestItems={table: pending})
            pending = response.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                return len(chunk)
            self.backoff(attempt)  # throttled: back off before the rest
        raise RuntimeError(f"{table}: {len(pending)} items still unprocessed after {MAX_ATTEMPTS} attempts")

    def transact(self, actions: Sequence[dict[str, Any]]) -> None:
        """One TransactWriteItems on the data table; TransactionCancelled if it was refused."""
        from botocore.exceptions import ClientError

        try:
            self._client.transact_write_items(TransactItems=list(actions))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            raise TransactionCancelled([None if r in (None, "None") else r for r in reasons]) from error
        self._count(DATA_TABLE, len(actions))

    def _count(self, logical: str, count: int) -> None:
        before, self.written[logical] = self.written[logical], self.written[logical] + count
        if self.progress is not None and before // 1000 != self.written[logical] // 1000:
            print(f"  {logical}: {self.written[logical]} items", file=self.progress, flush=True)

    def backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, 0.05 * 2**attempt))
