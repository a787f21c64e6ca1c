"""Deliver one queued (event, webhook) pair: sign, POST, log; decide what happens after a failure.

- 2xx: delivered. A copy of a delivered or concluded message is acknowledged without a request,
  except a failed one moved back from the dead-letter queue (a redrive): that is tried afresh.
- 410 (to a delivery or a ping): the webhook is deactivated and the delivery fails; nothing more
  is sent to it.
- anything else: the message stays in the queue, invisible for the next delay of the retry
  schedule (RetryLater makes the batch report it as failed); after the last attempt it is moved
  to the dead-letter queue and the delivery is `failed`. A message received more times than there
  are attempts (an earlier move failed half way) is moved without another request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from reassign_core.domain.timeutil import iso, utc_now
from reassign_core.store.queues import MessageQueue
from reassign_core.store.webhook_store import WebhookStore
from reassign_core.webhooks.deliveries import AttemptResult, DeliveryMessage, DeliveryStatus
from reassign_core.webhooks.events import ping_body
from reassign_core.webhooks.rendering import render_body
from reassign_core.webhooks.retry import RetrySchedule
from reassign_core.webhooks.signing import delivery_headers
from reassign_core.webhooks.subscriptions import PING, Webhook

logger = Logger(child=True)


class Sender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult: ...


class RetryLater(Exception):
    """The attempt failed and another is scheduled: the message must stay in the queue."""


class WebhookCaller:
    """One attempt at a webhook (render, sign, POST), and a ping: what the delivery function and the
    subscriptions API's ping share. No queue here: a ping is answered at once."""

    def __init__(self, store: WebhookStore, sender: Sender, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock

    def attempt(self, webhook: Webhook, event_id: str, body: dict[str, object]) -> AttemptResult:
        """Render, sign (with this attempt's timestamp) and POST."""
        raw = render_body(body, webhook.payload_template)
        headers = delivery_headers(webhook.secret, event_id, int(self._clock().timestamp()), raw)
        return self._sender.post(webhook.subscriber_url, raw, headers)

    def ping(self, webhook: Webhook) -> AttemptResult:
        """A PING now, outside the queue: one attempt, logged like any delivery; a 410 deactivates."""
        now = self._clock()
        event_id = str(uuid.uuid4())
        result = self.attempt(webhook, event_id, ping_body(webhook, iso(now)))
        if result.gone:
            self._store.deactivate(webhook.owner, webhook.id)
            logger.info("Webhook answered 410 to a ping: deactivated", extra={"webhookId": webhook.id})
        status = DeliveryStatus.DELIVERED if result.succeeded else DeliveryStatus.FAILED
        self._store.record_delivery(
            webhook_id=webhook.id,
            event_id=event_id,
            trigger=PING,
            booking_uid=None,
            created_at=iso(now),
            status=status,
            attempt=result,
            at=now,
        )
        return result


class DeliveryService:
    def __init__(
        self,
        caller: WebhookCaller,
        store: WebhookStore,
        queue: MessageQueue,
        dead_letters: MessageQueue,
        schedule: RetrySchedule,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._caller = caller
        self._store = store
        self._queue = queue
        self._dead_letters = dead_letters
        self._schedule = schedule
        self._clock = clock

    def deliver(self, message: DeliveryMessage, receive_count: int, receipt_handle: str) -> DeliveryStatus:
        """Handle one received message; raises RetryLater when it must come back later."""
        webhook, record = self._store.delivery_state(
            message.owner, message.webhook_id, message.created_at, message.event_id
        )
        if record is not None and record.status is not DeliveryStatus.PENDING:
            redriven = message.dead_lettered and record.status is DeliveryStatus.FAILED
            if not redriven:
                return record.status  # a copy of a delivery already concluded
        if webhook is None or not webhook.active:
            note = "webhook was deleted" if webhook is None else "webhook is inactive"
            self._record(message, DeliveryStatus.FAILED, None, note=note)
            return DeliveryStatus.FAILED
        if receive_count > self._schedule.max_attempts:
            self._give_up(message, None)
            return DeliveryStatus.FAILED

        result = self._caller.attempt(webhook, message.event_id, message.body)
        # Ids and outcome only: never the URL (it may carry credentials), the body or the secret.
        extra = {
            "webhookId": message.webhook_id,
            "eventId": message.event_id,
            "attempt": receive_count,
            "statusCode": result.status_code,
            "error": result.error,
        }
        if result.succeeded:
            self._record(message, DeliveryStatus.DELIVERED, result)
            logger.info("Webhook delivered", extra=extra)
            return DeliveryStatus.DELIVERED
        if result.gone:
            self._store.deactivate(message.owner, message.webhook_id)
            self._record(message, DeliveryStatus.FAILED, result)
            logger.info("Webhook answered 410: deactivated", extra=extra)
            return DeliveryStatus.FAILED
        delay = self._schedule.delay_after(receive_count)
        if delay is None:
            self._give_up(message, result)
            logger.warning("Webhook delivery failed for good: moved to the dead-letter queue", extra=extra)
            return DeliveryStatus.FAILED
        next_at = self._clock() + timedelta(seconds=delay)
        self._record(message, DeliveryStatus.PENDING, result, next_attempt_at=next_at)
        self._queue.hide(receipt_handle, delay)
        logger.info("Webhook delivery failed: retrying", extra={**extra, "retryInSeconds": delay})
        raise RetryLater(f"attempt {receive_count} failed; next in {delay} s")

    def _give_up(self, message: DeliveryMessage, result: AttemptResult | None) -> None:
        # Into the dead-letter queue first: should the log write then fail, the message comes back
        # and is moved again (a duplicate there), rather than marked failed and lost.
        self._dead_letters.send(replace(message, dead_lettered=True).to_json())
        self._record(message, DeliveryStatus.FAILED, result, note=None if result else "attempts exhausted")

    def _record(
        self,
        message: DeliveryMessage,
        status: DeliveryStatus,
        result: AttemptResult | None,
        next_attempt_at: datetime | None = None,
        note: str | None = None,
    ) -> None:
        self._store.record_delivery(
            webhook_id=message.webhook_id,
            event_id=message.event_id,
            trigger=message.trigger,
            booking_uid=message.booking_uid,
            created_at=message.created_at,
            status=status,
            attempt=result,
            at=self._clock(),
            next_attempt_at=next_attempt_at,
            note=note,
        )
