"""The fan-out loses and skips nothing: a record whose messages did not all reach the queue is
reported for retry (the others are not), and a batch whose reads fail fails as a whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.lambda_runtime import LambdaContext, load_handler
from reassign_core.store.queues import MessageQueue
from tests.conftest import ROOT
from tests.webhooks.conftest import Wiring, host_key, webhook_dataset

EVENTS = json.loads((ROOT / "events" / "fanout-outbox-stream.json").read_text(encoding="utf-8"))


def batch(*event_ids: str) -> dict[str, Any]:
    template = EVENTS["Records"][0]
    records = []
    for number, event_id in enumerate(event_ids):
        image = {**template["dynamodb"]["NewImage"], "PK": {"S": event_id}, "eventId": {"S": event_id}}
        records.append(
            {
                **template,
                "dynamodb": {**template["dynamodb"], "NewImage": image, "SequenceNumber": str(100 + number)},
            }
        )
    return {"Records": records}


@pytest.fixture
def fanout(wiring: Wiring, store: Any) -> Any:
    store.load(webhook_dataset())
    wiring.subscribe("http://127.0.0.1:9/hook", token=host_key(3))
    wiring.runner.stop()  # this test drives the handler itself
    return load_handler(wiring.runner.template.functions["FanoutFunction"])


def context() -> LambdaContext:
    return LambdaContext("FanoutFunction", 512, "arn:aws:lambda:us-east-1:123456789012:function:F", "r", 30)


def test_only_the_record_whose_messages_failed_is_reported(
    fanout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = MessageQueue.send_batch

    def failing_for_one(self: MessageQueue, messages: Any) -> set[str]:
        if any(body["eventId"] == "event-b" for _, body in messages):
            return {messages[0][0]}
        return real(self, messages)

    monkeypatch.setattr(MessageQueue, "send_batch", failing_for_one)

    answer = fanout(batch("event-a", "event-b", "event-c"), context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": "101"}]}


def test_a_batch_whose_reads_fail_fails_as_a_whole(fanout: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from reassign_core.store.webhook_store import WebhookStore

    def unavailable(self: WebhookStore, owners: Any) -> Any:
        raise ConnectionError("store down")

    monkeypatch.setattr(WebhookStore, "of_owners", unavailable)

    with pytest.raises(ConnectionError):
        fanout(batch("event-a"), context())


def test_an_unreadable_event_is_reported_never_skipped(fanout: Any) -> None:
    broken = batch("event-a", "event-b")
    del broken["Records"][1]["dynamodb"]["NewImage"]["toUserId"]

    assert fanout(broken, context()) == {"batchItemFailures": [{"itemIdentifier": "101"}]}
