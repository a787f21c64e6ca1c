"""Wiring from the environment: each function's settings read once, clients and services made once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from reassign_core.services.preview import PreviewService
from reassign_core.services.reassign import ReassignService
from reassign_core.settings import AuthorizerSettings, ReassignSettings, read_settings
from reassign_core.store.repository import CredentialStore, ReassignRepository

# BatchGetItem takes 100 keys. A 1000-host reassignment reads up to ~3000 (schedules and calendar
# days): all its chunks in flight at once keep the batch to one round trip.
READ_PARALLELISM = 64


@cache
def reassign_settings() -> ReassignSettings:
    return read_settings(ReassignSettings)


@cache
def authorizer_settings() -> AuthorizerSettings:
    return read_settings(AuthorizerSettings)


@cache
def dynamodb_client(endpoint_url: str | None) -> Any:
    """One client per endpoint: functions sharing a process (local tools, tests) share it."""
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
    return get_session().create_client("dynamodb", endpoint_url=endpoint_url, config=config)


@cache
def reassign_repository() -> ReassignRepository:
    settings = reassign_settings()
    executor = ThreadPoolExecutor(max_workers=READ_PARALLELISM, thread_name_prefix="dynamodb")
    return ReassignRepository(
        dynamodb_client(settings.endpoint_url), settings.data_table, settings.outbox_table, executor
    )


@cache
def reassign_service() -> ReassignService:
    return ReassignService(reassign_repository(), max_attempts=reassign_settings().max_write_attempts)


@cache
def preview_service() -> PreviewService:
    """The read routes' service: the reassignment's repository, so one client and one thread pool."""
    return PreviewService(reassign_repository())


@cache
def credential_store() -> CredentialStore:
    settings = authorizer_settings()
    return CredentialStore(dynamodb_client(settings.endpoint_url), settings.credentials_table)


@cache
def idempotent_runner() -> Any:
    from reassign_core.services.idempotency import IdempotentRunner  # only requests with a key need it

    settings = reassign_settings()
    return IdempotentRunner(settings.idempotency_table, dynamodb_client(settings.endpoint_url))
