"""Webhook subscriptions: what one is, what a create or an update may say, how one is shown."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

# The triggers this service emits; a subscription names a non-empty subset of them.
BOOKING_REASSIGNED = "BOOKING_REASSIGNED"
TRIGGERS = (BOOKING_REASSIGNED,)
PING = "PING"  # sent by the ping route only; never subscribed to
MAX_WEBHOOKS_PER_OWNER = 20
MAX_URL_LENGTH = 2048
MAX_TEMPLATE_LENGTH = 16384
# Standard Webhooks' secret spelling: the key is the base64 text after the prefix.
STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


class OwnerKind(StrEnum):
    USER = "user"
    EVENT_TYPE = "eventType"


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose webhook it is: a user's own, or an event type's."""

    kind: OwnerKind
    id: int

    @property
    def id_field(self) -> str:
        """The field that names the owner in the API's answers."""
        return "userId" if self.kind is OwnerKind.USER else "eventTypeId"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    owner: Owner
    subscriber_url: str
    active: bool
    triggers: tuple[str, ...]
    secret: str | None
    payload_template: str | None
    created_at: str

    def wants(self, trigger: str) -> bool:
        return self.active and trigger in self.triggers


def view(webhook: Webhook, *, with_secret: bool = False) -> dict[str, Any]:
    """The API's shape of a webhook. The secret only in the answer to its creation."""
    shown: dict[str, Any] = {
        "id": webhook.id,
        webhook.owner.id_field: webhook.owner.id,
        "subscriberUrl": webhook.subscriber_url,
        "active": webhook.active,
        "triggers": list(webhook.triggers),
        "payloadTemplate": webhook.payload_template,
        "hasSecret": webhook.secret is not None,
        "createdAt": webhook.created_at,
    }
    if with_secret and webhook.secret is not None:
        shown["secret"] = webhook.secret
    return shown


def standard_webhooks_key(secret: str) -> bytes:
    """The HMAC key of the Standard Webhooks signature: for a `whsec_` secret the base64-decoded
    rest (as the standardwebhooks libraries read it), else the secret's UTF-8 bytes."""
    if secret.startswith(STANDARD_SECRET_PREFIX):
        encoded = secret.removeprefix(STANDARD_SECRET_PREFIX)
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    return secret.encode("utf-8")


def _check_secret(secret: str | None) -> str | None:
    if secret is None:
        return None
    if not secret.isprintable():
        raise ValueError("must not contain control characters")
    if secret.startswith(STANDARD_SECRET_PREFIX):
        try:
            key = standard_webhooks_key(secret)
        except (binascii.Error, ValueError):
            key = b""
        if not key:
            raise ValueError("a secret starting with whsec_ must continue with base64 text")
    return secret


def _check_triggers(triggers: list[str] | None) -> list[str] | None:
    if triggers is None:
        return None
    unknown = [t for t in triggers if t not in TRIGGERS]
    if not triggers or unknown:
        raise ValueError(
            f"must be a non-empty list of the triggers this service emits: {', '.join(TRIGGERS)}"
        )
    return sorted(set(triggers))


class WebhookCreate(BaseModel):
    """The body of a create call. Unknown fields are ignored, as on the reassign routes."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    subscriber_url: StrictStr = Field(alias="subscriberUrl", min_length=1, max_length=MAX_URL_LENGTH)
    active: StrictBool = True
    triggers: list[StrictStr] = Field(description=f"Non-empty subset of {', '.join(TRIGGERS)}")
    secret: StrictStr | None = Field(default=None, min_length=16, max_length=256)
    payload_template: StrictStr | None = Field(
        default=None, alias="payloadTemplate", max_length=MAX_TEMPLATE_LENGTH
    )

    _secret = field_validator("secret")(_check_secret)
    _triggers = field_validator("triggers")(_check_triggers)


class WebhookPatch(BaseModel):
    """The body of an update: any subset of the create fields. `secret: null` removes the secret,
    `payloadTemplate: null` the template."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    subscriber_url: StrictStr | None = Field(
        default=None, alias="subscriberUrl", min_length=1, max_length=MAX_URL_LENGTH
    )
    active: StrictBool | None = None
    triggers: list[StrictStr] | None = None
    secret: StrictStr | None = Field(default=None, min_length=16, max_length=256)
    payload_template: StrictStr | None = Field(
        default=None, alias="payloadTemplate", max_length=MAX_TEMPLATE_LENGTH
    )

    _secret = field_validator("secret")(_check_secret)
    _triggers = field_validator("triggers")(_check_triggers)

    @field_validator("subscriber_url", "active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent, by their stored names."""
        names = {
            "subscriber_url": "subscriberUrl",
            "active": "active",
            "triggers": "triggers",
            "secret": "secret",
            "payload_template": "payloadTemplate",
        }
        return {names[field]: getattr(self, field) for field in self.model_fields_set}
