"""What the sync reads and writes: rounds of reads (BatchGetItem chunks in parallel; a host's
timeline Query, in a round after its stats) and one TransactWriteItems per event, all strongly
consistent; and once per execution environment the email directory, eventually consistent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from reassign_core.domain.bookkeeping import HostKey
from reassign_core.domain.errors import StoreUnavailable, WriteConflict
from reassign_core.domain.host_stats import timeline_depth
from reassign_core.store import keys
from reassign_core.store.codec import WireItem, to_wire
from reassign_core.store.repository import CONFLICT_REASONS, translated_store_errors

ItemKey = tuple[str, str]
BATCH_GET_LIMIT = 100
# The newest entries: what the stats keep, beyond the (at most two) bookings one event touches.
TIMELINE_DEPTH = timeline_depth(touched=2)


class SyncStore:
    def __init__(self, client: Any, table: str, executor: ThreadPoolExecutor) -> None:
        self._client = client
        self._table = table
        self._executor = executor
        self.round_trips = 0  # sequential rounds of requests: the benchmark's measure

    @property
    def table(self) -> str:
        return self._table

    def read(
        self, wanted: Iterable[ItemKey], timelines: Iterable[HostKey]
    ) -> tuple[dict[ItemKey, WireItem], dict[HostKey, list[WireItem]]]:
        """Items by key and the newest timeline entries of some hosts: one round trip."""
        unique = list(dict.fromkeys(wanted))
        hosts = list(dict.fromkeys(timelines))
        if not unique and not hosts:
            return {}, {}
        self.round_trips += 1
        chunks = [unique[i : i + BATCH_GET_LIMIT] for i in range(0, len(unique), BATCH_GET_LIMIT)]
        gets = [self._executor.submit(self._get_chunk, chunk) for chunk in chunks]
        queries = {host: self._executor.submit(self._newest_entries, host) for host in hosts}
        found: dict[ItemKey, WireItem] = {}
        for future in gets:
            for item in future.result():
                found[(item["PK"]["S"], item["SK"]["S"])] = item
        return found, {host: future.result() for host, future in queries.items()}

    def read_email_directory(self) -> dict[str, int]:
        """Every user's email (ignoring case) -> user id, from the directory's shards: one
        BatchGetItem, made once per execution environment (not counted in an event's round trips).
        One pass, eventually consistent: it only chooses what events read ahead, and Lambda's init
        phase must not wait on retries (keys left unprocessed are simply not known in advance)."""
        shards = [keys.email_directory(shard) for shard in range(keys.EMAIL_DIRECTORY_SHARDS)]
        with translated_store_errors():
            response = self._client.batch_get_item(
                RequestItems={self._table: {"Keys": [to_wire(k) for k in shards], "ConsistentRead": False}}
            )
        found: dict[str, int] = {}
        for item in response.get("Responses", {}).get(self._table, []):
            for name, value in item.items():
                if name.startswith(keys.DIRECTORY_EMAIL_PREFIX):
                    found[name.removeprefix(keys.DIRECTORY_EMAIL_PREFIX)] = int(value["N"])
        return found

    def _get_chunk(self, chunk: Sequence[ItemKey]) -> list[WireItem]:
        pending: list[WireItem] = [{"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in chunk]
        found: list[WireItem] = []
        with translated_store_errors():
            for _ in range(6):
                response = self._client.batch_get_item(
                    RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                )
                found.extend(response.get("Responses", {}).get(self._table, []))
                pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                if not pending:
                    return found
        raise StoreUnavailable

    def _newest_entries(self, host: HostKey) -> list[WireItem]:
        with translated_store_errors():
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues=to_wire(
                    {":pk": keys.host_timeline_partition(*host), ":prefix": keys.TIMELINE_PREFIX}
                ),
                ScanIndexForward=False,
                ConsistentRead=True,
                Limit=TIMELINE_DEPTH,
            )
        return list(response.get("Items", []))

    def commit(self, actions: list[dict[str, Any]], token: str) -> None:
        """One transaction; WriteConflict when anything it rests on changed since it was read. The
        token makes a retried request (its answer lost) apply once."""
        self.round_trips += 1
        try:
            with translated_store_errors():
                self._client.transact_write_items(TransactItems=actions, ClientRequestToken=token)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
            if reasons & CONFLICT_REASONS:
                raise WriteConflict(sorted(c for c in reasons if c and c != "None")) from error
            raise StoreUnavailable from error
