"""Wiring of the webhook functions from their environment: settings parsed once, clients made once.

Settings (environment variables):
- WEBHOOKS_TABLE, DATA_TABLE, CREDENTIALS_TABLE: the tables (the data table is read, and written
  only in the callers' rate-limit counters, RATE#…);
- DELIVERY_QUEUE, DELIVERY_DEAD_LETTER_QUEUE: queue URLs (deployed) or names (locally);
- WEBHOOK_RETRY_DELAYS: seconds between attempts, comma-separated (default 30,120,600,3600,21600);
- RATE_LIMIT_API_KEY, RATE_LIMIT_ACCESS_TOKEN: requests per credential per minute (unset: none);
- WEBHOOK_ALLOW_LOCAL_URLS: `true` only under `make run`: http:// and loopback receivers allowed;
- DYNAMODB_ENDPOINT_URL, SQS_ENDPOINT_URL: local stand-ins for the AWS endpoints.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, field_validator

from reassign_core.services.rate_limit import RateLimiter
from reassign_core.services.webhook_delivery import DeliveryService
from reassign_core.services.webhook_fanout import FanoutService
from reassign_core.services.webhook_http import GuardedSender
from reassign_core.services.webhook_subscriptions import SubscriptionService
from reassign_core.settings import RateLimitSettings, read_settings
from reassign_core.store.directory import Directory
from reassign_core.store.queues import MessageQueue
from reassign_core.store.repository import CredentialStore
from reassign_core.store.webhook_store import WebhookStore
from reassign_core.webhooks.retry import DEFAULT_RETRY_DELAYS, RetrySchedule, parse_delays

# Subscription Queries of one fan-out batch (up to 4 owners per event) all in flight at once.
PARALLELISM = 32


class WebhookSettings(BaseModel):
    webhooks_table: str = Field(default="WebhooksTable", alias="WEBHOOKS_TABLE")
    data_table: str = Field(default="DataTable", alias="DATA_TABLE")
    credentials_table: str = Field(default="CredentialsTable", alias="CREDENTIALS_TABLE")
    delivery_queue: str = Field(default="DeliveryQueue", alias="DELIVERY_QUEUE")
    dead_letter_queue: str = Field(default="DeliveryDeadLetterQueue", alias="DELIVERY_DEAD_LETTER_QUEUE")
    retry_delays: str = Field(default=DEFAULT_RETRY_DELAYS, alias="WEBHOOK_RETRY_DELAYS")
    allow_local_urls: bool = Field(default=False, alias="WEBHOOK_ALLOW_LOCAL_URLS")
    dynamodb_endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")
    sqs_endpoint_url: str | None = Field(default=None, alias="SQS_ENDPOINT_URL")

    @field_validator("retry_delays")
    @classmethod
    def _delays(cls, text: str) -> str:
        parse_delays(text)  # a bad setting fails the init phase, not the first delivery
        return text


@cache
def settings() -> WebhookSettings:
    return WebhookSettings.model_validate(os.environ)


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
    return _client("dynamodb", settings().dynamodb_endpoint_url)


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
def delivery_service() -> DeliveryService:
    return DeliveryService(
        webhook_store(),
        sender(),
        MessageQueue(sqs(), settings().delivery_queue),
        MessageQueue(sqs(), settings().dead_letter_queue),
        RetrySchedule.parse(settings().retry_delays),
    )


@cache
def fanout_service() -> FanoutService:
    return FanoutService(
        webhook_store(),
        Directory(dynamodb(), settings().data_table, executor()),
        MessageQueue(sqs(), settings().delivery_queue),
        executor(),
    )


@cache
def rate_limiter() -> RateLimiter | None:
    """Counts on the same table as the reassign function's: a credential has one limit for both."""
    limits = read_settings(RateLimitSettings, {"DATA_TABLE": settings().data_table, **os.environ})
    return RateLimiter.from_settings(limits, dynamodb(), executor())


@cache
def subscription_service() -> SubscriptionService:
    return SubscriptionService(
        webhook_store(),
        Directory(dynamodb(), settings().data_table, executor()),
        CredentialStore(dynamodb(), settings().credentials_table),
        sender(),
        delivery_service(),
    )
