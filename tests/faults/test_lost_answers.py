"""A transaction that applied but whose answer was lost is applied once and answered right.

The store applies the transaction, the answer never reaches the client (a read timeout), and
botocore resends it. DynamoDB answers the resend from its ClientRequestToken; a store that has
forgotten the token (plain moto did; DynamoDB does after ten minutes) fails the resend's conditions,
which are no longer true precisely because the first send applied. Either way the service must
answer what the fault-free run answers, leave exactly what it leaves (one reassignment, one audit
record, one outbox event), and when it cannot tell, answer 503: never move the booking twice.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from local.cfn import ensure_tables
from reassign_core import runtime
from reassign_core.services.reassign import ReassignRequest
from tests.concurrency.harness import patient_service
from tests.concurrency.invariants import StoreState, all_violations
from tests.factories import LambdaContext, base_dataset, http_event
from tests.faults.injection import UNAVAILABLE, Faults, applied_then_lost, timed_out

PATH = "/bookings/b-1/reassign"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Monotonic:
    clock = Monotonic()
    monkeypatch.setattr(runtime.reassign_service(), "_monotonic", clock)
    return clock


@pytest.fixture
def deterministic(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Same time and event ids on every run, so two runs write identical items; returns a restart."""
    service = runtime.reassign_service()
    monkeypatch.setattr(service, "_clock", lambda: NOW)

    def restart() -> None:
        ids = itertools.count(1)
        monkeypatch.setattr(service, "_new_id", lambda: f"event-{next(ids):04d}")

    restart()
    return restart


def _http(reassign_app: Any) -> dict[str, Any]:
    answer = reassign_app.lambda_handler(http_event(PATH), LambdaContext())
    return {**answer, "body": json.loads(answer["body"])}


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = base_dataset()
    store.load(dataset)
    return dataset


@pytest.fixture
def fault_free(
    store: Any,
    dynamo: Any,
    template: Any,
    data: dict[str, Any],
    reassign_app: Any,
    deterministic: Callable[[], None],
) -> Iterator[tuple[dict[str, Any], dict[str, list[str]]]]:
    """What one fault-free reassignment of b-1 answers and leaves; then the store is as before it."""
    answer = _http(reassign_app)
    assert answer["statusCode"] == 200
    after = store.snapshot()
    dynamo.reset()
    ensure_tables(store.client, template)
    store.load(data)
    deterministic()
    yield answer, after


@dataclass
class Scene:
    """One case's arrangement: b-1 loaded, what the fault-free reassignment answers and leaves,
    faults ready on the functions' client, botocore's backoffs recorded instead of slept."""

    store: Any
    data: dict[str, Any]
    faults: Faults
    reassign_app: Any
    expected: dict[str, Any]
    after: dict[str, list[str]]
    backoffs: list[float]

    def reassign(self) -> dict[str, Any]:
        return _http(self.reassign_app)

    def assert_moved_once(self) -> None:
        """The store holds exactly what the fault-free run left: one reassignment, one audit
        record, one outbox event."""
        assert self.store.snapshot() == self.after
        state = StoreState.read(self.store)
        assert len(state.audits["b-1"]) == 1
        assert len(state.outbox) == 1
        assert all_violations(state, self.data) == []


@pytest.fixture
def scene(
    store: Any,
    data: dict[str, Any],
    faults: Faults,
    reassign_app: Any,
    fault_free: tuple[dict[str, Any], dict[str, list[str]]],
    botocore_backoffs: list[float],
) -> Scene:
    expected, after = fault_free
    return Scene(store, data, faults, reassign_app, expected, after, botocore_backoffs)


def test_the_resend_of_a_lost_answer_is_answered_by_the_store_without_applying_twice(scene: Scene) -> None:
    scene.faults.on_sends("TransactWriteItems", {1: applied_then_lost()})

    answer = scene.reassign()

    assert scene.faults.sends["TransactWriteItems"] == 2  # botocore resent it, with the same token
    assert scene.faults.calls["TransactWriteItems"] == 1  # and that answer was enough
    assert len(scene.backoffs) == 1
    assert answer["body"] == scene.expected["body"]
    scene.assert_moved_once()


