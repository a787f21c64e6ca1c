"""The subscriptions API through the local API (gateway, real authorizer, webhooks function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import ADMIN_KEY, MANAGED_TOKEN, OUTSIDER_KEY, OWNER_KEY
from tests.webhooks.conftest import (
    WEBHOOK_CLIENT_TOKEN,
    WEBHOOK_READER_TOKEN,
    Receiver,
    Wiring,
    host_key,
    webhook_dataset,
)

SECRET = "a secret long enough"


def new_webhook(url: str = "http://127.0.0.1:9/hook", **fields: Any) -> dict[str, Any]:
    return {"subscriberUrl": url, "triggers": ["BOOKING_REASSIGNED"], **fields}


def error(response: Any, status: int, code: str) -> str:
    assert response.status == status, response.body
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == code
    assert set(body) == {"status", "timestamp", "path", "error"}
    return str(body["error"]["message"])


@pytest.fixture
def api(wiring: Wiring, store: Any) -> Wiring:
    store.load(webhook_dataset())
    return wiring


def test_create_answers_the_secret_once_and_never_again(api: Wiring) -> None:
    created = api.call("POST", "/webhooks", new_webhook(secret=SECRET, payloadTemplate="{{payload.uid}}"))

    assert created.status == 201 and created.headers["Cache-Control"] == "no-store"
    data = created.json()["data"]
    assert data["secret"] == SECRET and data["hasSecret"] is True and data["userId"] == 1
    assert data["active"] is True and data["triggers"] == ["BOOKING_REASSIGNED"]
    webhook_id = data["id"]
    for response in (
        api.call("GET", f"/webhooks/{webhook_id}"),
        api.call("GET", "/webhooks"),
        api.call("PATCH", f"/webhooks/{webhook_id}", {"active": False}),
        api.call("DELETE", f"/webhooks/{webhook_id}"),
    ):
        assert response.status == 200, response.body
        assert SECRET not in response.body.decode()
        assert "secret" not in (response.json()["data"] if isinstance(response.json()["data"], dict) else {})


def test_the_secret_is_never_logged(api: Wiring, capfd: pytest.CaptureFixture[str]) -> None:
    webhook_id = api.call("POST", "/webhooks", new_webhook(secret=SECRET)).json()["data"]["id"]
    api.call("PATCH", f"/webhooks/{webhook_id}", {"secret": "another secret, also long"})
    api.call("POST", "/webhooks", new_webhook(secret="short"))  # refused: the value is not echoed

    out, err = capfd.readouterr()
    assert SECRET not in out + err and "another secret, also long" not in out + err
    assert "short" not in out + err


def test_list_is_oldest_first_with_take_and_skip(api: Wiring) -> None:
    ids = [api.call("POST", "/webhooks", new_webhook()).json()["data"]["id"] for _ in range(3)]

    assert [w["id"] for w in api.call("GET", "/webhooks").json()["data"]] == ids
    assert [w["id"] for w in api.call("GET", "/webhooks?take=1&skip=1").json()["data"]] == ids[1:2]
    error(api.call("GET", "/webhooks?take=0"), 400, "BadRequestException")
    error(api.call("GET", "/webhooks?take=251"), 400, "BadRequestException")


def test_someone_elses_webhook_is_not_found(api: Wiring) -> None:
    webhook_id = api.call("POST", "/webhooks", new_webhook()).json()["data"]["id"]

    for method, path in (
        ("GET", f"/webhooks/{webhook_id}"),
        ("PATCH", f"/webhooks/{webhook_id}"),
        ("DELETE", f"/webhooks/{webhook_id}"),
        ("GET", f"/webhooks/{webhook_id}/deliveries"),
        ("POST", f"/webhooks/{webhook_id}/ping"),
    ):
        response = api.call(
            method, path, {"active": False} if method == "PATCH" else None, token=OUTSIDER_KEY
        )
        assert error(response, 404, "NotFoundException") == f"Webhook with id={webhook_id} was not found"
    assert api.call("GET", f"/webhooks/{webhook_id}").json()["data"]["active"] is True
    assert api.call("GET", "/webhooks", token=OUTSIDER_KEY).json()["data"] == []


def test_patch_changes_only_what_it_names_and_null_removes(api: Wiring) -> None:
    webhook_id = api.call("POST", "/webhooks", new_webhook(secret=SECRET, payloadTemplate="x")).json()[
        "data"
    ]["id"]

    patched = api.call("PATCH", f"/webhooks/{webhook_id}", {"active": False, "payloadTemplate": None})

    data = patched.json()["data"]
    assert data["active"] is False and data["payloadTemplate"] is None and data["hasSecret"] is True
    removed = api.call("PATCH", f"/webhooks/{webhook_id}", {"secret": None}).json()["data"]
    assert removed["hasSecret"] is False and removed["active"] is False
    error(api.call("PATCH", f"/webhooks/{webhook_id}", {"active": None}), 400, "BadRequestException")
    refused = api.call("PATCH", f"/webhooks/{webhook_id}", {"subscriberUrl": "http://0xa9fea9fe/latest"})
    assert "private" in error(refused, 400, "BadRequestException")  # 169.254.169.254, as a hex literal


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (new_webhook(triggers=["BOOKING_CREATED"]), "BOOKING_REASSIGNED"),
        (new_webhook(triggers=[]), "BOOKING_REASSIGNED"),
        (new_webhook(secret="too short"), "secret"),
        (new_webhook(secret="whsec_!!!not base64!!!"), "base64"),
        (new_webhook(active="yes"), "active"),
        ({"triggers": ["BOOKING_REASSIGNED"]}, "subscriberUrl"),
        (new_webhook(url="ftp://127.0.0.1/x"), "subscriberUrl"),
        (new_webhook(url="http://10.0.0.5/x"), "private"),
        (new_webhook(url="http://[::ffff:169.254.169.254]/x"), "private"),
        (new_webhook(url="http://0x7f000001.example.test\\@10.1.2.3/"), "subscriberUrl"),
    ],
)
def test_bad_input_is_a_400_that_says_what_is_wrong(api: Wiring, body: dict[str, Any], words: str) -> None:
    assert words in error(api.call("POST", "/webhooks", body), 400, "BadRequestException")


def test_at_most_twenty_webhooks_per_owner(api: Wiring) -> None:
    for _ in range(20):
        assert api.call("POST", "/webhooks", new_webhook()).status == 201

    assert "At most 20" in error(api.call("POST", "/webhooks", new_webhook()), 400, "BadRequestException")
    first = api.call("GET", "/webhooks").json()["data"][0]["id"]
    api.call("DELETE", f"/webhooks/{first}")
    assert api.call("POST", "/webhooks", new_webhook()).status == 201
    assert api.call("POST", "/webhooks", new_webhook(), token=OUTSIDER_KEY).status == 201  # per owner


def test_event_type_webhooks_are_for_whoever_may_manage_the_event_type(api: Wiring) -> None:
    path = "/event-types/100/webhooks"
    created = api.call("POST", path, new_webhook())  # user 1 owns the event type's team
    assert created.status == 201 and created.json()["data"]["eventTypeId"] == 100
    webhook_id = created.json()["data"]["id"]

    assert api.call("GET", f"{path}/{webhook_id}", token=ADMIN_KEY).status == 200  # a system admin
    message = error(api.call("GET", path, token=OUTSIDER_KEY), 403, "ForbiddenException")
    assert "event type" in message
    error(api.call("POST", path, new_webhook(), token=host_key(2)), 403, "ForbiddenException")  # a mere host
    error(api.call("GET", "/event-types/999/webhooks"), 404, "NotFoundException")
    error(api.call("GET", "/event-types/abc/webhooks"), 400, "BadRequestException")
    error(api.call("GET", f"/webhooks/{webhook_id}"), 404, "NotFoundException")  # not a user webhook
    assert api.call("DELETE", f"{path}/{webhook_id}").json()["data"]["id"] == webhook_id
    error(api.call("GET", f"{path}/{webhook_id}"), 404, "NotFoundException")


# API Gateway's one answer to an authorizer Deny, whatever the route (see docs/api.md, Credentials).
DENIED_BY_THE_GATEWAY = "You do not have permission to reassign this booking"


def test_managed_user_tokens_need_the_webhook_scopes(api: Wiring, receivers: Callable[..., Receiver]) -> None:
    # An OAuth client with only BOOKING_WRITE: neither reads nor writes webhooks.
    for method, body in (("GET", None), ("POST", new_webhook())):
        message = error(api.call(method, "/webhooks", body, token=MANAGED_TOKEN), 403, "ForbiddenException")
        assert message == DENIED_BY_THE_GATEWAY
    # Clients with only WEBHOOK_WRITE / WEBHOOK_READ: WEBHOOK_READ reads, WEBHOOK_WRITE does both;
    # each acts as its user (user 2).
    receiver = receivers()
    created = api.call("POST", "/webhooks", new_webhook(receiver.url), token=WEBHOOK_CLIENT_TOKEN)
    assert created.status == 201 and created.json()["data"]["userId"] == 2
    webhook_id = created.json()["data"]["id"]
    assert (
        api.call("PATCH", f"/webhooks/{webhook_id}", {"active": True}, token=WEBHOOK_CLIENT_TOKEN).status
        == 200
    )
    assert api.call("POST", f"/webhooks/{webhook_id}/ping", token=WEBHOOK_CLIENT_TOKEN).status == 200
    listed = api.call("GET", "/webhooks", token=WEBHOOK_READER_TOKEN).json()["data"]
    assert [w["id"] for w in listed] == [webhook_id]
    for path in (f"/webhooks/{webhook_id}", f"/webhooks/{webhook_id}/deliveries"):
        assert api.call("GET", path, token=WEBHOOK_READER_TOKEN).status == 200
    # Past the gateway to the function, which refuses user 2: not a manager of the event type.
    not_manager = api.call("GET", "/event-types/100/webhooks", token=WEBHOOK_READER_TOKEN)
    assert "event type" in error(not_manager, 403, "ForbiddenException")
    for method, path in (("DELETE", f"/webhooks/{webhook_id}"), ("POST", f"/webhooks/{webhook_id}/ping")):
        denied = error(api.call(method, path, token=WEBHOOK_READER_TOKEN), 403, "ForbiddenException")
        assert denied == DENIED_BY_THE_GATEWAY
    # The webhook permissions open no booking route.
    for token in (WEBHOOK_CLIENT_TOKEN, WEBHOOK_READER_TOKEN):
        reassign = api.call("POST", "/bookings/b-1/reassign", {}, token=token)
        assert error(reassign, 403, "ForbiddenException") == DENIED_BY_THE_GATEWAY
        candidates = api.call("GET", "/bookings/b-1/reassignment-candidates", token=token)
        assert error(candidates, 403, "ForbiddenException") == DENIED_BY_THE_GATEWAY
    assert api.call("DELETE", f"/webhooks/{webhook_id}", token=WEBHOOK_CLIENT_TOKEN).status == 200


def test_ping_answers_with_the_receivers_status_and_logs_a_delivery(
    api: Wiring, receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers([418])
    webhook_id = api.call("POST", "/webhooks", new_webhook(receiver.url, secret=SECRET)).json()["data"]["id"]

    ping = api.call("POST", f"/webhooks/{webhook_id}/ping")

    assert ping.status == 200, ping.body
    assert ping.json()["data"]["statusCode"] == 418 and ping.json()["data"]["error"] == "HTTP 418"
    (hit,) = receiver.hits
    assert hit.json()["triggerEvent"] == "PING" and hit.headers["webhook-signature"].startswith("v1,")
    (logged,) = api.call("GET", f"/webhooks/{webhook_id}/deliveries").json()["data"]
    assert logged["triggerEvent"] == "PING" and logged["status"] == "failed" and logged["attempts"] == 1
    assert logged["eventId"] == hit.headers["webhook-id"]


def test_a_ping_answered_410_deactivates_the_webhook(api: Wiring, receivers: Callable[..., Receiver]) -> None:
    gone = receivers([410])
    webhook_id = api.call("POST", "/webhooks", new_webhook(gone.url)).json()["data"]["id"]

    ping = api.call("POST", f"/webhooks/{webhook_id}/ping")

    assert ping.status == 200 and ping.json()["data"]["statusCode"] == 410
    assert len(gone.hits) == 1
    assert api.call("GET", f"/webhooks/{webhook_id}").json()["data"]["active"] is False
    (logged,) = api.call("GET", f"/webhooks/{webhook_id}/deliveries").json()["data"]
    assert logged["status"] == "failed" and logged["lastStatusCode"] == 410


def test_creating_a_webhook_never_contacts_it(api: Wiring, receivers: Callable[..., Receiver]) -> None:
    receiver = receivers()

    webhook_id = api.call("POST", "/webhooks", new_webhook(receiver.url)).json()["data"]["id"]
    api.call("PATCH", f"/webhooks/{webhook_id}", {"subscriberUrl": receiver.url + "/other"})

    assert receiver.hits == []


def test_unauthenticated_calls_get_the_gateways_401(api: Wiring) -> None:
    response = api.api.handle("GET", "/v2/webhooks", {})
    error(response, 401, "UnauthorizedException")
    assert api.call("GET", "/webhooks", token=OWNER_KEY).status == 200


def test_a_body_that_is_not_json_and_unknown_query_parameters_are_400s(api: Wiring) -> None:
    form = api.api.handle(
        "POST",
        "/v2/webhooks",
        {"Authorization": f"Bearer {OWNER_KEY}", "Content-Type": "application/x-www-form-urlencoded"},
        "subscriberUrl=http://127.0.0.1/",
    )
    assert "JSON" in error(form, 400, "BadRequestException")
    assert "JSON" in error(
        api.api.handle("POST", "/v2/webhooks", {"Authorization": f"Bearer {OWNER_KEY}"}, "{not json"),
        400,
        "BadRequestException",
    )
    assert "'tkae'" in error(api.call("GET", "/webhooks?tkae=1"), 400, "BadRequestException")
    assert api.call("GET", "/webhooks?take=1").status == 200
