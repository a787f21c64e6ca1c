"""What each function reads from its environment: one validated object per function, parsed once.

A deployed function gets its table names from template.yaml; one that lacks a required setting
fails at start with a message naming it, rather than talking to a table it guessed. Local tools
and tests set the same variables (from template.yaml) before they load a handler.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError


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
