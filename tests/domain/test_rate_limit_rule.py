"""The rate-limit rule: fixed windows, what counts as over, and the headers and Retry-After it gives."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from reassign_core.domain.errors import RateLimited
from reassign_core.domain.rate_limit import RateLimitState, Window, window_at
from reassign_core.services.rate_limit import Credential, RateLimiter, admit, counting


def test_windows_are_aligned_minutes() -> None:
    assert window_at(1_900_000_020.0) == Window(1_900_000_020, 60)
    assert window_at(1_900_000_079.99) == Window(1_900_000_020, 60)
    assert window_at(1_900_000_080.0) == Window(1_900_000_080, 60)


@pytest.mark.parametrize(
    ("count", "remaining", "exceeded"), [(1, 119, False), (120, 0, False), (121, 0, True), (500, 0, True)]
)
def test_the_limit_itself_is_allowed_one_more_is_not(count: int, remaining: int, exceeded: bool) -> None:
    state = RateLimitState(120, count, Window(1_900_000_020, 60))

    assert (state.remaining, state.exceeded) == (remaining, exceeded)
    assert state.headers() == {
        "X-RateLimit-Limit-Default": "120",
        "X-RateLimit-Remaining-Default": str(remaining),
        "X-RateLimit-Reset-Default": "1900000080",
    }


def test_retry_after_is_the_rest_of_the_window_in_whole_seconds_at_least_one() -> None:
    state = RateLimitState(1, 2, Window(1_900_000_020, 60))

    assert state.retry_after(1_900_000_020.0) == 60
    assert state.retry_after(1_900_000_035.2) == 45
    assert state.retry_after(1_900_000_079.9) == 1
    assert state.retry_after(1_900_000_081.0) == 1


class Counter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}

    def count(self, credential_id: str, window_start: int, window_seconds: int) -> int:
        key = (credential_id, window_start)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


class Inline:
    """An executor that runs the count at once: the order of events is then plain."""

    def submit(self, fn: Any, *args: Any) -> Future[int]:
        future: Future[int] = Future()
        future.set_result(fn(*args))
        return future


def limiter(now: list[float]) -> tuple[RateLimiter, Counter]:
    counter = Counter()
    return RateLimiter(counter, {"apiKey": 2}, Inline(), clock=lambda: now[0]), counter  # type: ignore[arg-type]


def test_admit_refuses_past_the_limit_per_credential_and_window() -> None:
    now = [1_900_000_030.0]
    rate, counter = limiter(now)
    key = Credential("k1", "apiKey")

    for _ in range(2):
        with counting(rate.start(key)):
            admit()
    with counting(rate.start(key)), pytest.raises(RateLimited) as refused:
        admit()
    assert refused.value.retry_after_seconds == 50

    with counting(rate.start(Credential("k2", "apiKey"))):
        admit()  # another key counts apart
    now[0] += 60
    with counting(rate.start(key)):
        admit()  # a new window
    assert counter.counts == {("k1", 1_900_000_020): 3, ("k2", 1_900_000_020): 1, ("k1", 1_900_000_080): 1}


def test_a_method_without_a_limit_and_a_request_without_a_count_are_not_limited() -> None:
    rate, counter = limiter([1_900_000_030.0])

    assert rate.start(Credential("t1", "accessToken")) is None
    with counting(None):
        admit()
    admit()  # outside any request: direct invocation
    assert counter.counts == {}
