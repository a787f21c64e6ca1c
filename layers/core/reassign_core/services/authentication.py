"""Bearer credentials → the user they act for. Secrets are hashed at once and never logged."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from reassign_core.domain.timeutil import parse_iso, utc_now
from reassign_core.store import keys
from reassign_core.webhooks.access import WEBHOOK_READ, WEBHOOK_WRITE

API_KEY_PREFIX = "cal_"
BOOKING_WRITE = "BOOKING_WRITE"
BOOKING_READ = "BOOKING_READ"
MAX_TOKEN_LENGTH = 1024

# The routes (method, resource; `*` matches across slashes) each OAuth client permission opens to
# a managed-user token. A permission opens only its own family: BOOKING_* never a webhook route.
_WEBHOOK_RESOURCES = ("/webhooks", "/webhooks/*", "/event-types/*/webhooks", "/event-types/*/webhooks/*")
ROUTES_BY_PERMISSION: dict[str, tuple[tuple[str, str], ...]] = {
    BOOKING_WRITE: (("*", "/bookings/*"),),
    BOOKING_READ: (
        ("GET", "/bookings/*/reassignment-candidates"),
        ("GET", "/bookings/*/reassignments"),
    ),
    WEBHOOK_WRITE: tuple(("*", resource) for resource in _WEBHOOK_RESOURCES),
    WEBHOOK_READ: tuple(("GET", resource) for resource in _WEBHOOK_RESOURCES),
}


class Verdict(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    method: str  # "apiKey" or "accessToken"
    client_id: str | None
    # A managed-user token's OAuth client permissions that open routes; None for an API key,
    # which may call every route.
    permissions: frozenset[str] | None = None

    def routes(self) -> tuple[tuple[str, str], ...] | None:
        """The routes this grant may call, or None for all of them."""
        if self.permissions is None:
            return None
        return tuple(route for p in sorted(self.permissions) for route in ROUTES_BY_PERMISSION[p])

    # Names the credential in its rate-limit counters (keys.rate_limit_id): never the token itself.
    credential_id: str = ""


class CredentialLookup(Protocol):
    def get(self, key: dict[str, str]) -> dict[str, Any] | None: ...


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    # HTTP's optional whitespace is space and tab only: any other character is part of the token.
    scheme, _, token = authorization.strip(" \t").partition(" ")
    token = token.strip(" \t")
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if not token.isascii() or not token.isprintable() or " " in token:
        return None
    return token


def _lapsed(record: dict[str, Any]) -> Verdict | None:
    if record.get("revokedAt"):
        return Verdict.REVOKED
    expires = record.get("expiresAt")
    if expires and parse_iso(expires) <= utc_now():
        return Verdict.EXPIRED
    return None


def resolve_credentials(authorization: str | None, store: CredentialLookup) -> Grant | Verdict:
    token = bearer_token(authorization)
    if token is None:
        return Verdict.MALFORMED
    digest = keys.credential_hash(token)
    if token.startswith(API_KEY_PREFIX):
        record = store.get(keys.api_key(digest))
        if record is None:
            return Verdict.UNKNOWN
        return _lapsed(record) or Grant(
            record["userId"], "apiKey", None, credential_id=keys.rate_limit_id(digest)
        )

    record = store.get(keys.access_token(digest))
    if record is None:
        return Verdict.UNKNOWN
    if lapsed := _lapsed(record):
        return lapsed
    client = store.get(keys.oauth_client(record["clientId"]))
    if client is None:
        return Verdict.UNKNOWN
    permissions = frozenset(client.get("permissions", [])) & ROUTES_BY_PERMISSION.keys()
    if not permissions:
        return Verdict.FORBIDDEN
    return Grant(record["userId"], "accessToken", record["clientId"], permissions, keys.rate_limit_id(digest))
