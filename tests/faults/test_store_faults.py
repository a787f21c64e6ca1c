"""DynamoDB failing under the service: every call, every way. Never a 500, never half a write.

Failures before the transaction leave the store exactly as it was (a 503 the client may retry).
A failed transaction is checked before anything else: one that did not apply is decided again,
one that applied (its answer lost) is answered as a success, never applied twice. Lost answers
inside botocore's own resend are in test_lost_answers.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.cfn import ensure_tables
from reassign_core import runtime
from tests.concurrency.invariants import StoreState, all_violations
from tests.factories import LambdaContext, base_dataset, booking, http_event
from tests.faults.injection import (
    OUTCOME_UNKNOWN,
    TRANSACTION_CONFLICT,
    UNAVAILABLE,
    Faults,
    error_answer,
)

ROUTES = {"auto": "/bookings/b-1/reassign", "manual": "/bookings/b-1/reassign/4"}


def _dataset() -> dict[str, Any]:
    data = base_dataset()
    # A second booking, for a fault-free probe of which calls one reassignment makes.
    data["bookings"].append(booking("probe", 2, "2050-01-08T13:00:00Z", "2050-01-08T14:00:00Z"))
    return data


@pytest.fixture
def data(store: Any) -> dict[str, Any]:
    dataset = _dataset()
    store.load(dataset)
    return dataset


def _http(reassign_app: Any, path: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else None
    answer = reassign_app.lambda_handler(http_event(path, headers=headers), LambdaContext())
    return {**answer, "body": json.loads(answer["body"])}


def _calls_of_one_reassignment(faults: Faults, reassign_app: Any, path: str) -> list[tuple[str, int]]:
    """Every DynamoDB call (operation, n-th of its kind) the route makes, learnt on the probe booking."""
    faults.clear()
    assert _http(reassign_app, path.replace("b-1", "probe"))["statusCode"] == 200
    return [(operation, n) for operation, count in sorted(faults.calls.items()) for n in range(1, count + 1)]


def _assert_retry_later(answer: dict[str, Any], status: int, code: str, path: str) -> None:
    assert answer["statusCode"] == status, answer
    assert answer["body"]["status"] == "error"
    assert answer["body"]["error"]["code"] == code
    assert answer["body"]["path"] == f"/v2{path}"
    assert answer["multiValueHeaders"]["Retry-After"] == ["1"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_a_store_failure_on_any_read_is_a_503_that_changes_nothing(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str, route: str
) -> None:
    path = ROUTES[route]
    calls = _calls_of_one_reassignment(faults, reassign_app, path)
    assert {op for op, _ in calls} == {"Query", "BatchGetItem", "TransactWriteItems"}
    before = store.snapshot()

    for operation, n in calls:
        if operation == "TransactWriteItems":
            continue  # below: a failed write is checked, then decided again
        faults.clear()
        faults.fail(operation, UNAVAILABLE[kind], calls={n})

        answer = _http(reassign_app, path)

        assert faults.injected[operation] == 1, (operation, n)
        _assert_retry_later(answer, 503, "ServiceUnavailableException", path)
        assert store.snapshot() == before, (operation, n)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", OUTCOME_UNKNOWN)
def test_a_transaction_that_failed_without_applying_is_checked_then_decided_again(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str, route: str
) -> None:
    path = ROUTES[route]
    per_attempt = Counter(op for op, _ in _calls_of_one_reassignment(faults, reassign_app, path))
    faults.clear()
    faults.fail("TransactWriteItems", OUTCOME_UNKNOWN[kind], calls={1})

    answer = _http(reassign_app, path)

    assert answer["statusCode"] == 200, answer
    assert faults.calls["TransactWriteItems"] == 2
    for read in ("Query", "BatchGetItem"):  # the second attempt read everything again, check included
        assert faults.calls[read] == 2 * per_attempt[read]
    state = StoreState.read(store)
    assert [r["toUserId"] for r in state.audits["b-1"]] == [answer["body"]["data"]["reassignedTo"]["id"]]
    assert [e["bookingUid"] for e in state.outbox if e["bookingUid"] != "probe"] == ["b-1"]
    assert all_violations(state, data) == []


@pytest.mark.parametrize("kind", OUTCOME_UNKNOWN)
def test_a_store_failure_in_a_direct_invocation_is_a_503_envelope(
    store: Any, data: dict[str, Any], faults: Faults, invoke: Any, kind: str
) -> None:
    before = store.snapshot()
    faults.fail("TransactWriteItems", OUTCOME_UNKNOWN[kind])  # every attempt: never confirmed, never applied

    answer = invoke({"bookingUid": "b-1", "actorUserId": 1})

    assert answer["statusCode"] == 503
    assert answer["error"]["code"] == "ServiceUnavailableException"
    assert answer["path"] == "/v2/bookings/b-1/reassign"
    assert store.snapshot() == before


def test_transactions_that_always_conflict_are_retried_from_a_fresh_read_then_409(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any
) -> None:
    reads_per_attempt = [op for op, _ in _calls_of_one_reassignment(faults, reassign_app, ROUTES["auto"])]
    before = store.snapshot()
    faults.fail("TransactWriteItems", TRANSACTION_CONFLICT)

    answer = _http(reassign_app, ROUTES["auto"])

    _assert_retry_later(answer, 409, "ConflictException", ROUTES["auto"])
    attempts = runtime.reassign_settings().max_write_attempts
    assert faults.calls["TransactWriteItems"] == attempts
    # Every attempt read the booking's world again, from scratch; then one last read of the booking
    # (and the caller) checked whether the last write had landed after all.
    assert faults.calls["BatchGetItem"] == reads_per_attempt.count("BatchGetItem") * attempts + 1
    assert faults.calls["Query"] == reads_per_attempt.count("Query") * attempts + 1
    assert store.snapshot() == before


def test_a_transaction_conflict_once_is_absorbed_by_one_retry(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any
) -> None:
    faults.fail("TransactWriteItems", TRANSACTION_CONFLICT, calls={1})

    answer = _http(reassign_app, ROUTES["auto"])

    assert answer["statusCode"] == 200
    assert faults.calls["TransactWriteItems"] == 2
    state = StoreState.read(store)
    assert len(state.audits["b-1"]) == 1
    assert all_violations(state, data) == []


def test_a_transaction_cancelled_by_throttling_is_a_503(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any
) -> None:
    before = store.snapshot()
    faults.fail(
        "TransactWriteItems", error_answer("TransactionCanceledException", reasons=["ThrottlingError"])
    )

    answer = _http(reassign_app, ROUTES["auto"])

    _assert_retry_later(answer, 503, "ServiceUnavailableException", ROUTES["auto"])
    assert store.snapshot() == before


ITEM_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


def _item_too_large() -> Any:
    """A transaction DynamoDB cancelled because one of its updates would pass the item limit."""
    answer, parsed = error_answer("TransactionCanceledException", reasons=["None", "ValidationError"])()
    parsed["CancellationReasons"][1]["Message"] = ITEM_TOO_LARGE
    return answer, parsed


def test_a_write_over_the_item_size_limit_is_a_clear_logged_error_that_changes_nothing(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    before = store.snapshot()
    faults.fail("TransactWriteItems", _item_too_large)

    answer = _http(reassign_app, ROUTES["auto"])

    assert answer["statusCode"] == 500
    assert answer["body"]["error"]["code"] == "InternalServerErrorException"
    assert "size limit" in answer["body"]["error"]["message"]
    assert faults.calls["TransactWriteItems"] == 1  # retrying cannot help: not retried
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == [
        "DynamoDB refused a write: an item would pass the 400 KB item size limit"
    ]
    assert all(r.exc_info is None for r in errors)  # said plainly, without a trace
    assert "Traceback" not in json.dumps(answer["body"])
    assert store.snapshot() == before


# --- a write that landed but whose answer was lost -------------------------------------------


FIXED_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def deterministic_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same time and event ids on every run, so two runs write byte-identical items."""
    service = runtime.reassign_service()
    monkeypatch.setattr(service, "_clock", lambda: FIXED_NOW)
    monkeypatch.setattr(service, "_new_id", lambda: "event-0001")


