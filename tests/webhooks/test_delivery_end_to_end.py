"""A reassignment made on the local API reaches real receivers on 127.0.0.1 through the outbox
stream, the fan-out, the delivery queue and the delivery function, run as `make run` runs them
(WEBHOOK_RETRY_DELAYS=1,1: three attempts a second apart)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from typing import Any

import standardwebhooks

from tests.factories import OWNER_KEY
from tests.webhooks.conftest import Receiver, Wiring, host_key, webhook_dataset

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PLAIN_SECRET = "a plain secret of some length"
SETTLE = 2.5  # longer than a fan-out batching window plus a delivery: time for a duplicate to show


def reassign(wiring: Wiring, uid: str = "b-1", target: int | None = None) -> Any:
    path = f"/bookings/{uid}/reassign" + (f"/{target}" if target else "")
    return wiring.call("POST", path, {} if target else None)


def deliveries(
    wiring: Wiring, webhook_id: str, token: str = OWNER_KEY, prefix: str = ""
) -> list[dict[str, Any]]:
    response = wiring.call("GET", f"{prefix}/webhooks/{webhook_id}/deliveries", token=token)
    assert response.status == 200, response.body
    return list(response.json()["data"])


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_every_matching_webhook_gets_the_event_exactly_once(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    previous, new, event_type, other, unsubscribed = (receivers() for _ in range(5))
    wiring.subscribe(previous.url, token=host_key(2), secret=SECRET)  # the previous host's own
    wiring.subscribe(new.url, token=host_key(3), secret=PLAIN_SECRET)  # the new host (and organizer)
    wiring.subscribe(event_type.url, path="/event-types/100/webhooks")  # by the team's owner
    wiring.subscribe(other.url, token=host_key(4))  # a host the booking never involved
    wiring.subscribe(unsubscribed.url, token=host_key(3), active=False)

    response = reassign(wiring)

    assert response.status == 200 and response.json()["data"]["reassignedTo"]["id"] == 3
    for receiver in (previous, new, event_type):
        assert len(receiver.wait_for(1)) == 1
    time.sleep(SETTLE)
    assert [len(r.hits) for r in (previous, new, event_type, other, unsubscribed)] == [1, 1, 1, 0, 0]
    ids = {r.hits[0].headers["webhook-id"] for r in (previous, new, event_type)}
    assert len(ids) == 1, "one event: one id at every webhook"
    body = new.hits[0].json()
    assert body["triggerEvent"] == "BOOKING_REASSIGNED"
    payload = body["payload"]
    assert payload["uid"] == "b-1" and payload["eventTypeId"] == 100 and payload["status"] == "ACCEPTED"
    assert payload["reassignType"] == "auto" and payload["reason"] is None
    assert payload["previousHost"] == {"id": 2, "name": "Host 2", "email": "user2@example.test"}
    assert payload["newHost"]["id"] == 3 and payload["newHost"]["displayEmail"] == "user3@example.test"
    assert payload["organizer"]["id"] == 3 and payload["organizer"]["timeZone"] == "UTC"
    assert payload["reassignedBy"] == {"id": 1, "name": "Owner", "email": "user1@example.test"}
    assert payload["attendees"][0]["email"] == "bob@customer.test"
    assert isinstance(payload["bookingVersion"], int)


def test_both_signatures_verify(wiring: Wiring, store: Any, receivers: Callable[..., Receiver]) -> None:
    store.load(webhook_dataset())
    prefixed, plain, unsigned = receivers(), receivers(), receivers()
    wiring.subscribe(prefixed.url, token=host_key(2), secret=SECRET)
    wiring.subscribe(plain.url, token=host_key(3), secret=PLAIN_SECRET)
    wiring.subscribe(unsigned.url, path="/event-types/100/webhooks")

    reassign(wiring)

    for receiver, secret in ((prefixed, SECRET), (plain, PLAIN_SECRET)):
        (hit,) = receiver.wait_for(1)
        expected = hmac.new(secret.encode(), hit.body, hashlib.sha256).hexdigest()
        assert hit.headers["X-Cal-Signature-256"] == expected
        assert hit.headers["X-Cal-Webhook-Version"] == "2021-10-20"
        # A whsec_ secret is given to the library as is; any other as its bytes.
        verifier = standardwebhooks.Webhook(secret if secret.startswith("whsec_") else secret.encode())
        assert verifier.verify(hit.body, hit.headers)["payload"]["uid"] == "b-1"
        assert abs(int(hit.headers["webhook-timestamp"]) - time.time()) < 60
    (hit,) = unsigned.wait_for(1)
    assert "X-Cal-Signature-256" not in hit.headers and "webhook-signature" not in hit.headers
    assert hit.headers["webhook-id"] and hit.headers["webhook-timestamp"]


def test_failures_are_retried_with_the_same_webhook_id(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    flaky = receivers([500, 500, 200])
    webhook_id = wiring.subscribe(flaky.url, token=host_key(3), secret=SECRET)

    reassign(wiring)

    hits = flaky.wait_for(3)
    assert len(hits) == 3
    assert len({h.headers["webhook-id"] for h in hits}) == 1
    # The retries waited their delays (1 s, give or take the jitter), not a fixed poll.
    assert all(later.at - earlier.at > 0.7 for earlier, later in itertools.pairwise(hits))
    wait_until(lambda: deliveries(wiring, webhook_id, host_key(3))[0]["status"] == "delivered")
    (logged,) = deliveries(wiring, webhook_id, host_key(3))
    assert logged["attempts"] == 3 and logged["lastStatusCode"] == 200 and logged["nextAttemptAt"] is None
    assert logged["eventId"] == hits[0].headers["webhook-id"] and logged["bookingUid"] == "b-1"
    time.sleep(SETTLE)
    assert len(flaky.hits) == 3


def test_a_receiver_that_always_fails_ends_in_the_dead_letter_queue(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    broken = receivers([500])
    webhook_id = wiring.subscribe(broken.url, token=host_key(3))

    reassign(wiring)

    assert len(broken.wait_for(3)) == 3
    wait_until(lambda: deliveries(wiring, webhook_id, host_key(3))[0]["status"] == "failed")
    (logged,) = deliveries(wiring, webhook_id, host_key(3))
    assert logged["attempts"] == 3 and logged["lastStatusCode"] == 500 and logged["lastError"] == "HTTP 500"
    dead = wiring.queue_messages("DeliveryDeadLetterQueue")
    assert [m["webhookId"] for m in dead] == [webhook_id]
    assert dead[0]["eventId"] == broken.hits[0].headers["webhook-id"]
    time.sleep(SETTLE)
    assert len(broken.hits) == 3, "no attempt after the last"

    broken.statuses = [200]  # the receiver is fixed: redrive the dead letter, as docs/webhooks.md says
    wiring.redrive("DeliveryDeadLetterQueue", "DeliveryQueue")
    assert len(broken.wait_for(4)) == 4
    assert broken.hits[3].headers["webhook-id"] == broken.hits[0].headers["webhook-id"]
    wait_until(lambda: deliveries(wiring, webhook_id, host_key(3))[0]["status"] == "delivered")


def test_a_410_deactivates_the_webhook(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    gone = receivers([410])
    webhook_id = wiring.subscribe(gone.url, token=host_key(3))

    reassign(wiring)

    assert len(gone.wait_for(1)) == 1
    wait_until(
        lambda: not wiring.call("GET", f"/webhooks/{webhook_id}", token=host_key(3)).json()["data"]["active"]
    )
    (logged,) = deliveries(wiring, webhook_id, host_key(3))
    assert logged["status"] == "failed" and logged["lastStatusCode"] == 410
    reassign(wiring, target=4)  # a second event: the deactivated webhook gets nothing
    time.sleep(SETTLE)
    assert len(gone.hits) == 1


def test_a_slow_receiver_does_not_delay_another(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    slow, fast, also_slow = receivers(delay=6.0), receivers(), receivers(delay=6.0)
    wiring.subscribe(slow.url, token=host_key(2))  # the event's webhooks are matched in this order
    wiring.subscribe(fast.url, token=host_key(3))
    wiring.subscribe(also_slow.url, path="/event-types/100/webhooks")

    reassign(wiring)

    (fast_hit,) = fast.wait_for(1)
    (slow_hit,) = slow.wait_for(1)
    (other_slow_hit,) = also_slow.wait_for(1)
    started = min(slow_hit.at, other_slow_hit.at)
    assert fast_hit.at < started + 3.0, "the fast receiver was not held up by a slow one's 6 seconds"


def test_a_reassignment_that_fails_or_changes_nothing_delivers_nothing(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    receiver = receivers()
    wiring.subscribe(receiver.url, path="/event-types/100/webhooks")

    assert reassign(wiring, uid="b-cancelled").status == 400
    assert reassign(wiring, target=2).status == 200  # already theirs: nothing written
    time.sleep(SETTLE)

    assert receiver.hits == []


def test_a_payload_template_shapes_the_body(
    wiring: Wiring, store: Any, receivers: Callable[..., Receiver]
) -> None:
    store.load(webhook_dataset())
    receiver = receivers()
    template = (
        '{"text": "{{payload.newHost.name}} took {{payload.uid}} from {{payload.previousHost.name}}",'
        ' "version": {{payload.bookingVersion}}, "who": "{{payload.attendees.0.email}}",'
        ' "none": "{{payload.nope}}"}'
    )
    wiring.subscribe(receiver.url, token=host_key(3), payloadTemplate=template, secret=SECRET)

    reassign(wiring)

    (hit,) = receiver.wait_for(1)
    body = hit.json()
    assert body["text"] == "Host 3 took b-1 from Host 2"
    assert isinstance(body["version"], int)
    assert body["who"] == "bob@customer.test" and body["none"] == ""
    assert standardwebhooks.Webhook(SECRET).verify(hit.body, hit.headers) == body
