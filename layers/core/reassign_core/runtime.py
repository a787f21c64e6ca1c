"""Wiring from the environment: each function's settings read once, clients and services made once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from reassign_core.services.preview import PreviewService
from reassign_core.services.rate_limit import RateLimiter
from reassign_core.services.reassign import ReassignService, TimeBudget
from reassign_core.settings import AuthorizerSettings, RateLimitSettings, ReassignSettings, read_settings
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


# Timeouts and retries of every DynamoDB call (reasoning in docs/operations.md):
# - read 1.5 s: DynamoDB answers our largest call (a 100-key batch, a 100-action transaction) in
#   tens of ms, so a call still silent after 1.5 s is stuck, not slow; the embedded local store
#   answers a 1,000-host reassignment's calls within ~1 s on a busy 2-core machine;
# - connect 0.5 s: a connection inside the region takes about a millisecond;
# - 2 attempts: one resend rescues a dropped connection or a lost answer (a transaction's resend
#   carries the same ClientRequestToken, which DynamoDB answers without applying it twice).
# One call then takes at most 2 x (0.5 + 1.5) s + one backoff of at most 1 s = 5 s, so a write
# whose outcome is unknown still leaves time, inside the function's 10 s, for the read that
# finds out whether it applied. When a retry cannot fit, the request answers at once: 503 (409
# after conflicts) with Retry-After.
# (botocore's `max_attempts` counts retries, not attempts; `total_max_attempts` counts attempts.)
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.5
STORE_CALL_ATTEMPTS = 2
FUNCTION_TIMEOUT_SECONDS = 10  # the functions' Timeout in template.yaml (a test keeps them equal)
ANSWER_RESERVE_SECONDS = 1.0  # after the last store call: the answer, logs and metrics


def longest_store_call_seconds() -> float:
    """Every attempt timing out, plus standard mode's backoffs (at most 2**retry s each, capped at 20)."""
    backoffs = sum(min(2**retry, 20) for retry in range(STORE_CALL_ATTEMPTS - 1))
    return STORE_CALL_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + backoffs


@cache
def dynamodb_client(endpoint_url: str | None) -> Any:
    """One client per endpoint: functions sharing a process (local tools, tests) share it."""
    # botocore directly: boto3 adds nothing the repository uses, and ~40 ms to every cold start.
    from botocore.config import Config
    from botocore.session import get_session

    config = Config(
        retries={"mode": "standard", "total_max_attempts": STORE_CALL_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        max_pool_connections=READ_PARALLELISM,
        # The repository builds every request itself; DynamoDB validates them anyway, and
        # client-side validation of thousands of keys costs more CPU than the decision.
        parameter_validation=False,
    )
    return get_session().create_client("dynamodb", endpoint_url=endpoint_url, config=config)


@cache
def read_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=READ_PARALLELISM, thread_name_prefix="dynamodb")


@cache
def reassign_repository() -> ReassignRepository:
    settings = reassign_settings()
    return ReassignRepository(
        dynamodb_client(settings.endpoint_url), settings.data_table, settings.outbox_table, read_executor()
    )


@cache
def rate_limiter() -> RateLimiter | None:
    """The reassign function's; counts on the read pool, so alongside the request's first read."""
    settings = read_settings(RateLimitSettings)
    return RateLimiter.from_settings(settings, dynamodb_client(settings.endpoint_url), read_executor())


@cache
def reassign_service() -> ReassignService:
    budget = TimeBudget(FUNCTION_TIMEOUT_SECONDS - ANSWER_RESERVE_SECONDS, longest_store_call_seconds())
    return ReassignService(
        reassign_repository(), max_attempts=reassign_settings().max_write_attempts, budget=budget
    )


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
