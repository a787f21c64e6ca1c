"""What each function reads from its environment: one validated object per function, parsed once.

A deployed function gets its table names from template.yaml; one that lacks a required setting
fails at start with a message naming it, rather than talking to a table it guessed. Local tools
and tests set the same variables (from template.yaml) before they load a handler.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reassign_core.webhooks.retry import DEFAULT_RETRY_DELAYS, parse_delays


class SettingsError(RuntimeError):
    """The environment lacks a required setting, or holds one that is not valid."""


class StoreSettings(BaseModel):
    """What every function that talks to DynamoDB reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Unset in AWS (the region's default endpoint); local tools point it at a local DynamoDB.
    endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")


class ReassignSettings(StoreSettings):
    data_table: str = Field(alias="DATA_TABLE", min_length=1)
    outbox_table: str = Field(alias="OUTBOX_TABLE", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    max_write_attempts: int = Field(default=4, ge=1, le=10, alias="MAX_WRITE_ATTEMPTS")


class RateLimitSettings(StoreSettings):
    """Requests per credential per minute (docs/api.md, Rate limits); unset: not limited."""

    data_table: str = Field(alias="DATA_TABLE", min_length=1)  # holds the counters
    api_key_limit: int | None = Field(default=None, ge=1, alias="RATE_LIMIT_API_KEY")
    access_token_limit: int | None = Field(default=None, ge=1, alias="RATE_LIMIT_ACCESS_TOKEN")


class AuthorizerSettings(StoreSettings):
    credentials_table: str = Field(alias="CREDENTIALS_TABLE", min_length=1)


class WebhookSettings(StoreSettings):
    """What every webhook function reads: the subscriptions table and the local stand-ins."""

    webhooks_table: str = Field(alias="WEBHOOKS_TABLE", min_length=1)
    sqs_endpoint_url: str | None = Field(default=None, alias="SQS_ENDPOINT_URL")  # as endpoint_url
    # `true` only under `make run`: http:// and loopback receivers allowed.
    allow_local_urls: bool = Field(default=False, alias="WEBHOOK_ALLOW_LOCAL_URLS")


class SubscriptionSettings(WebhookSettings):
    """The subscriptions API: who the callers are, and their pings."""

    data_table: str = Field(alias="DATA_TABLE", min_length=1)
    credentials_table: str = Field(alias="CREDENTIALS_TABLE", min_length=1)


class FanoutSettings(WebhookSettings):
    data_table: str = Field(alias="DATA_TABLE", min_length=1)  # the profiles events name
    delivery_queue: str = Field(alias="DELIVERY_QUEUE", min_length=1)  # URL (deployed) or name (locally)


class DeliverySettings(WebhookSettings):
    delivery_queue: str = Field(alias="DELIVERY_QUEUE", min_length=1)
    dead_letter_queue: str = Field(alias="DELIVERY_DEAD_LETTER_QUEUE", min_length=1)
    retry_delays: str = Field(default=DEFAULT_RETRY_DELAYS, alias="WEBHOOK_RETRY_DELAYS")

    @field_validator("retry_delays")
    @classmethod
    def _delays(cls, text: str) -> str:
        parse_delays(text)  # a bad setting fails the init phase, not the first delivery
        return text


def read_settings[Settings: StoreSettings](
    kind: type[Settings], environ: Mapping[str, str] | None = None
) -> Settings:
    """kind's settings from environ (default: the process environment); SettingsError names every
    setting that is missing or invalid."""
    try:
        return kind.model_validate(dict(os.environ if environ is None else environ))
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False):
            name = ".".join(str(part) for part in problem["loc"])
            if problem["type"] == "missing":
                problems.append(f"{name} is not set")
            else:  # the message states the rule, never the value
                problems.append(f"{name}: {problem['msg']}")
        raise SettingsError(f"{kind.__name__}: " + "; ".join(problems)) from None
