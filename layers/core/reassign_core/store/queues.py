"""The SQS queues of the webhooks: the delivery queue and its dead-letter queue.

A queue is named by its URL (what `!Ref` of a queue gives deployed) or by its name, looked up
once (what the local tools give: a template's logical id).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from reassign_core.store.repository import translated_store_errors

SEND_BATCH_LIMIT = 10
SEND_BATCH_BYTES = 200_000  # under SQS's 256 KiB per SendMessageBatch call, with room for attributes


class MessageQueue:
    def __init__(self, client: Any, queue: str) -> None:
        self._client = client
        self._queue = queue
        self._url: str | None = queue if queue.startswith(("https://", "http://")) else None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._url is None:
            with self._lock, translated_store_errors():
                if self._url is None:
                    self._url = self._client.get_queue_url(QueueName=self._queue)["QueueUrl"]
        return self._url

    def send(self, body: dict[str, Any]) -> None:
        with translated_store_errors():
            self._client.send_message(QueueUrl=self.url, MessageBody=json.dumps(body, separators=(",", ":")))

    def send_batch(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> set[str]:
        """Send (entry id, body) pairs in as few SendMessageBatch calls as fit; the ids that failed."""
        failed: set[str] = set()
        for chunk in _chunks([(i, json.dumps(b, separators=(",", ":"))) for i, b in messages]):
            with translated_store_errors():
                response = self._client.send_message_batch(
                    QueueUrl=self.url, Entries=[{"Id": i, "MessageBody": body} for i, body in chunk]
                )
            failed.update(entry["Id"] for entry in response.get("Failed", []))
        return failed

    def hide(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message invisible for `seconds`: the wait before its next attempt."""
        with translated_store_errors():
            self._client.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )


def _chunks(entries: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    chunks: list[list[tuple[str, str]]] = []
    size = 0
    for entry in entries:
        if not chunks or len(chunks[-1]) == SEND_BATCH_LIMIT or size + len(entry[1]) > SEND_BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += len(entry[1])
    return chunks
