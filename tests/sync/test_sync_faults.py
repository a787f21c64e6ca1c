"""DynamoDB failing under the sync: a 503 Cal.com retries, never a 500, never half an event; an event
whose transaction applied but whose answer was lost is applied exactly once when Cal.com retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reassign_core import runtime
from reassign_core.store import keys
from reassign_core.store.codec import to_wire
from tests.factories import base_dataset
from tests.faults.injection import TRANSACTION_CONFLICT, UNAVAILABLE, Fault, Faults
from tests.sync.conftest import drift
from tests.sync.payloads import booking_payload, webhook

BODY = webhook("BOOKING_CREATED", "2026-11-25T10:00:00.000Z", booking_payload("cal-1", organizer=3))


@pytest.fixture
def faults(dynamo: Any) -> Iterator[Faults]:
    injector = Faults(runtime.dynamodb_client(runtime.reassign_settings().endpoint_url))
    yield injector
    injector.close()


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = base_dataset()
    store.load(dataset)
    return dataset


def _raising(fault: Fault) -> Fault:
    """An after-call hook cannot replace the answer: turn an error answer into the error it raises."""

    def fail() -> None:
        _, parsed = fault()  # timeouts raise right here
        raise ClientError(parsed, "TransactWriteItems")

    return fail


@pytest.mark.parametrize("kind", ["throttling", "read-timeout"])
def test_a_lost_answer_then_cals_retry_applies_the_event_once(
    deliver: Any, store: Any, data: Any, faults: Faults, kind: str
) -> None:
    # Given the transaction applies but its answer is lost (after botocore's retries)
    faults.fail_after_applying("TransactWriteItems", _raising(UNAVAILABLE[kind]))
    first = deliver(BODY)

    # Then Cal.com hears "retry later", and the store already holds the event, all of it
    assert first.status == 503, first.body
    assert first.json()["error"]["code"] == "ServiceUnavailableException"
    assert faults.calls["TransactWriteItems"] == 1
    applied = store.snapshot()
    assert store.booking("cal-1")["version"] == 1
    assert drift(store.scan(), data) == []

    # When Cal.com delivers it again, it is acknowledged and nothing changes
    faults.clear()
    again = deliver(BODY)
    assert again.status == 200 and again.json()["data"]["applied"] is False
    assert store.snapshot() == applied


@pytest.mark.parametrize("operation", ["BatchGetItem", "Query", "TransactWriteItems"])
@pytest.mark.parametrize("kind", ["throttling", "connection-refused"])
def test_a_failing_store_is_a_503_and_nothing_is_written(
    deliver: Any, store: Any, data: Any, faults: Faults, operation: str, kind: str
) -> None:
    cancel = webhook("BOOKING_CANCELLED", "2026-11-25T10:00:00.000Z", booking_payload("b-1", organizer=2))
    # Host 2's stats as an earlier version wrote them (the time only): the timeline must be read.
    stats = store.item(keys.host_stats(100, 2))
    legacy = {
        **keys.host_stats(100, 2),
        "lastBookedAt": store.last_booked(100, 2),
        "version": stats["version"],
    }
    store.client.put_item(TableName=store.tables["DataTable"], Item=to_wire(legacy))
    before = store.snapshot()
    faults.fail(operation, UNAVAILABLE[kind])

    response = deliver(cancel)  # reads the booking and its host's items, then its timeline, then writes

    assert response.status == 503, response.body
    assert dict(response.headers).get("Retry-After") == "1"
    assert faults.injected[operation] >= 1
    assert store.snapshot() == before


def test_a_conflict_every_time_is_a_409_after_the_retries(
    deliver: Any, store: Any, data: Any, faults: Faults
) -> None:
    before = store.snapshot()
    faults.fail("TransactWriteItems", TRANSACTION_CONFLICT)

    response = deliver(BODY)

    assert response.status == 409, response.body
    assert response.json()["error"]["code"] == "ConflictException"
    assert faults.calls["TransactWriteItems"] == 4
    assert store.snapshot() == before


def test_a_conflict_once_is_retried_from_fresh_reads(
    deliver: Any, store: Any, data: Any, faults: Faults
) -> None:
    faults.fail("TransactWriteItems", TRANSACTION_CONFLICT, calls={1})

    response = deliver(BODY)

    assert response.status == 200 and response.json()["data"]["applied"] is True
    assert faults.calls["TransactWriteItems"] == 2
    assert drift(store.scan(), data) == []
