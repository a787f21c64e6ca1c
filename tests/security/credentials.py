"""Credentials of every kind, API Gateway's REQUEST authorizer event, and what the authorizer answered."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from tests.factories import (
    ADMIN_KEY,
    MANAGED_TOKEN,
    OUTSIDER_KEY,
    OWNER_KEY,
    READONLY_TOKEN,
    LambdaContext,
    base_dataset,
)

EXPIRED_KEY = "cal_test_expired_key_0123456789abcdef0123456789abcdef"
REVOKED_KEY = "cal_test_revoked_key_0123456789abcdef0123456789abcdef"
EXPIRED_TOKEN = "expired-user-token-0123456789abcdef0123456789abcdef"
REVOKED_TOKEN = "revoked-user-token-0123456789abcdef0123456789abcdef"
# Its OAuth client was deleted after it was issued.
ORPHAN_TOKEN = "orphan-user-token-0123456789abcdef0123456789abcdef"
# Its client has no permission that opens a route here.
UNSCOPED_TOKEN = "unscoped-user-token-0123456789abcdef0123456789abcdef"

# The credential → what the authorizer must answer.
EXPECTED = {
    OWNER_KEY: "allow:1",
    OUTSIDER_KEY: "allow:6",
    ADMIN_KEY: "allow:7",
    MANAGED_TOKEN: "allow:2",
    READONLY_TOKEN: "read:2",  # its client has BOOKING_READ only: the read routes, nothing else
    UNSCOPED_TOKEN: "deny",
    EXPIRED_KEY: "unauthorized",
    REVOKED_KEY: "unauthorized",
    EXPIRED_TOKEN: "unauthorized",
    REVOKED_TOKEN: "unauthorized",
    ORPHAN_TOKEN: "unauthorized",
}
SECRETS = tuple(EXPECTED)

ACCOUNT_API_STAGE = "arn:aws:execute-api:us-east-1:123456789012:abc123/v2"
ROUTE_ARNS = (
    f"{ACCOUNT_API_STAGE}/POST/bookings/b-1/reassign",
    f"{ACCOUNT_API_STAGE}/POST/bookings/b-1/reassign/3",
)
READ_ROUTE_ARNS = (
    f"{ACCOUNT_API_STAGE}/GET/bookings/b-1/reassignment-candidates",
    f"{ACCOUNT_API_STAGE}/GET/bookings/b-1/reassignments",
)


def security_dataset() -> dict[str, Any]:
    data = base_dataset()
    data["apiKeys"] += [
        {"key": EXPIRED_KEY, "userId": 1, "expiresAt": "2020-01-01T00:00:00Z"},
        {"key": REVOKED_KEY, "userId": 1, "revokedAt": "2025-01-01T00:00:00Z"},
    ]
    data["accessTokens"] += [
        {"token": EXPIRED_TOKEN, "userId": 2, "clientId": "client-write",
         "expiresAt": "2020-01-01T00:00:00Z"},
        {"token": REVOKED_TOKEN, "userId": 2, "clientId": "client-write", "expiresAt": "2099-01-01T00:00:00Z",
         "revokedAt": "2025-01-01T00:00:00Z"},
        {"token": UNSCOPED_TOKEN, "userId": 2, "clientId": "client-unscoped",
         "expiresAt": "2099-01-01T00:00:00Z"},
    ]  # fmt: skip
    data["oauthClients"] += [{"id": "client-unscoped", "name": "Unscoped", "permissions": ["PROFILE_READ"]}]
    return data


def authorizer_event(headers: dict[str, str] | None, method_arn: str = ROUTE_ARNS[0]) -> dict[str, Any]:
    """What API Gateway sends a REQUEST authorizer for POST /v2/bookings/b-1/reassign."""
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": "/bookings/{bookingUid}/reassign",
        "path": "/bookings/b-1/reassign",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} if headers is not None else None,
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {"bookingUid": "b-1"},
        "stageVariables": {},
        "requestContext": {
            "path": "/v2/bookings/b-1/reassign",
            "accountId": "123456789012",
            "resourceId": "r1",
            "stage": "v2",
            "requestId": "req-1",
            "identity": {"sourceIp": "203.0.113.7"},
            "resourcePath": "/bookings/{bookingUid}/reassign",
            "httpMethod": "POST",
            "apiId": "abc123",
        },
    }


def authorize(authorizer_app: Any, authorization: str | None, header: str = "Authorization") -> str:
    """'allow:<userId>' (every route), 'read:<userId>' (the read routes only), 'deny' or
    'unauthorized'; anything else the authorizer does fails the test."""
    headers = None if authorization is None else {header: authorization}
    try:
        response = authorizer_app.lambda_handler(authorizer_event(headers), LambdaContext())
    except Exception as error:
        # API Gateway answers 401 only for exactly this; any other exception would be a 500.
        assert type(error) is Exception and error.args == ("Unauthorized",), repr(error)
        return "unauthorized"
    statements = response["policyDocument"]["Statement"]
    effects = {s["Effect"] for s in statements}
    assert len(effects) == 1, response
    # The policy is cached for the token and reused on every route: it must speak for all of them,
    # whichever route it was asked for.
    covered = [
        any(fnmatchcase(route, r) for s in statements for r in s["Resource"])
        for route in ROUTE_ARNS + READ_ROUTE_ARNS
    ]
    if effects == {"Deny"}:
        assert all(covered), response
        return "deny"
    assert effects == {"Allow"}
    assert response["principalId"] == response["context"]["userId"]
    if all(covered):
        return f"allow:{response['context']['userId']}"
    assert covered == [False] * len(ROUTE_ARNS) + [True] * len(READ_ROUTE_ARNS), response
    return f"read:{response['context']['userId']}"


MALFORMED = [
    None,
    "",
    " ",
    "Bearer",
    "Bearer ",
    "Bearer    ",
    "bearer\t",
    "Bearer null",
    "Bearer undefined",
    "Basic dXNlcjpwYXNzd29yZA==",
    f"Basic {SECRETS[0]}",
    f"Token {SECRETS[0]}",
    f"Bearer{SECRETS[0]}",
    SECRETS[0],  # no scheme
    f"Bearer {SECRETS[0]} {SECRETS[0]}",
    f"Bearer {SECRETS[0]},Bearer {SECRETS[1]}",
    f"Bearer\x00{SECRETS[0]}",
    f"Bearer {SECRETS[0]}\x00",
    f"Bearer {SECRETS[0]}\r\nX-Injected: 1",
    f"Bearer \u202e{SECRETS[0]}",  # right-to-left override
    f"Bearer {SECRETS[0]}\u200b",  # zero-width space (not whitespace to Python either)
    f"Bearer {SECRETS[0].replace('a', '\u0430')}",  # Cyrillic homoglyph of a Latin letter
    "Bearer \x7f\x1b[31m",
    "Bearer " + "é" * 64,
    "Bearer 🔑🔑🔑",
    "Bearer " + "A" * 16 * 1024,  # 16 KB
    "Bearer cal_" + "x" * 16 * 1024,
    "Bearer " + "a" * 1025,
    "Bearer cal_",
    "Bearer ' OR '1'='1",
    'Bearer {"$ne": null}',
    "Bearer ../../../etc/passwd",
    "Bearer %00",
]


def near_misses(secret: str) -> list[str]:
    positions = (0, len(secret) // 2, len(secret) - 1)
    changed = [secret[:i] + chr(ord(secret[i]) ^ 1) + secret[i + 1 :] for i in positions]
    cased = [secret.upper(), secret.swapcase(), secret.title(), secret[0].upper() + secret[1:]]
    return [
        m
        for m in {*changed, *cased, secret[:-1], secret[1:], secret + "0", "x" + secret, secret[:-1] + " "}
        if m != secret
    ]
