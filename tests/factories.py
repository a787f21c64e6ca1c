"""Small builders for datasets (docs/dataset.md format) and Lambda plumbing used across the tests."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from local import lambda_runtime

OWNER_KEY = "cal_test_owner_key_0123456789abcdef0123456789abcdef"
OUTSIDER_KEY = "cal_test_outsider_key_0123456789abcdef0123456789abcdef"
ADMIN_KEY = "cal_test_admin_key_0123456789abcdef0123456789abcdef"
MANAGED_TOKEN = "managed-user-token-0123456789abcdef0123456789abcdef"
READONLY_TOKEN = "readonly-user-token-0123456789abcdef0123456789abcdef"
API_VERSION = "2024-08-13"

ALWAYS = [{"days": [0, 1, 2, 3, 4, 5, 6], "startTime": "00:00", "endTime": "24:00"}]


# The local tools' Lambda context, as the reassign function sees it in every test.
LambdaContext = partial(
    lambda_runtime.LambdaContext,
    function_name="ReassignFunction",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ReassignFunction",
    aws_request_id="00000000-0000-0000-0000-000000000000",
    timeout_seconds=10,
)


def user(user_id: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    name = name or f"Host {user_id}"
    return {
        "id": user_id,
        "username": f"user{user_id}",
        "name": name,
        "email": f"user{user_id}@example.test",
        "timeZone": "UTC",
        "defaultScheduleId": 1000 + user_id,
        **extra,
    }


def schedule(
    schedule_id: int,
    user_id: int,
    availability: list[dict[str, Any]] | None = None,
    time_zone: str = "UTC",
    overrides: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": schedule_id,
        "userId": user_id,
        "timeZone": time_zone,
        "availability": ALWAYS if availability is None else availability,
        "dateOverrides": overrides or [],
    }


def booking(
    uid: str,
    organizer: int,
    start: str = "2050-01-07T13:00:00Z",
    end: str = "2050-01-07T14:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "uid": uid,
        "eventTypeId": 100,
        "userId": organizer,
        "title": "Discovery call between someone and Bob",
        "startTime": start,
        "endTime": end,
        "status": "ACCEPTED",
        "createdAt": "2026-11-20T08:00:00Z",
        "attendees": [{"name": "Bob", "email": "bob@customer.test", "timeZone": "Europe/London"}],
        "responses": {"name": "Bob", "email": "bob@customer.test"},
        **extra,
    }


def base_dataset(round_robin: tuple[int, ...] = (2, 3, 4), fixed: tuple[int, ...] = ()) -> dict[str, Any]:
    """User 1 owns team 5 (and calls with OWNER_KEY); round-robin hosts are free around the clock;
    booking `b-1` belongs to the first round-robin host. User 6 is an outsider, 7 a system admin."""
    host_ids = (*fixed, *round_robin)
    no_schedule = {"defaultScheduleId": None}
    users = [
        user(1, "Owner", **no_schedule),
        *(user(i) for i in host_ids),
        user(6, "Outsider", **no_schedule),
        user(7, "Root", role="ADMIN", **no_schedule),
    ]
    return copy.deepcopy(
        {
            "users": users,
            "apiKeys": [
                {"key": OWNER_KEY, "userId": 1},
                {"key": OUTSIDER_KEY, "userId": 6},
                {"key": ADMIN_KEY, "userId": 7},
            ],
            "oauthClients": [
                {"id": "client-write", "name": "Writer", "permissions": ["BOOKING_WRITE"]},
                {"id": "client-read", "name": "Reader", "permissions": ["BOOKING_READ"]},
            ],
            "accessTokens": [
                {
                    "token": MANAGED_TOKEN,
                    "userId": round_robin[0],
                    "clientId": "client-write",
                    "expiresAt": "2099-01-01T00:00:00Z",
                },
                {
                    "token": READONLY_TOKEN,
                    "userId": round_robin[0],
                    "clientId": "client-read",
                    "expiresAt": "2099-01-01T00:00:00Z",
                },
            ],
            "teams": [
                {"id": 5, "name": "Sales", "parentId": None, "members": [{"userId": 1, "role": "OWNER"}]}
            ],
            "schedules": [schedule(1000 + i, i) for i in host_ids],
            "outOfOffice": [],
            "eventTypes": [
                {
                    "id": 100,
                    "title": "Discovery call",
                    "slug": "discovery",
                    "length": 60,
                    "teamId": 5,
                    "schedulingType": "ROUND_ROBIN",
                    "hosts": [{"userId": i, "isFixed": i in fixed} for i in host_ids],
                }
            ],
            "bookings": [booking("b-1", (fixed or round_robin)[0])],
        }
    )


def http_event(
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    user_id: int | None = 1,
    api_version: str | None = API_VERSION,
) -> dict[str, Any]:
    """A REST (v1) proxy event as API Gateway sends it after the authorizer allowed the call."""
    resource_path = path
    parts = path.strip("/").split("/")
    path_parameters: dict[str, str] = {}
    if len(parts) >= 3 and parts[0] == "bookings":
        path_parameters["bookingUid"] = parts[1]
        resource_path = "/bookings/{bookingUid}/reassign"
        if len(parts) == 4:
            path_parameters["userId"] = parts[3]
            resource_path += "/{userId}"
    version = {"cal-api-version": api_version} if api_version is not None else {}
    all_headers = {**version, "Content-Type": "application/json", **(headers or {})}
    stage = "v2"
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": "POST",
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource_path,
            "httpMethod": "POST",
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": "req-1",
            "accountId": "123456789012",
            "apiId": "abc123",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {
                "userId": str(user_id),
                "authMethod": "apiKey",
                "clientId": "",
                "principalId": str(user_id),
            }
            if user_id is not None
            else {},
        },
        "body": body,
        "isBase64Encoded": False,
    }
