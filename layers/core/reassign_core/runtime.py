"""Wiring from the environment: settings parsed once, clients and the service created once."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from reassign_core.services.reassign import ReassignService
from reassign_core.store.repository import CredentialStore, ReassignRepository

# BatchGetItem takes 100 keys. A 1000-host reassignment reads up to ~3000 (schedules and calendar
# days): all its chunks in flight at once keep the batch to one round trip.
READ_PARALLELISM = 64


class Settings(BaseModel):
    data_table: str = Field(default="DataTable", alias="DATA_TABLE")
    outbox_table: str = Field(default="OutboxTable", alias="OUTBOX_TABLE")
    idempotency_table: str = Field(default="IdempotencyTable", alias="IDEMPOTENCY_TABLE")
    credentials_table: str = Field(default="CredentialsTable", alias="CREDENTIALS_TABLE")
    endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")
    max_write_attempts: int = Field(default=4, ge=1, le=10, alias="MAX_WRITE_ATTEMPTS")


@cache
def settings() -> Settings:
    return Settings.model_validate(os.environ)


@cache
def dynamodb_client() -> Any:
    # botocore directly: boto3 adds nothing the repository uses, and ~40 ms to every cold start.
    from botocore.config import Config
    from botocore.session import get_session

    # Bounded retries and timeouts well inside the Lambda timeout: a slow DynamoDB call fails
    # fast as a 503 the client can retry, rather than the function timing out mid-decision.
    # Worst case of one call: 2 attempts x (1 s + 2 s) + one backoff of at most 1 s = 7 s < 10 s.
    # (botocore's `max_attempts` counts retries, not attempts: 3 meant 4 attempts, up to 19 s.)
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=1,
        read_timeout=2,
        max_pool_connections=READ_PARALLELISM,
        # The repository builds every request itself; DynamoDB validates them anyway, and
        # client-side validation of thousands of keys costs more CPU than the decision.
        parameter_validation=False,
    )
    return get_session().create_client("dynamodb", endpoint_url=settings().endpoint_url, config=config)


@cache
def reassign_service() -> ReassignService:
    executor = ThreadPoolExecutor(max_workers=READ_PARALLELISM, thread_name_prefix="dynamodb")
    repository = ReassignRepository(
        dynamodb_client(), settings().data_table, settings().outbox_table, executor
    )
    return ReassignService(repository, max_attempts=settings().max_write_attempts)


@cache
def credential_store() -> CredentialStore:
    return CredentialStore(dynamodb_client(), settings().credentials_table)


@cache
def idempotent_runner() -> Any:
    from reassign_core.services.idempotency import IdempotentRunner  # only requests with a key need it

    return IdempotentRunner(settings().idempotency_table, dynamodb_client())
