"""A request with an Idempotency-Key runs at most once per (key, caller) (docs/api.md, Idempotency)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from reassign_core import runtime
from reassign_core.services.reassign import ReassignRequest, ReassignResult
from tests.concurrency.invariants import StoreState
from tests.factories import LambdaContext, base_dataset, http_event


def _http(
    reassign_app: Any, path: str, key: str, user_id: int = 1, body: str | None = None
) -> dict[str, Any]:
    event = http_event(path, body=body, headers={"Idempotency-Key": key}, user_id=user_id)
    answer = reassign_app.lambda_handler(event, LambdaContext())
    return {**answer, "body": json.loads(answer["body"])}


class GatedService:
    """The real service, held at the door until the test lets it in: a request that is still running."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def reassign(self, request: ReassignRequest) -> ReassignResult:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(timeout=10)
        return self._real.reassign(request)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> GatedService:
    gate = GatedService(runtime.reassign_service())
    monkeypatch.setattr(runtime, "reassign_service", lambda: gate)
    return gate


@pytest.fixture
def loaded(store: Any) -> Any:
    store.load(base_dataset())
    return store


def test_a_replayed_key_answers_the_first_response_and_reassigns_nothing_more(
    loaded: Any, invoke: Any
) -> None:
    first = invoke({"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "retry-me"})
    after_first = loaded.snapshot()

    replays = [
        invoke({"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "retry-me"}) for _ in range(3)
    ]

    assert first["statusCode"] == 200
    assert replays == [first] * 3
    assert loaded.snapshot() == after_first
    assert StoreState.read(loaded).audit_count == 1


def test_without_a_key_the_same_request_runs_again(loaded: Any, invoke: Any) -> None:
    # The control for the replay test: the booking really moves on every unkeyed call.
    answers = [invoke({"bookingUid": "b-1", "actorUserId": 1}) for _ in range(2)]

    assert [a["statusCode"] for a in answers] == [200, 200]
    assert StoreState.read(loaded).audit_count == 2


@pytest.mark.parametrize(
    "different",
    [
        {"userId": 4},  # auto first, then manual
        {"bookingUid": "b-2"},
        {"userId": 3, "reason": "another reason"},
    ],
    ids=["other-target", "other-booking", "other-reason"],
)
def test_the_same_key_with_a_different_request_is_422_and_changes_nothing(
    loaded: Any, invoke: Any, different: dict[str, Any]
) -> None:
    invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 3, "reason": "first", "idempotencyKey": "k"})
    before = loaded.snapshot()

    answer = invoke(
        {
            "bookingUid": "b-1",
            "actorUserId": 1,
            "userId": 3,
            "reason": "first",
            **different,
            "idempotencyKey": "k",
        }
    )

    assert answer["statusCode"] == 422
    assert answer["error"]["code"] == "UnprocessableEntityException"
    assert loaded.snapshot() == before


def test_the_same_key_while_the_first_is_still_running_is_409(
    loaded: Any, invoke: Any, gated: GatedService
) -> None:
    request = {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "in-flight"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(invoke, request)
        assert gated.entered.wait(timeout=10)

        duplicate = invoke(request)
        gated.release.set()
        original = first.result(timeout=30)

    assert duplicate["statusCode"] == 409
    assert duplicate["error"]["code"] == "ConflictException"
    assert "in progress" in duplicate["error"]["message"]
    assert gated.calls == 1  # the duplicate never reached the service
    assert original["statusCode"] == 200
    # Once the first is done, the key replays its answer.
    assert invoke(request) == original
    assert StoreState.read(loaded).audit_count == 1


def test_an_http_duplicate_in_flight_is_409_with_retry_after(
    loaded: Any, reassign_app: Any, invoke: Any, gated: GatedService
) -> None:
    # The first call is the same request invoked directly (the resolver of one module cannot serve two
    # HTTP events at once, and two Lambda instances would not share one anyway).
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(
            invoke, {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "http-in-flight"}
        )
        assert gated.entered.wait(timeout=10)
        duplicate = _http(reassign_app, "/bookings/b-1/reassign", "http-in-flight")
        gated.release.set()
        original = first.result(timeout=30)

    assert duplicate["statusCode"] == 409
    assert duplicate["body"]["error"]["code"] == "ConflictException"
    assert duplicate["body"]["path"] == "/v2/bookings/b-1/reassign"
    assert duplicate["multiValueHeaders"]["Retry-After"] == ["1"]
    assert original["statusCode"] == 200
    assert gated.calls == 1


def test_the_same_key_from_another_caller_is_an_independent_request(loaded: Any, invoke: Any) -> None:
    owner = invoke({"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "shared"})
    admin = invoke({"bookingUid": "b-1", "actorUserId": 7, "idempotencyKey": "shared"})

    # Not a 422, not a replay: the admin's request ran and moved the booking again.
    assert (owner["statusCode"], admin["statusCode"]) == (200, 200)
    assert admin["data"]["reassignedTo"]["id"] != owner["data"]["reassignedTo"]["id"]
    assert [r["reassignedById"] for r in StoreState.read(loaded).audits["b-1"]] == [1, 7]


def test_an_http_replay_answers_the_same_status_and_body(loaded: Any, reassign_app: Any) -> None:
    first = _http(reassign_app, "/bookings/b-1/reassign/3", "http-key", body='{"reason": "swap"}')
    after_first = loaded.snapshot()

    replay = _http(reassign_app, "/bookings/b-1/reassign/3", "http-key", body='{"reason": "swap"}')
    other_target = _http(reassign_app, "/bookings/b-1/reassign/4", "http-key", body='{"reason": "swap"}')

    assert first["statusCode"] == 200
    assert (replay["statusCode"], replay["body"]) == (200, first["body"])
    assert other_target["statusCode"] == 422
    assert other_target["body"]["error"]["code"] == "UnprocessableEntityException"
    assert other_target["body"]["path"] == "/v2/bookings/b-1/reassign/4"
    assert loaded.snapshot() == after_first


def test_an_http_key_is_scoped_to_the_authorized_caller(loaded: Any, reassign_app: Any) -> None:
    owner = _http(reassign_app, "/bookings/b-1/reassign", "same-key", user_id=1)
    admin = _http(reassign_app, "/bookings/b-1/reassign", "same-key", user_id=7)

    assert (owner["statusCode"], admin["statusCode"]) == (200, 200)
    assert StoreState.read(loaded).audit_count == 2


def test_a_failed_request_leaves_its_key_free_for_a_retry(store: Any, invoke: Any) -> None:
    # Given the booking is not there yet: the keyed request fails with 404
    data = base_dataset()
    bookings, data["bookings"] = data["bookings"], []
    store.load(data)
    request = {"bookingUid": "b-1", "actorUserId": 1, "idempotencyKey": "after-404"}
    assert invoke(request)["statusCode"] == 404

    # When the booking arrives and the client retries with the same key
    store.load({**data, "bookings": bookings})
    retry = invoke(request)

    # Then the retry ran (an error is never replayed)
    assert retry["statusCode"] == 200
    assert StoreState.read(store).audit_count == 1
