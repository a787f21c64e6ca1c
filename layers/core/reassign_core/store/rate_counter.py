"""Per-credential request counters: one item per credential and window, counted by UpdateItem ADD
(atomic, so concurrent requests never lose a count) and removed by the table's TTL."""

from __future__ import annotations

from typing import Any

from reassign_core.store import keys
from reassign_core.store.codec import to_wire
from reassign_core.store.repository import translated_store_errors

# How long a finished window's item stays before TTL may remove it (TTL deletes lazily anyway).
EXPIRY_GRACE_SECONDS = 300


class RateCounter:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def count(self, credential_id: str, window_start: int, window_seconds: int) -> int:
        """This request counted: the window's count including it."""
        with translated_store_errors():
            response = self._client.update_item(
                TableName=self._table,
                Key=to_wire(keys.rate_window(credential_id, window_start)),
                UpdateExpression="ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expires)",
                ExpressionAttributeValues=to_wire(
                    {":one": 1, ":expires": window_start + window_seconds + EXPIRY_GRACE_SECONDS}
                ),
                ReturnValues="UPDATED_NEW",
            )
        return int(response["Attributes"]["hits"]["N"])
