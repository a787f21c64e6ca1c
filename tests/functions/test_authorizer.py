"""The REQUEST authorizer: API keys and managed-user tokens, looked up by hash (docs/api.md, Credentials)."""

from __future__ import annotations

from typing import Any

import pytest

from reassign_core.store.keys import credential_hash
from reassign_core.store.keys import rate_limit_id as limit_id
from tests.factories import MANAGED_TOKEN, OWNER_KEY, READONLY_TOKEN, LambdaContext, base_dataset

EXPIRED_KEY = "cal_expired_key_0123456789abcdef0123456789abcdef"
REVOKED_KEY = "cal_revoked_key_0123456789abcdef0123456789abcdef"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/v2/POST/bookings/b-1/reassign"


def authorizer_event(authorization: str | None) -> dict[str, Any]:
    headers = {"cal-api-version": "2024-08-13"} | (
        {"Authorization": authorization} if authorization is not None else {}
    )
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "resource": "/bookings/{bookingUid}/reassign",
        "path": "/bookings/b-1/reassign",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {},
        "pathParameters": {"bookingUid": "b-1"},
        "stageVariables": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "stage": "v2",
            "httpMethod": "POST",
            "path": "/v2/bookings/b-1/reassign",
            "resourcePath": "/bookings/{bookingUid}/reassign",
        },
    }


@pytest.fixture
def authorize(authorizer_app: Any, store: Any) -> Any:
    data = base_dataset()
    data["apiKeys"] += [
        {"key": EXPIRED_KEY, "userId": 1, "expiresAt": "2020-01-01T00:00:00Z"},
        {"key": REVOKED_KEY, "userId": 1, "revokedAt": "2026-01-01T00:00:00Z"},
    ]
    data["accessTokens"].append(
        {
            "token": "expired-token-0123456789abcdef0123456789abcdef",
            "userId": 2,
            "clientId": "client-write",
            "expiresAt": "2020-01-01T00:00:00Z",
        }
    )
    store.load(data)

    def call(authorization: str | None) -> dict[str, Any]:
        return authorizer_app.lambda_handler(authorizer_event(authorization), LambdaContext())

    return call


def test_api_key_is_allowed_on_every_route_with_the_user_in_context(authorize: Any) -> None:
    policy = authorize(f"Bearer {OWNER_KEY}")

    statement = policy["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:abc123/v2/*/*"]
    assert policy["context"] == {
        "userId": "1",
        "authMethod": "apiKey",
        "clientId": "",
        "credentialId": rate_limit_id(OWNER_KEY),
    }
    assert OWNER_KEY not in str(policy) and credential_hash(OWNER_KEY) not in str(policy)
    assert policy["principalId"] == "1"


def test_managed_user_token_acts_as_its_user(authorize: Any) -> None:
    policy = authorize(f"Bearer {MANAGED_TOKEN}")

    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"] == {
        "userId": "2",
        "authMethod": "accessToken",
        "clientId": "client-write",
        "credentialId": rate_limit_id(MANAGED_TOKEN),
    }


def test_token_whose_client_has_only_booking_read_is_allowed_the_read_routes_only(authorize: Any) -> None:
    policy = authorize(f"Bearer {READONLY_TOKEN}")

    statements = policy["policyDocument"]["Statement"]
    assert {s["Effect"] for s in statements} == {"Allow"}
    stage = "arn:aws:execute-api:us-east-1:123456789012:abc123/v2"
    assert sorted(r for s in statements for r in s["Resource"]) == [
        f"{stage}/GET/bookings/*/reassignment-candidates",
        f"{stage}/GET/bookings/*/reassignments",
    ]
    assert policy["context"] == {
        "userId": "2",
        "authMethod": "accessToken",
        "clientId": "client-read",
        "credentialId": rate_limit_id(READONLY_TOKEN),
    }


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        (
            ["WEBHOOK_READ"],
            ["GET/webhooks", "GET/webhooks/*", "GET/event-types/*/webhooks", "GET/event-types/*/webhooks/*"],
        ),
        (
            ["WEBHOOK_WRITE"],
            ["*/webhooks", "*/webhooks/*", "*/event-types/*/webhooks", "*/event-types/*/webhooks/*"],
        ),
        (["BOOKING_WRITE"], ["*/bookings/*"]),
        (
            ["BOOKING_READ", "WEBHOOK_READ"],
            [
                "GET/bookings/*/reassignment-candidates",
                "GET/bookings/*/reassignments",
                "GET/webhooks",
                "GET/webhooks/*",
                "GET/event-types/*/webhooks",
                "GET/event-types/*/webhooks/*",
            ],
        ),
    ],
)
def test_a_tokens_policy_names_exactly_the_routes_its_clients_permissions_open(
    authorizer_app: Any, store: Any, permissions: list[str], allowed: list[str]
) -> None:
    data = base_dataset()
    data["oauthClients"].append({"id": "client-x", "name": "X", "permissions": permissions})
    token = "scoped-token-0123456789abcdef0123456789"
    data["accessTokens"].append({"token": token, "userId": 2, "clientId": "client-x"})
    store.load(data)

    policy = authorizer_app.lambda_handler(authorizer_event(f"Bearer {token}"), LambdaContext())

    statements = policy["policyDocument"]["Statement"]
    assert {s["Effect"] for s in statements} == {"Allow"}
    stage = "arn:aws:execute-api:us-east-1:123456789012:abc123/v2/"
    assert sorted(r for s in statements for r in s["Resource"]) == sorted(stage + route for route in allowed)


def test_a_client_with_no_permission_of_this_service_is_denied_everywhere(
    authorizer_app: Any, store: Any
) -> None:
    data = base_dataset()
    data["oauthClients"].append({"id": "client-x", "name": "X", "permissions": ["PROFILE_READ"]})
    token = "profile-token-0123456789abcdef0123456789"
    data["accessTokens"].append({"token": token, "userId": 2, "clientId": "client-x"})
    store.load(data)

    policy = authorizer_app.lambda_handler(authorizer_event(f"Bearer {token}"), LambdaContext())

    (statement,) = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Resource"] == [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/v2/*/*"
    ]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {OWNER_KEY}",
        OWNER_KEY,
        "Bearer cal_unknown_key",
        f"Bearer {EXPIRED_KEY}",
        f"Bearer {REVOKED_KEY}",
        "Bearer expired-token-0123456789abcdef0123456789abcdef",
        "Bearer unknown-token",
        f"Bearer {OWNER_KEY}x",
        f"Bearer {OWNER_KEY.upper()}",
        "Bearer " + "a" * 16384,
    ],
)
def test_bad_credentials_are_unauthorized(authorize: Any, authorization: str | None) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(authorization)


def test_scheme_is_case_insensitive(authorize: Any) -> None:
    assert authorize(f"bearer {OWNER_KEY}")["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_more_than_one_authorization_header_is_401(authorizer_app: Any, store: Any) -> None:
    store.load(base_dataset())
    event = authorizer_event(f"Bearer {OWNER_KEY}")
    event["multiValueHeaders"]["Authorization"] = [f"Bearer {OWNER_KEY}", f"Bearer {OWNER_KEY}"]

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer_app.lambda_handler(event, LambdaContext())


def rate_limit_id(secret: str) -> str:
    return limit_id(credential_hash(secret))
