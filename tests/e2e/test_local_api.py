"""End to end over HTTP: gateway responses, authorizer, function, store — as a client sees them."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.factories import API_VERSION, MANAGED_TOKEN, OUTSIDER_KEY, OWNER_KEY, READONLY_TOKEN, base_dataset


def post(url: str, token: str | None = OWNER_KEY, body: Any = None, **headers: str) -> requests.Response:
    sent = {"cal-api-version": API_VERSION, **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = json.dumps(body) if body is not None else None
    return requests.post(url, headers=sent, data=data, timeout=30)


def envelope(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == code
    assert set(body) == {"status", "timestamp", "path", "error"}
    return body


def test_reassign_with_an_api_key_over_http(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    response = post(f"{base_url}/bookings/b-1/reassign")

    assert response.status_code == 200
    assert response.json()["data"]["reassignedTo"]["id"] == 3
    assert store.booking("b-1")["userId"] == 3


def test_reassign_with_a_managed_user_token_acts_as_that_user(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    response = post(f"{base_url}/bookings/b-1/reassign/4", token=MANAGED_TOKEN, body={"reason": "swap"})

    assert response.status_code == 200
    assert store.booking("b-1")["reassignedById"] == 2


def test_missing_credentials_are_401_from_the_gateway(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    body = envelope(post(f"{base_url}/bookings/b-1/reassign", token=None), 401, "UnauthorizedException")

    assert body["path"] == "/v2/bookings/{bookingUid}/reassign"  # the route: nothing the caller shaped


def test_unknown_key_is_401_without_a_hint(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    body = envelope(post(f"{base_url}/bookings/b-1/reassign", token="cal_nope"), 401, "UnauthorizedException")

    assert body["error"]["message"] == "Unauthorized"


def test_token_without_booking_write_is_403(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    envelope(post(f"{base_url}/bookings/b-1/reassign", token=READONLY_TOKEN), 403, "ForbiddenException")


def test_caller_outside_the_team_is_403_from_the_function(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    envelope(post(f"{base_url}/bookings/b-1/reassign", token=OUTSIDER_KEY), 403, "ForbiddenException")


def test_api_version_is_checked_after_credentials(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    envelope(
        post(f"{base_url}/bookings/b-1/reassign", token=None, **{"cal-api-version": "x"}),
        401,
        "UnauthorizedException",
    )
    envelope(
        post(f"{base_url}/bookings/b-1/reassign", **{"cal-api-version": "x"}), 400, "BadRequestException"
    )


def test_unknown_route_is_404_envelope(base_url: str, store: Any) -> None:
    store.load(base_dataset())

    envelope(post(f"{base_url}/bookings/b-1/unassign"), 404, "NotFoundException")
    envelope(requests.get(f"{base_url}/bookings/b-1/reassign", timeout=30), 404, "NotFoundException")


def test_idempotency_key_replays_the_first_answer_over_http(base_url: str, store: Any) -> None:
    store.load(base_dataset())
    url = f"{base_url}/bookings/b-1/reassign"

    first = post(url, **{"Idempotency-Key": "retry-1"})
    second = post(url, **{"Idempotency-Key": "retry-1"})

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(store.scan("OutboxTable")) == 1


def test_concurrent_requests_are_served_and_never_double_book(base_url: str, store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4, 8, 9))
    data["bookings"] = [
        {
            **data["bookings"][0],
            "uid": f"b-{i}",
            "userId": 2 if i % 2 else 3,
            "attendees": [{"name": f"Guest {i}", "email": f"guest{i}@customer.test"}],
        }
        for i in range(6)
    ]
    store.load(data)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda i: post(f"{base_url}/bookings/b-{i}/reassign"), range(6)))

    assert {r.status_code for r in responses} <= {200, 400, 409}
    organizers = [store.booking(f"b-{i}")["userId"] for i in range(6)]
    # Every booking shares one slot: hosts 4, 8, 9 are free for it, 2 and 3 each hold several.
    moved = [r.json()["data"]["reassignedTo"]["id"] for r in responses if r.status_code == 200]
    assert len(moved) == len(set(moved)), "a host received two overlapping bookings"
    assert set(moved) <= {4, 8, 9}
    for response, organizer in zip(responses, organizers, strict=True):
        if response.status_code == 200:
            assert organizer == response.json()["data"]["reassignedTo"]["id"]
