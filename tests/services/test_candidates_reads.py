"""The read routes' budget, observed on the service's own DynamoDB client (bench.calls): the
candidates read exactly what the auto reassignment reads, in as many sequential round trips (the
reassignment's fourth is its write), and write nothing (weights on, with the calibration's inputs
in the store); the history reads its records alongside the event type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.calls import Call, CallRecorder, sequential_round_trips
from reassign_core import runtime
from reassign_core.services.preview import PreviewService
from tests.factories import base_dataset, booking
from tests.property.store_state import service_clock

OWNER = 1
NOW = datetime(2050, 1, 5, 12, 0, tzinfo=UTC)
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def recorder(invoke: Any) -> Iterator[CallRecorder]:
    """Records the calls of the client the service's repository uses; a latency makes calls sent in
    parallel overlap, as they do over a network."""
    invoke({"bookingUid": "warm-up", "actorUserId": OWNER})  # makes the cached repository
    client = runtime.reassign_repository()._client
    recording = CallRecorder(latency=0.02)
    recording.attach(client)
    yield recording
    events = client.meta.events
    events.unregister("provide-client-params.dynamodb", recording._started)
    events.unregister("before-send.dynamodb", recording._sending)
    events.unregister("after-call.dynamodb", recording._finished)
    events.unregister("after-call-error.dynamodb", recording._failed)


def reads(calls: list[Call]) -> tuple[list[str], list[str]]:
    """The keys read by BatchGetItem and the Queries made, each sorted: what was read, whatever the
    chunking or thread order."""
    keys, queries = [], []
    for call in calls:
        if call.operation == "BatchGetItem":
            keys += [
                json.dumps(k, sort_keys=True) for r in call.params["RequestItems"].values() for k in r["Keys"]
            ]
        elif call.operation == "Query":
            queries.append(json.dumps(call.params, sort_keys=True))
        else:
            assert call.operation in WRITES, call.operation
    return sorted(keys), sorted(queries)


def test_candidates_read_what_the_reassignment_reads_in_its_round_trips_and_write_nothing(
    store: Any, invoke: Any, recorder: CallRecorder
) -> None:
    data = base_dataset(round_robin=(2, 3, 4, 5))
    data["eventTypes"][0].update({"isRRWeightsEnabled": True, "rrResetInterval": "MONTH"})
    data["eventTypes"][0]["hosts"][1]["createdAt"] = "2050-01-02T00:00:00Z"
    data["outOfOffice"] = [{"userId": 4, "start": "2050-01-01T00:00:00Z", "end": "2050-01-03T00:00:00Z"}]
    data["bookings"][0]["createdAt"] = "2050-01-04T00:00:00Z"
    data["bookings"].append(booking("b-2", 5, start="2050-01-09T10:00:00Z", end="2050-01-09T11:00:00Z"))
    data["bookings"][-1]["createdAt"] = "2050-01-01T10:00:00Z"
    store.load(data)
    preview = PreviewService(runtime.reassign_repository(), clock=lambda: NOW)

    recorder.start()
    candidates = preview.candidates("b-1", OWNER).candidates
    previewed = recorder.stop()
    recorder.start()
    with service_clock(NOW):
        result = invoke({"bookingUid": "b-1", "actorUserId": OWNER})
    reassigned = recorder.stop()

    assert result["statusCode"] == 200, result
    assert candidates[0].host.user_id == result["data"]["reassignedTo"]["id"]
    assert any(c.calibration for c in candidates)  # the calibration's inputs were read and used
    assert not [c for c in previewed if c.operation in WRITES]
    assert [c.operation for c in reassigned if c.operation in WRITES] == ["TransactWriteItems"]
    assert reads(previewed) == reads([c for c in reassigned if c.operation not in WRITES])
    assert sequential_round_trips(previewed) == 3
    assert sequential_round_trips(reassigned) == 4


def test_history_reads_its_records_alongside_the_event_type_in_two_round_trips(
    store: Any, invoke: Any, recorder: CallRecorder
) -> None:
    store.load(base_dataset())
    with service_clock(NOW):
        assert invoke({"bookingUid": "b-1", "actorUserId": OWNER})["statusCode"] == 200
    preview = PreviewService(runtime.reassign_repository(), clock=lambda: NOW)

    recorder.start()
    page = preview.history("b-1", OWNER, take=10, skip=0)
    calls = recorder.stop()

    assert [r.type for r in page.records] == ["auto"]
    assert not [c for c in calls if c.operation in WRITES]
    assert sequential_round_trips(calls) == 2