def _reload(store: Any, dynamo: Any, template: Any, dataset: dict[str, Any]) -> None:
    dynamo.reset()
    ensure_tables(store.client, template)
    store.load(dataset)


@pytest.mark.usefixtures("deterministic_service")
@pytest.mark.parametrize("kind", ["read-timeout", "internal-server-error"])
def test_a_transaction_whose_answer_is_lost_is_found_applied_and_answered_once(
    store: Any, dynamo: Any, template: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str
) -> None:
    # Given what one fault-free reassignment answers and leaves in the store
    expected = _http(reassign_app, ROUTES["auto"])
    assert expected["statusCode"] == 200
    after_success = store.snapshot()
    _reload(store, dynamo, template, data)

    # When the same transaction applies but its answer is lost (after botocore's retries)
    faults.fail_after_applying("TransactWriteItems", _raising(UNAVAILABLE[kind]))
    answer = _http(reassign_app, ROUTES["auto"])

    # Then the service finds its own write and answers it: the same answer, the same single reassignment
    assert answer["statusCode"] == 200
    assert answer["body"] == expected["body"]
    assert faults.calls["TransactWriteItems"] == 1
    assert store.snapshot() == after_success
    state = StoreState.read(store)
    assert len(state.audits["b-1"]) == len(state.outbox) == 1
    assert all_violations(state, data) == []


