"""Bearer credentials → the user they act for (pure, against an in-memory lookup)."""

from __future__ import annotations

from typing import Any

import pytest

from reassign_core.services.authentication import Grant, Verdict, bearer_token, resolve_credentials
from reassign_core.store import keys
from reassign_core.store.keys import credential_hash


def rate_id(secret: str) -> str:
    return keys.rate_limit_id(credential_hash(secret))


class Lookup:
    def __init__(self, items: dict[str, dict[str, Any]]) -> None:
        self.items = items
        self.asked: list[str] = []

    def get(self, key: dict[str, str]) -> dict[str, Any] | None:
        self.asked.append(key["PK"])
        return self.items.get(key["PK"])


def lookup_with(**records: dict[str, Any]) -> Lookup:
    return Lookup(
        {
            keys.api_key(keys.credential_hash(k))["PK"]
            if k.startswith("cal_")
            else keys.access_token(keys.credential_hash(k))["PK"]: v
            for k, v in records.items()
        }
    )


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER  abc ", "abc"),
        ("Bearer", None),
        ("", None),
        (None, None),
        ("Basic abc", None),
        ("Bearer a b", None),
        ("Bearer caf\u00e9", None),
        ("Bearer a\x00b", None),
        ("Bearer " + "a" * 1025, None),
    ],
)
def test_bearer_token_parsing(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_api_key_resolves_to_its_user_by_digest_only() -> None:
    store = lookup_with(cal_abc={"userId": 4})

    grant = resolve_credentials("Bearer cal_abc", store)

    assert grant == Grant(4, "apiKey", None, credential_id=rate_id("cal_abc"))
    assert all("cal_abc" not in asked for asked in store.asked)
    # The rate limit's name for the key is neither the key nor the credentials table's key.
    assert isinstance(grant, Grant) and credential_hash("cal_abc") not in grant.credential_id


def test_expired_and_revoked_keys_are_refused() -> None:
    store = lookup_with(
        cal_old={"userId": 4, "expiresAt": "2020-01-01T00:00:00.000Z"},
        cal_gone={"userId": 4, "revokedAt": "2026-01-01T00:00:00.000Z"},
    )

    assert resolve_credentials("Bearer cal_old", store) is Verdict.EXPIRED
    assert resolve_credentials("Bearer cal_gone", store) is Verdict.REVOKED


def test_token_is_scoped_by_its_clients_permissions() -> None:
    store = lookup_with(
        tok1={"userId": 2, "clientId": "w"},
        tok2={"userId": 2, "clientId": "r"},
        tok3={"userId": 2, "clientId": "missing"},
        tok4={"userId": 2, "clientId": "n"},
        tok5={"userId": 2, "clientId": "rw"},
        tok6={"userId": 2, "clientId": "none"},
    )
    store.items["CLIENT#w"] = {"permissions": ["BOOKING_WRITE"]}
    store.items["CLIENT#r"] = {"permissions": ["BOOKING_READ"]}
    store.items["CLIENT#n"] = {"permissions": ["WEBHOOK_READ"]}
    store.items["CLIENT#rw"] = {"permissions": ["BOOKING_READ", "BOOKING_WRITE", "PROFILE_READ"]}
    store.items["CLIENT#none"] = {"permissions": ["PROFILE_READ"]}

    assert resolve_credentials("Bearer tok1", store) == Grant(
        2, "accessToken", "w", frozenset({"BOOKING_WRITE"}), rate_id("tok1")
    )
    assert resolve_credentials("Bearer tok2", store) == Grant(
        2, "accessToken", "r", frozenset({"BOOKING_READ"}), rate_id("tok2")
    )
    assert resolve_credentials("Bearer tok3", store) is Verdict.UNKNOWN
    assert resolve_credentials("Bearer tok4", store) == Grant(
        2, "accessToken", "n", frozenset({"WEBHOOK_READ"}), rate_id("tok4")
    )
    # Permissions that open no route of this service are dropped; none left is a refusal.
    rw = frozenset({"BOOKING_READ", "BOOKING_WRITE"})
    assert resolve_credentials("Bearer tok5", store) == Grant(2, "accessToken", "rw", rw, rate_id("tok5"))
    assert resolve_credentials("Bearer tok6", store) is Verdict.FORBIDDEN
    assert rate_id("tok1") != rate_id("tok5")  # each credential counts on its own


def test_each_permission_opens_only_its_own_routes() -> None:
    def routes(*permissions: str) -> set[tuple[str, str]]:
        return set(Grant(2, "accessToken", "c", frozenset(permissions)).routes() or ())

    assert Grant(1, "apiKey", None).routes() is None  # an API key: every route
    assert routes("WEBHOOK_READ") == {
        ("GET", "/webhooks"),
        ("GET", "/webhooks/*"),
        ("GET", "/event-types/*/webhooks"),
        ("GET", "/event-types/*/webhooks/*"),
    }
    assert {method for method, _ in routes("WEBHOOK_WRITE")} == {"*"}
    assert all(resource.startswith("/bookings/") for _, resource in routes("BOOKING_READ", "BOOKING_WRITE"))