def test_a_resend_failing_its_conditions_because_the_first_send_applied_is_recognised(
    scene: Scene, dynamo: Any
) -> None:
    # The store forgets the token between the sends, as plain moto did: the resend is judged afresh,
    # and fails its conditions (the booking's version moved on, with the first send).
    scene.faults.on_sends("TransactWriteItems", {1: applied_then_lost(then=dynamo.tokens.clear)})

    answer = scene.reassign()

    assert scene.faults.sends["TransactWriteItems"] == 2
    assert scene.faults.calls["TransactWriteItems"] == 1  # no second decision, no second write
    assert answer["statusCode"] == 200
    assert answer["body"] == scene.expected["body"]
    scene.assert_moved_once()


def test_when_the_resend_also_times_out_the_check_finds_the_first_send_applied(scene: Scene) -> None:
    scene.faults.on_sends("TransactWriteItems", {1: applied_then_lost(), 2: timed_out})

    answer = scene.reassign()

    assert scene.faults.sends["TransactWriteItems"] == 2
    assert scene.faults.calls["TransactWriteItems"] == 1
    assert answer["body"] == scene.expected["body"]
    scene.assert_moved_once()


def test_when_the_check_cannot_be_made_the_answer_is_503_and_the_booking_moved_once(scene: Scene) -> None:
    faults = scene.faults

    def store_down_for_reads() -> None:
        faults.fail("BatchGetItem", UNAVAILABLE["read-timeout"])

    faults.on_sends("TransactWriteItems", {1: applied_then_lost(then=store_down_for_reads), 2: timed_out})

    answer = scene.reassign()

    assert answer["statusCode"] == 503
    assert answer["body"]["error"]["code"] == "ServiceUnavailableException"
    assert answer["multiValueHeaders"]["Retry-After"] == ["1"]
    assert faults.injected["BatchGetItem"] == 1  # the check was tried
    faults.clear()
    scene.assert_moved_once()


@pytest.mark.parametrize(
    ("seconds_lost", "status"),
    [
        # A read timeout (1.5 s) and a backoff: a 5 s call still fits in the 9 s budget, so it checks.
        (2.5, 200),
        # Both sends timed out and more: one more call might end after the function's timeout.
        (4.5, 503),
    ],
)
def test_a_check_is_made_only_while_a_whole_store_call_still_fits_in_the_time_left(
    scene: Scene, monotonic: Monotonic, seconds_lost: float, status: int
) -> None:
    faults = scene.faults
    calls_at_the_write: dict[str, int] = {}

    def time_passes() -> None:
        monotonic.now += seconds_lost
        calls_at_the_write.update(faults.calls)

    faults.on_sends("TransactWriteItems", {1: applied_then_lost(then=time_passes), 2: timed_out})

    answer = scene.reassign()

    assert answer["statusCode"] == status
    if status == 200:
        assert answer["body"] == scene.expected["body"]
    else:
        assert answer["multiValueHeaders"]["Retry-After"] == ["1"]
        assert dict(faults.calls) == calls_at_the_write  # gave up without another call
    scene.assert_moved_once()


def test_a_lost_write_is_recognised_even_after_someone_else_moved_the_booking_again(
    scene: Scene, dynamo: Any
) -> None:
    """The proof is the write's own audit record, not the booking's latest state: by the time the
    service looks, another request may have reassigned the booking on top of its write."""
    ours = scene.expected["body"]["data"]["reassignedTo"]["id"]
    theirs = next(h for h in (2, 3, 4) if h not in (2, ours))  # neither the holder nor our winner
    other, executor = patient_service(dynamo.endpoint_url)

    def someone_else_reassigns() -> None:
        other.reassign(ReassignRequest("b-1", actor_id=1, target_id=theirs))
        dynamo.tokens.clear()  # and our resend is judged afresh: it fails its conditions

    scene.faults.on_sends("TransactWriteItems", {1: applied_then_lost(then=someone_else_reassigns)})
    try:
        answer = scene.reassign()
    finally:
        executor.shutdown()

    assert answer["body"] == scene.expected["body"]
    state = StoreState.read(scene.store)
    assert [r["toUserId"] for r in state.audits["b-1"]] == [ours, theirs]  # moved twice, not three times
    assert state.bookings["b-1"]["userId"] == theirs
    assert all_violations(state, scene.data) == []
