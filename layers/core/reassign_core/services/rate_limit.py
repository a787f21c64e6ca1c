"""Per-credential rate limits (docs/api.md, Rate limits): count each request without making it wait.

A request's count is sent when it arrives, on the executor, while the request makes its first read.
The route then calls `admit()` before it writes or reads anything whose size depends on the data
(the reassignment and its read routes: right after their first round trip), which by then costs no
wait; whatever the route did not admit is settled when its answer is ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from reassign_core.domain.errors import RateLimited, StoreUnavailable
from reassign_core.domain.rate_limit import (
    ACCESS_TOKEN,
    API_KEY,
    WINDOW_SECONDS,
    RateLimitState,
    Window,
    window_at,
)
from reassign_core.settings import RateLimitSettings
from reassign_core.store.rate_counter import RateCounter

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class Credential:
    """From the authorizer's context: never the token, only the id derived from its hash."""

    id: str
    method: str  # apiKey or accessToken


@dataclass(slots=True)
class PendingCount:
    limit: int
    future: Future[int]
    window_start: int
    window_seconds: int
    clock: Callable[[], float]
    _state: RateLimitState | None = field(default=None)
    _not_counted: bool = field(default=False)

    def state(self) -> RateLimitState | None:
        """Waits for the count if it is still on its way. None when the counter failed other than
        by being busy (denied access, a missing table, a bug): the request goes uncounted rather
        than failing. A busy store (StoreUnavailable) still raises: the route answers 503."""
        if self._state is None and not self._not_counted:
            try:
                count = self.future.result()
            except StoreUnavailable:
                raise
            except Exception as error:
                self._not_counted = True
                # The type and AWS error code only: never the message (it may quote keys or ARNs).
                logger.warning(
                    "Request not counted: the rate counter failed",
                    extra={"error": type(error).__name__, "errorCode": _aws_error_code(error)},
                )
                return None
            self._state = RateLimitState(self.limit, count, Window(self.window_start, self.window_seconds))
        return self._state

    def refusal(self) -> RateLimited | None:
        state = self.state()
        return RateLimited(state.retry_after(self.clock())) if state is not None and state.exceeded else None


def _aws_error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)  # botocore's ClientError, without importing botocore
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


class RateLimiter:
    def __init__(
        self,
        counter: RateCounter,
        limits: Mapping[str, int],
        executor: Executor,
        clock: Callable[[], float] = time.time,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._counter = counter
        self._limits = dict(limits)  # by authMethod; a method without one is not limited
        self._executor = executor
        self._clock = clock
        self._window_seconds = window_seconds

    @classmethod
    def from_settings(
        cls, settings: RateLimitSettings, client: Any, executor: Executor
    ) -> RateLimiter | None:
        """None when neither limit is set (`make run` without them in its environment)."""
        limits = {API_KEY: settings.api_key_limit, ACCESS_TOKEN: settings.access_token_limit}
        if not any(limits.values()):
            return None
        set_limits = {method: limit for method, limit in limits.items() if limit is not None}
        return cls(RateCounter(client, settings.data_table), set_limits, executor)

    def start(self, credential: Credential) -> PendingCount | None:
        limit = self._limits.get(credential.method)
        if limit is None:
            return None
        window = window_at(self._clock(), self._window_seconds)
        future = self._executor.submit(self._counter.count, credential.id, window.start, window.seconds)
        return PendingCount(limit, future, window.start, window.seconds, self._clock)


_pending: ContextVar[PendingCount | None] = ContextVar("pending_rate_count", default=None)


@contextmanager
def counting(pending: PendingCount | None) -> Iterator[None]:
    """While the request runs, `admit()` refers to its count."""
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)


def admit() -> None:
    """Raises RateLimited when this request is over its credential's limit; a no-op when nothing is
    counted (direct invocation, limits off, a caller without a credential)."""
    pending = _pending.get()
    if pending is not None and (refusal := pending.refusal()) is not None:
        raise refusal
