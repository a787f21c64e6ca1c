"""Wiring of the webhook functions from their environment: settings parsed once, clients made once.

Each function reads the settings it needs (reassign_core.settings: SubscriptionSettings,
FanoutSettings, DeliverySettings) and fails at start naming any that is missing:
- WEBHOOKS_TABLE (all), DATA_TABLE (subscriptions: callers' profiles and rate-limit counters;
  fan-out: the profiles events name), CREDENTIALS_TABLE (subscriptions);
- DELIVERY_QUEUE (fan-out, delivery), DELIVERY_DEAD_LETTER_QUEUE (delivery): queue URLs (deployed)
  or names (locally);
- WEBHOOK_RETRY_DELAYS: seconds between attempts, comma-separated (default 30,120,600,3600,21600);
- RATE_LIMIT_API_KEY, RATE_LIMIT_ACCESS_TOKEN: requests per credential per minute (unset: none);
- WEBHOOK_ALLOW_LOCAL_URLS: `true` only under `make run`: http:// and loopback receivers allowed;
- DYNAMODB_ENDPOINT_URL, SQS_ENDPOINT_URL: local stand-ins for the AWS endpoints.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from reassign_core.services.rate_limit import RateLimiter
from reassign_core.services.webhook_delivery import DeliveryService, WebhookCaller
from reassign_core.services.webhook_fanout import FanoutService
from reassign_core.services.webhook_http import GuardedSender
from reassign_core.services.webhook_subscriptions import SubscriptionService
from reassign_core.settings import (
    DeliverySettings,
    FanoutSettings,
    RateLimitSettings,
    SubscriptionSettings,
    WebhookSettings,
    read_settings,
)
from reassign_core.store.directory import Directory
from reassign_core.store.queues import MessageQueue
from reassign_core.store.repository import CredentialStore
from reassign_core.store.webhook_store import WebhookStore
from reassign_core.webhooks.retry import RetrySchedule

# Subscription Queries of one fan-out batch (up to 4 owners per event) all in flight at once.
PARALLELISM = 32


@cache
def settings() -> WebhookSettings:
    return read_settings(WebhookSettings)


def _client(service: str, endpoint_url: str | None) -> Any:
    # botocore directly, as the reassign function does: boto3 adds only import time.
    from botocore.config import Config
    from botocore.session import get_session

    # Bounded retries and timeouts, well inside the functions' timeouts.
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=1,
        read_timeout=3,
        max_pool_connections=PARALLELISM,
    )
    return get_session().create_client(service, endpoint_url=endpoint_url, config=config)


@cache
def dynamodb() -> Any:
    return _client("dynamodb", settings().endpoint_url)


@cache
def sqs() -> Any:
    return _client("sqs", settings().sqs_endpoint_url)


@cache
def executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=PARALLELISM, thread_name_prefix="webhooks")


@cache
def webhook_store() -> WebhookStore:
    return WebhookStore(dynamodb(), settings().webhooks_table, executor())


@cache
def sender() -> GuardedSender:
    return GuardedSender(allow_local=settings().allow_local_urls)


@cache
def caller() -> WebhookCaller:
    return WebhookCaller(webhook_store(), sender())


@cache
def delivery_service() -> DeliveryService:
    delivery = read_settings(DeliverySettings)
    return DeliveryService(
        caller(),
        webhook_store(),
        MessageQueue(sqs(), delivery.delivery_queue),
        MessageQueue(sqs(), delivery.dead_letter_queue),
        RetrySchedule.parse(delivery.retry_delays),
    )


@cache
def fanout_service() -> FanoutService:
    fanout = read_settings(FanoutSettings)
    return FanoutService(
        webhook_store(),
        Directory(dynamodb(), fanout.data_table, executor()),
        MessageQueue(sqs(), fanout.delivery_queue),
        executor(),
    )


@cache
def rate_limiter() -> RateLimiter | None:
    """Counts on the same table as the reassign function's: a credential has one limit for both."""
    limits = read_settings(RateLimitSettings)
    return RateLimiter.from_settings(limits, dynamodb(), executor())


@cache
def subscription_service() -> SubscriptionService:
    subscriptions = read_settings(SubscriptionSettings)
    return SubscriptionService(
        webhook_store(),
        Directory(dynamodb(), subscriptions.data_table, executor()),
        CredentialStore(dynamodb(), subscriptions.credentials_table),
        sender(),
        caller(),
    )
