"""Wiring of the sync function from its environment: settings read once, the secret cached.

Settings (environment variables):
- DATA_TABLE: the data table;
- SYNC_SECRET_ID: the Secrets Manager secret holding the webhook secret (deployed);
- CALCOM_SYNC_SECRET: the webhook secret itself, used instead when set (`make run`, tests);
- DYNAMODB_ENDPOINT_URL: a local stand-in for DynamoDB.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field

from reassign_core.domain.errors import ReassignError
from reassign_core.runtime import dynamodb_client
from reassign_core.services.sync import SyncService, UserHints
from reassign_core.settings import StoreSettings, read_settings
from reassign_core.store.sync_store import SyncStore

logger = Logger(child=True)

SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes


class SyncSettings(StoreSettings):
    data_table: str = Field(alias="DATA_TABLE", min_length=1)
    secret_id: str | None = Field(default=None, alias="SYNC_SECRET_ID")
    secret: str | None = Field(default=None, alias="CALCOM_SYNC_SECRET", min_length=1)


@cache
def sync_settings() -> SyncSettings:
    settings = read_settings(SyncSettings)
    if settings.secret is None and not settings.secret_id:
        from reassign_core.settings import SettingsError

        raise SettingsError("SyncSettings: SYNC_SECRET_ID or CALCOM_SYNC_SECRET must be set")
    return settings


def webhook_secret() -> str:
    settings = sync_settings()
    if settings.secret is not None:
        return settings.secret
    from aws_lambda_powertools.utilities import parameters

    assert settings.secret_id is not None
    return str(parameters.get_secret(settings.secret_id, max_age=SECRET_MAX_AGE_SECONDS))


@cache
def sync_service() -> SyncService:
    """Made in the init phase: the email directory is read then, not during an event."""
    settings = sync_settings()
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dynamodb")
    store = SyncStore(dynamodb_client(settings.endpoint_url), settings.data_table, executor)
    return SyncService(store, hints_from_directory(store))


def hints_from_directory(store: SyncStore) -> UserHints:
    hints = UserHints()
    try:
        hints.preload(store.read_email_directory())
    except (ReassignError, ClientError, BotoCoreError) as error:
        # Only slower, never wrong: each event then looks its attendees up (a third round trip the
        # first time an email is seen). The events themselves fail loudly if the store does.
        logger.warning("the email directory could not be read", extra={"error": type(error).__name__})
    return hints
