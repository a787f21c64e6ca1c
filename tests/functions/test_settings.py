"""Each function's settings: read from the environment once, every missing or invalid one named."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.cfn import load_template
from reassign_core.settings import (
    AuthorizerSettings,
    DeliverySettings,
    FanoutSettings,
    RateLimitSettings,
    ReassignSettings,
    SettingsError,
    StoreSettings,
    SubscriptionSettings,
    read_settings,
)
from reassign_core.sync_runtime import SyncSettings

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

REASSIGN = {"DATA_TABLE": "data", "OUTBOX_TABLE": "outbox", "IDEMPOTENCY_TABLE": "idempotency"}


def test_the_reassign_function_reads_its_tables_and_defaults_the_rest() -> None:
    settings = read_settings(ReassignSettings, {**REASSIGN, "UNRELATED": "x"})

    assert (settings.data_table, settings.outbox_table, settings.idempotency_table) == (
        "data",
        "outbox",
        "idempotency",
    )
    assert settings.endpoint_url is None  # the region's own DynamoDB endpoint
    assert settings.max_write_attempts == 4


def test_every_missing_table_is_named_and_none_is_guessed() -> None:
    with pytest.raises(SettingsError) as raised:
        read_settings(ReassignSettings, {"OUTBOX_TABLE": "outbox"})

    message = str(raised.value)
    assert "DATA_TABLE is not set" in message
    assert "IDEMPOTENCY_TABLE is not set" in message
    assert "OUTBOX_TABLE" not in message


def test_an_empty_table_name_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATA_TABLE"):
        read_settings(ReassignSettings, {**REASSIGN, "DATA_TABLE": ""})


def test_an_invalid_setting_is_named_without_its_value() -> None:
    with pytest.raises(SettingsError) as raised:
        read_settings(ReassignSettings, {**REASSIGN, "MAX_WRITE_ATTEMPTS": "99999"})

    assert "MAX_WRITE_ATTEMPTS" in str(raised.value)
    assert "99999" not in str(raised.value)


def test_the_authorizer_needs_only_the_credentials_table() -> None:
    assert read_settings(AuthorizerSettings, {"CREDENTIALS_TABLE": "creds"}).credentials_table == "creds"
    with pytest.raises(SettingsError, match="CREDENTIALS_TABLE is not set"):
        read_settings(AuthorizerSettings, REASSIGN)


def test_settings_are_read_from_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDENTIALS_TABLE", "from-the-environment")

    assert read_settings(AuthorizerSettings).credentials_table == "from-the-environment"


def test_each_webhook_function_names_what_it_lacks_and_guesses_no_table_or_queue() -> None:
    with pytest.raises(SettingsError) as raised:
        read_settings(DeliverySettings, {"WEBHOOKS_TABLE": "hooks"})
    assert "DELIVERY_QUEUE is not set" in str(raised.value)
    assert "DELIVERY_DEAD_LETTER_QUEUE is not set" in str(raised.value)

    with pytest.raises(SettingsError) as raised:
        read_settings(FanoutSettings, {"DELIVERY_QUEUE": "q"})
    assert "WEBHOOKS_TABLE is not set" in str(raised.value)
    assert "DATA_TABLE is not set" in str(raised.value)

    with pytest.raises(SettingsError, match="CREDENTIALS_TABLE is not set"):
        read_settings(SubscriptionSettings, {"WEBHOOKS_TABLE": "hooks", "DATA_TABLE": "data"})


def test_bad_retry_delays_fail_the_delivery_function_at_start() -> None:
    queues = {"WEBHOOKS_TABLE": "h", "DELIVERY_QUEUE": "q", "DELIVERY_DEAD_LETTER_QUEUE": "dlq"}
    assert read_settings(DeliverySettings, queues).retry_delays  # the default schedule
    with pytest.raises(SettingsError, match="WEBHOOK_RETRY_DELAYS"):
        read_settings(DeliverySettings, {**queues, "WEBHOOK_RETRY_DELAYS": "soon"})


@pytest.mark.parametrize(
    ("function", "kinds"),
    [
        ("ReassignFunction", (ReassignSettings, RateLimitSettings)),
        ("AuthorizerFunction", (AuthorizerSettings,)),
        ("WebhooksFunction", (SubscriptionSettings, RateLimitSettings)),
        ("FanoutFunction", (FanoutSettings,)),
        ("DeliveryFunction", (DeliverySettings,)),
        ("SyncFunction", (SyncSettings,)),
    ],
)
def test_the_template_gives_each_function_every_setting_it_reads(
    function: str, kinds: tuple[type[StoreSettings], ...]
) -> None:
    env = load_template(TEMPLATE).functions[function].env
    for kind in kinds:
        read_settings(kind, env)  # SettingsError would name what the deployed function lacks
    if function == "SyncFunction":  # deployed, the secret comes from the stack's own secret
        assert read_settings(SyncSettings, env).secret_id