def _raising(fault: Any) -> Any:
    """An after-call hook cannot replace the answer: turn an error answer into the error it raises."""

    def fail() -> None:
        _, parsed = fault()  # timeouts raise right here
        raise ClientError(parsed, "TransactWriteItems")

    return fail


# --- idempotency records on a failing store --------------------------------------------------


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_a_failure_saving_the_in_progress_record_is_a_503_and_the_key_stays_usable(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str
) -> None:
    before = store.snapshot()
    faults.fail("PutItem", UNAVAILABLE[kind], calls={1})

    answer = _http(reassign_app, ROUTES["auto"], key="put-fails")

    _assert_retry_later(answer, 503, "ServiceUnavailableException", ROUTES["auto"])
    assert faults.calls["TransactWriteItems"] == 0  # nothing ran without its idempotency record
    assert store.snapshot() == before
    assert store.scan("IdempotencyTable") == []
    retry = _http(reassign_app, ROUTES["auto"], key="put-fails")
    assert retry["statusCode"] == 200
    assert StoreState.read(store).audit_count == 1


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_a_failure_saving_the_response_is_a_503_after_exactly_one_reassignment(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str
) -> None:
    faults.fail("UpdateItem", UNAVAILABLE[kind])

    answer = _http(reassign_app, ROUTES["auto"], key="update-fails")
    retry = _http(reassign_app, ROUTES["auto"], key="update-fails")

    _assert_retry_later(answer, 503, "ServiceUnavailableException", ROUTES["auto"])
    state = StoreState.read(store)
    assert len(state.audits["b-1"]) == 1
    assert all_violations(state, data) == []
    # The record still says "in progress" until this invocation's time runs out: a quick retry is told
    # so instead of reassigning the booking a second time.
    _assert_retry_later(retry, 409, "ConflictException", ROUTES["auto"])
    assert StoreState.read(store).audit_count == 1


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_a_failure_clearing_the_record_of_a_failed_request_is_a_503_that_changes_nothing(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str
) -> None:
    before = store.snapshot()
    faults.fail("TransactWriteItems", UNAVAILABLE["throttling"])
    faults.fail("DeleteItem", UNAVAILABLE[kind])

    answer = _http(reassign_app, ROUTES["auto"], key="delete-fails")

    assert faults.injected["DeleteItem"] == 1
    _assert_retry_later(answer, 503, "ServiceUnavailableException", ROUTES["auto"])
    assert store.snapshot() == before


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_a_failure_reading_the_record_of_a_replay_is_a_503(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any, kind: str
) -> None:
    first = _http(reassign_app, ROUTES["auto"], key="replayed")
    after_first = store.snapshot()
    # A replay's conditional put fails; the record is then read back (GetItem), unless DynamoDB
    # returned it with the failure. Fail both ways of reading it.
    faults.fail("GetItem", UNAVAILABLE[kind])
    faults.fail("PutItem", error_answer("ConditionalCheckFailedException"))

    answer = _http(reassign_app, ROUTES["auto"], key="replayed")

    assert first["statusCode"] == 200
    assert faults.injected["GetItem"] == 1
    _assert_retry_later(answer, 503, "ServiceUnavailableException", ROUTES["auto"])
    assert store.snapshot() == after_first


def test_a_keyed_success_writes_its_record_twice_and_reads_none(
    store: Any, data: dict[str, Any], faults: Faults, reassign_app: Any
) -> None:
    # A keyed success writes its record twice (in progress, then the response) and reads nothing.
    faults.clear()
    assert _http(reassign_app, ROUTES["auto"], key="count-calls")["statusCode"] == 200
    record_calls = {
        op: n for op, n in faults.calls.items() if op in ("PutItem", "GetItem", "UpdateItem", "DeleteItem")
    }
    assert record_calls == {"PutItem": 1, "UpdateItem": 1}
