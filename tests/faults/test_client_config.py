"""botocore's own retries: standard mode, bounded, and over before the Lambda function times out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from reassign_core import runtime
from tests.factories import LambdaContext, base_dataset, http_event
from tests.faults.injection import ENDPOINT

MAX_BACKOFF_SECONDS = 20  # botocore's cap on one standard-mode backoff


def test_the_store_client_retries_in_standard_mode_and_gives_up_before_the_function_times_out(
    dynamo: Any, template: Any
) -> None:
    config = runtime.dynamodb_client(runtime.reassign_settings().endpoint_url).meta.config
    attempts = config.retries["total_max_attempts"]
    # Worst case of one call: every attempt connects and reads until its timeout, plus every backoff.
    worst_backoffs = sum(min(2**retry, MAX_BACKOFF_SECONDS) for retry in range(attempts - 1))
    worst_call = attempts * (config.connect_timeout + config.read_timeout) + worst_backoffs

    assert config.retries["mode"] == "standard"
    assert attempts == 2  # one resend: a third would leave no time to check a lost write (below)
    assert worst_call == runtime.longest_store_call_seconds()
    for function_id in ("ReassignFunction", "AuthorizerFunction"):  # the functions this client serves
        function = template.functions[function_id]
        assert function.timeout_seconds == runtime.FUNCTION_TIMEOUT_SECONDS
        assert worst_call < function.timeout_seconds


def test_a_write_whose_answer_was_lost_leaves_time_to_check_it_before_the_function_times_out(
    dynamo: Any,
) -> None:
    """The issue's case: the first send applied but timed out, the resend failed at once. The check
    is one more whole store call, and the service makes it only if it fits in its budget."""
    service = runtime.reassign_service()
    budget = service._budget
    assert budget is not None
    assert budget.longest_call_seconds == runtime.longest_store_call_seconds()
    assert budget.total_seconds <= runtime.FUNCTION_TIMEOUT_SECONDS - runtime.ANSWER_RESERVE_SECONDS
    lost_write = runtime.READ_TIMEOUT_SECONDS + 1  # the timed-out send and botocore's longest backoff
    longest_jitter = 0.02 * 2 ** runtime.reassign_settings().max_write_attempts
    assert lost_write + longest_jitter + budget.longest_call_seconds <= budget.total_seconds


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _throttled() -> AWSResponse:
    """DynamoDB's wire answer to a throttled request."""
    body = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
    headers = {"x-amzn-RequestId": "throttled", "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse(ENDPOINT, 400, headers, _Body(json.dumps(body).encode()))


@pytest.fixture
def throttled_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """Throttles the first `times` Query attempts on the wire; botocore's backoff sleeps are recorded."""
    state = SimpleNamespace(times=0, attempts=0, sleeps=[])

    def on_send(**_: Any) -> AWSResponse | None:
        state.attempts += 1
        return _throttled() if state.attempts <= state.times else None

    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=state.sleeps.append, time=time.time))
    client = runtime.dynamodb_client(runtime.reassign_settings().endpoint_url)
    client.meta.events.register("before-send.dynamodb.Query", on_send, unique_id="throttled-queries")
    yield state
    client.meta.events.unregister("before-send.dynamodb.Query", unique_id="throttled-queries")


def test_one_throttled_attempt_is_absorbed_by_botocore_retrying(
    store: Any, reassign_app: Any, throttled_queries: SimpleNamespace
) -> None:
    store.load(base_dataset())
    throttled_queries.times = 1

    answer = reassign_app.lambda_handler(http_event("/bookings/b-1/reassign"), LambdaContext())

    assert answer["statusCode"] == 200
    assert len(throttled_queries.sleeps) == 1  # one backoff, then the retry went through


def test_persistent_throttling_stops_after_the_configured_attempts_with_a_503(
    store: Any, reassign_app: Any, throttled_queries: SimpleNamespace
) -> None:
    store.load(base_dataset())
    before = store.snapshot()
    throttled_queries.times = 1000

    answer = reassign_app.lambda_handler(http_event("/bookings/b-1/reassign"), LambdaContext())

    assert answer["statusCode"] == 503
    assert answer["multiValueHeaders"]["Retry-After"] == ["1"]
    # The first Query gave up after exactly the configured attempts; nothing else was written.
    assert (
        throttled_queries.attempts
        == runtime.dynamodb_client(runtime.reassign_settings().endpoint_url).meta.config.retries[
            "total_max_attempts"
        ]
    )
    assert store.snapshot() == before
