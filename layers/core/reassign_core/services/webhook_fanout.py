"""Fan a batch of reassignment events out to the delivery queue: one message per (event, webhook).

Two sequential round trips per batch, whatever its size: (1) every owner's webhooks (a Query per
owner) and the named users' profiles (BatchGetItem), all in flight at once; (2) the messages, in
SendMessageBatch calls of up to 10, each event's sent concurrently with the others'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reassign_core.domain.models import UserProfile
from reassign_core.store.directory import Directory
from reassign_core.store.queues import MessageQueue
from reassign_core.store.webhook_store import WebhookStore
from reassign_core.webhooks.deliveries import DeliveryMessage
from reassign_core.webhooks.events import ReassignmentEvent, event_body, matching_webhooks, profile_ids
from reassign_core.webhooks.subscriptions import Owner, Webhook


class EnqueueFailed(Exception):
    """Some of an event's messages did not reach the queue: the event must be processed again."""


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What the batch's events need, read once for all of them."""

    webhooks: Mapping[Owner, Sequence[Webhook]]
    profiles: Mapping[int, UserProfile]


class FanoutService:
    def __init__(
        self, store: WebhookStore, directory: Directory, queue: MessageQueue, executor: ThreadPoolExecutor
    ) -> None:
        self._store = store
        self._directory = directory
        self._queue = queue
        self._executor = executor

    def read_context(self, events: Sequence[ReassignmentEvent]) -> BatchContext:
        """Round trip 1: every owner's webhooks and every named user's profile, concurrently."""
        owners = [owner for event in events for owner in event.owners()]
        profiles = self._executor.submit(self._directory.profiles, profile_ids(events))
        webhooks = self._store.of_owners(owners)
        return BatchContext(webhooks, profiles.result())

    def messages(self, event: ReassignmentEvent, context: BatchContext) -> list[DeliveryMessage]:
        body = event_body(event, context.profiles)
        return [
            DeliveryMessage(
                event_id=event.event_id,
                webhook_id=webhook.id,
                owner=webhook.owner,
                trigger=event.trigger,
                booking_uid=event.booking_uid,
                created_at=event.at,
                body=body,
            )
            for webhook in matching_webhooks(event, context.webhooks)
        ]

    def enqueue(self, event: ReassignmentEvent, context: BatchContext) -> int:
        """Round trip 2 for this event: its messages; how many. EnqueueFailed if any did not go."""
        messages = self.messages(event, context)
        if not messages:
            return 0
        failed = self._queue.send_batch([(str(i), m.to_json()) for i, m in enumerate(messages)])
        if failed:
            # Those that went will go again with the retry: receivers de-duplicate on webhook-id.
            raise EnqueueFailed(f"{len(failed)} of {len(messages)} messages were not enqueued")
        return len(messages)
