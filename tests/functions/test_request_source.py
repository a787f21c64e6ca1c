"""Every reassignment records how it was asked for: `source` "http" or "direct", in its audit record,
its outbox event and the webhook body built from that event (docs/api.md, docs/webhooks.md)."""

from __future__ import annotations

from typing import Any

import pytest

from reassign_core.domain.models import UserProfile
from reassign_core.webhooks.events import ReassignmentEvent, event_body
from tests.factories import base_dataset


def _written(store: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The one audit record and the one outbox event a single reassignment wrote."""
    audits = [i for i in store.scan() if str(i["SK"]).startswith("AUDIT#")]
    events = store.scan("OutboxTable")
    assert len(audits) == len(events) == 1
    return audits[0], events[0]


@pytest.mark.parametrize("path", ["/bookings/b-1/reassign", "/bookings/b-1/reassign/4"])
def test_a_reassignment_through_the_api_is_recorded_as_http(call: Any, store: Any, path: str) -> None:
    store.load(base_dataset())

    status, _, _ = call(path)

    assert status == 200
    audit, event = _written(store)
    assert audit["source"] == event["source"] == "http"


@pytest.mark.parametrize("target", [None, 4])
def test_a_direct_invocation_is_recorded_as_direct(invoke: Any, store: Any, target: int | None) -> None:
    store.load(base_dataset())
    event: dict[str, Any] = {"bookingUid": "b-1", "actorUserId": 1}
    if target is not None:
        event["userId"] = target

    assert invoke(event)["statusCode"] == 200

    audit, outbox = _written(store)
    assert audit["source"] == outbox["source"] == "direct"


def test_a_direct_invocation_with_an_idempotency_key_is_recorded_as_direct(invoke: Any, store: Any) -> None:
    store.load(base_dataset())
    event = {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "source-key-1"}

    first, replay = invoke(event), invoke(event)

    assert first == replay and first["statusCode"] == 200
    audit, outbox = _written(store)
    assert audit["source"] == outbox["source"] == "direct"


def test_the_webhook_body_carries_the_source_of_the_outbox_event(invoke: Any, store: Any) -> None:
    store.load(base_dataset())
    assert invoke({"bookingUid": "b-1", "actorUserId": 1})["statusCode"] == 200
    _, outbox = _written(store)

    body = event_body(
        ReassignmentEvent.from_outbox(outbox), profiles={1: UserProfile(1, "A", "a@x.test", "UTC", None)}
    )

    assert body["payload"]["source"] == "direct"
