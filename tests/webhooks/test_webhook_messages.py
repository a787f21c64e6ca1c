"""Pure webhook rules: matching an event to webhooks, the body, payload templates, both
signatures and the retry schedule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
import standardwebhooks

from reassign_core.domain.models import UserProfile
from reassign_core.webhooks.events import ReassignmentEvent, event_body, matching_webhooks
from reassign_core.webhooks.rendering import fill_template, render_body
from reassign_core.webhooks.retry import RetrySchedule, parse_delays
from reassign_core.webhooks.signing import delivery_headers
from reassign_core.webhooks.subscriptions import Owner, OwnerKind, Webhook, WebhookCreate


def outbox_item(**changes: Any) -> dict[str, Any]:
    item = {
        "PK": "e-1",
        "eventId": "e-1",
        "type": "BOOKING_REASSIGNED",
        "bookingUid": "b-1",
        "eventTypeId": 100,
        "fromUserId": 2,
        "toUserId": 3,
        "reassignedById": 1,
        "reassignType": "manual",
        "reason": "swap",
        "at": "2026-12-02T10:00:00.000Z",
        "bookingVersion": 7,
        "booking": {
            "title": "Call",
            "startTime": "2050-01-07T13:00:00.000Z",
            "endTime": "2050-01-07T14:00:00.000Z",
            "status": "ACCEPTED",
            "organizerId": 5,
            "attendees": [{"name": "Bob", "email": "bob@y.test", "timeZone": "Europe/London"}],
        },
    }
    return item | changes


def webhook(webhook_id: str, kind: OwnerKind, owner: int, active: bool = True) -> Webhook:
    return Webhook(
        webhook_id, Owner(kind, owner), "https://x.test", active, ("BOOKING_REASSIGNED",), None, None, "t"
    )


def test_matching_takes_the_three_users_and_the_event_type_each_webhook_once() -> None:
    event = ReassignmentEvent.from_outbox(outbox_item())
    user = OwnerKind.USER
    by_owner = {
        Owner(user, 2): [webhook("prev", user, 2), webhook("off", user, 2, active=False)],
        Owner(user, 3): [webhook("new", user, 3)],
        Owner(user, 5): [webhook("organizer", user, 5)],
        Owner(user, 1): [webhook("actor", user, 1)],  # who reassigned is not subscribed by this
        Owner(OwnerKind.EVENT_TYPE, 100): [webhook("et", OwnerKind.EVENT_TYPE, 100)],
        Owner(OwnerKind.EVENT_TYPE, 101): [webhook("other-et", OwnerKind.EVENT_TYPE, 101)],
    }

    assert [w.id for w in matching_webhooks(event, by_owner)] == ["prev", "new", "organizer", "et"]
    assert event.owners() == [
        Owner(user, 2),
        Owner(user, 3),
        Owner(user, 5),
        Owner(OwnerKind.EVENT_TYPE, 100),
    ]


def test_the_same_user_in_two_roles_is_asked_once() -> None:
    event = ReassignmentEvent.from_outbox(outbox_item(booking={**outbox_item()["booking"], "organizerId": 3}))
    assert event.owners() == [
        Owner(OwnerKind.USER, 2),
        Owner(OwnerKind.USER, 3),
        Owner(OwnerKind.EVENT_TYPE, 100),
    ]
    only = [webhook("new", OwnerKind.USER, 3)]
    assert [w.id for w in matching_webhooks(event, {Owner(OwnerKind.USER, 3): only})] == ["new"]


def test_other_outbox_items_are_not_events() -> None:
    with pytest.raises(ValueError, match="BOOKING_REASSIGNED"):
        ReassignmentEvent.from_outbox(outbox_item(type="SOMETHING_ELSE"))
    with pytest.raises(ValueError, match="lacks"):
        ReassignmentEvent.from_outbox({k: v for k, v in outbox_item().items() if k != "toUserId"})


def test_the_body_names_everyone_with_profiles() -> None:
    profiles = {
        1: UserProfile(1, "Ana", "ana@x.test", "Europe/Rome", None),
        2: UserProfile(2, "Bo", "bo@x.test", "UTC", None),
        3: UserProfile(3, "Cy", "cy+clxyz0123456789abcdefghij@x.test", "Asia/Tokyo", None),
    }
    body = event_body(ReassignmentEvent.from_outbox(outbox_item()), profiles)

    assert body["triggerEvent"] == "BOOKING_REASSIGNED" and body["createdAt"] == "2026-12-02T10:00:00.000Z"
    payload = body["payload"]
    assert payload["reassignedBy"] == {"id": 1, "name": "Ana", "email": "ana@x.test"}
    assert payload["previousHost"] == {"id": 2, "name": "Bo", "email": "bo@x.test"}
    assert payload["newHost"] == {
        "id": 3,
        "name": "Cy",
        "email": "cy+clxyz0123456789abcdefghij@x.test",
        "displayEmail": "cy@x.test",
        "timeZone": "Asia/Tokyo",
    }
    assert payload["organizer"] == {"id": 5, "name": None, "email": None, "timeZone": None}  # no profile
    assert payload["attendees"] == [{"name": "Bob", "email": "bob@y.test", "timeZone": "Europe/London"}]
    assert (payload["reassignType"], payload["reason"], payload["bookingVersion"]) == ("manual", "swap", 7)
    no_previous = event_body(ReassignmentEvent.from_outbox(outbox_item(fromUserId=None)), profiles)
    assert no_previous["payload"]["previousHost"] is None


def test_templates_fill_paths_as_raw_text() -> None:
    data = {
        "triggerEvent": "X",
        "payload": {"n": 7, "ok": True, "none": None, "list": [{"e": "a@b"}], "m": {"k": 1}},
    }

    filled = fill_template(
        '{"t":"{{triggerEvent}}","n":{{payload.n}},"ok":{{ payload.ok }},"e":"{{payload.list.0.e}}",'
        '"missing":"{{payload.nope.deeper}}","none":"{{payload.none}}","m":{{payload.m}},"i":"{{payload.list.5.e}}"}',
        data,
    )

    assert json.loads(filled) == {
        "t": "X",
        "n": 7,
        "ok": True,
        "e": "a@b",
        "missing": "",
        "none": "",
        "m": {"k": 1},
        "i": "",
    }
    assert json.loads(render_body(data, None)) == data
    assert render_body(data, "plain {{triggerEvent}}") == b"plain X"


def test_signatures_by_hand_and_by_the_standard_webhooks_library() -> None:
    body = b'{"a":1}'
    for secret in ("whsec_" + base64.b64encode(b"0123456789abcdef0123").decode(), "just a long plain secret"):
        headers = delivery_headers(secret, "evt-1", 1_800_000_000, body)
        assert headers["X-Cal-Signature-256"] == hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
        expected = base64.b64encode(hmac.new(key, b"evt-1.1800000000." + body, hashlib.sha256).digest())
        assert headers["webhook-signature"] == "v1," + expected.decode()
        library = standardwebhooks.Webhook(secret if secret.startswith("whsec_") else secret.encode())
        signed = library.sign("evt-1", _at(1_800_000_000), body.decode())
        assert signed == headers["webhook-signature"]
    unsigned = delivery_headers(None, "evt-1", 1_800_000_000, body)
    assert unsigned == {
        "Content-Type": "application/json",
        "X-Cal-Webhook-Version": "2021-10-20",
        "webhook-id": "evt-1",
        "webhook-timestamp": "1800000000",
    }


def _at(seconds: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


def test_secrets_starting_with_whsec_must_be_base64() -> None:
    WebhookCreate.model_validate(
        {
            "subscriberUrl": "https://x.test",
            "triggers": ["BOOKING_REASSIGNED"],
            "secret": "whsec_MfKQ9r8GKYqrTwjU",
        }
    )
    with pytest.raises(ValueError, match="base64"):
        WebhookCreate.model_validate(
            {
                "subscriberUrl": "https://x.test",
                "triggers": ["BOOKING_REASSIGNED"],
                "secret": "whsec_not*base64*at*all",
            }
        )


def test_the_retry_schedule_follows_the_delays_with_jitter() -> None:
    schedule = RetrySchedule.parse("30,120,600,3600,21600")
    assert schedule.max_attempts == 6
    assert [schedule.delay_after(n, rand=lambda: 0.5) for n in range(1, 7)] == [
        30,
        120,
        600,
        3600,
        21600,
        None,
    ]
    assert schedule.delay_after(1, rand=lambda: 0.0) == 27 and schedule.delay_after(1, rand=lambda: 1.0) == 33
    assert RetrySchedule.parse("1,1").max_attempts == 3 and RetrySchedule.parse("").delay_after(1) is None
    assert parse_delays(" 5 , 10 ") == (5, 10)
    for bad in ("1,x", "-1", "1,,2", "43201", ",".join(["1"] * 10)):
        with pytest.raises(ValueError):
            parse_delays(bad)
