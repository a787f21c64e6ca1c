"""Fault injection on the functions' real DynamoDB client, through botocore's own event hooks.

`before-call.dynamodb.<Operation>` runs just before a request is sent: a handler that answers there
replaces DynamoDB's answer (an error response, as if botocore's retries were spent) or raises a
timeout. `after-call` runs once the real request has been applied: a timeout raised there is the
worst case, a write that happened but whose answer never came back.

`before-send.dynamodb.<Operation>` runs for every attempt inside botocore's retry loop: a fault there
is one send, which botocore retries (or not) as it would a real one. `applied_then_lost` sends the
request for real, so the store applies it, then raises the read timeout that loses its answer.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"

Fault = Callable[[], Any]  # returns a replacement answer, or raises
SendFault = Callable[[AWSPreparedRequest], AWSResponse | None]  # an answer, None (send it), or raises


def error_answer(code: str, status: int = 400, reasons: list[str] | None = None) -> Fault:
    """DynamoDB answering with an error (as parsed by botocore), e.g. a throttle or a 500."""

    def answer() -> tuple[AWSResponse, dict[str, Any]]:
        parsed: dict[str, Any] = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "injected"},
        }
        if reasons is not None:
            parsed["CancellationReasons"] = [{"Code": r, "Message": r} for r in reasons]
        return AWSResponse(ENDPOINT, status, {}, None), parsed

    return answer


def raises(error: Exception) -> Fault:
    def fail() -> Any:
        raise error

    return fail


# Every way a DynamoDB call can fail that the client should see as "retry later".
UNAVAILABLE: dict[str, Fault] = {
    "throughput-exceeded": error_answer("ProvisionedThroughputExceededException"),
    "throttling": error_answer("ThrottlingException"),
    "internal-server-error": error_answer("InternalServerError", 500),
    "read-timeout": raises(ReadTimeoutError(endpoint_url=ENDPOINT, error="injected")),
    "connect-timeout": raises(ConnectTimeoutError(endpoint_url=ENDPOINT, error="injected")),
    "connection-refused": raises(EndpointConnectionError(endpoint_url=ENDPOINT)),
}
TRANSACTION_CONFLICT = error_answer("TransactionCanceledException", reasons=["None", "TransactionConflict"])
# Every way a transaction can fail without saying whether it applied (once botocore's retries are spent).
OUTCOME_UNKNOWN: dict[str, Fault] = {
    **UNAVAILABLE,
    "in-progress": error_answer("TransactionInProgressException"),
    "cancelled-throttled": error_answer("TransactionCanceledException", reasons=["ThrottlingError"]),
}


def applied_then_lost(then: Callable[[], None] = lambda: None) -> SendFault:
    """The request reaches the store and applies; its answer never arrives (a read timeout).
    `then` runs in between: whatever happens while the client is still waiting."""
    session = URLLib3Session()

    def send(request: AWSPreparedRequest) -> AWSResponse:
        answer = session.send(request)  # the store has answered, to nobody
        assert answer.status_code == 200, answer.content  # it did apply
        then()
        raise ReadTimeoutError(endpoint_url=request.url, error="injected: the answer was lost")

    return send


def timed_out(request: AWSPreparedRequest) -> AWSResponse:
    """Nothing reaches the store; the client waits out its read timeout."""
    raise ReadTimeoutError(endpoint_url=request.url, error="injected: no answer")


class Faults:
    """Counts every DynamoDB call of the functions' client; fails the chosen ones."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._before: list[tuple[str, set[int] | None, Fault]] = []
        self._after: list[tuple[str, Fault]] = []
        self._sends: dict[tuple[str, int], SendFault] = {}
        self.sends: Counter[str] = Counter()
        self._ids = itertools.count()
        self._registered: list[tuple[str, str]] = []
        self._register("before-call.dynamodb", self._on_before)
        self._register("after-call.dynamodb", self._on_after)
        self._register("before-send.dynamodb", self._on_send)

    def _register(self, event: str, handler: Callable[..., Any]) -> None:
        unique_id = f"faults-{id(self)}-{next(self._ids)}"
        self.client.meta.events.register(event, handler, unique_id=unique_id)
        self._registered.append((event, unique_id))

    def close(self) -> None:
        for event, unique_id in self._registered:
            self.client.meta.events.unregister(event, unique_id=unique_id)

    def fail(self, operation: str, fault: Fault, calls: set[int] | None = None) -> None:
        """Fail `operation`'s calls numbered in `calls` (1-based, counted from now; None: every call)."""
        with self._lock:
            self.calls.clear()
        self._before.append((operation, calls, fault))

    def fail_after_applying(self, operation: str, fault: Fault) -> None:
        """Let `operation` reach DynamoDB and apply, then fail it on the way back."""
        with self._lock:
            self.calls.clear()
        self._after.append((operation, fault))

    def on_sends(self, operation: str, faults: dict[int, SendFault]) -> None:
        """Fail `operation`'s sends (attempts, botocore's resends included) numbered as the keys
        (1-based, counted from now)."""
        with self._lock:
            self.calls.clear()
            self.sends.clear()
        self._sends.update({(operation, n): fault for n, fault in faults.items()})

    def clear(self) -> None:
        self._before.clear()
        self._after.clear()
        self._sends.clear()
        with self._lock:
            self.calls.clear()
            self.injected.clear()
            self.sends.clear()

    def _on_before(self, model: Any, **_: Any) -> Any:
        with self._lock:
            self.calls[model.name] += 1
            number = self.calls[model.name]
        for operation, calls, fault in self._before:
            if operation == model.name and (calls is None or number in calls):
                with self._lock:
                    self.injected[model.name] += 1
                return fault()
        return None

    def _on_send(self, request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rpartition(".")[2]  # before-send.dynamodb.<Operation>
        with self._lock:
            self.sends[operation] += 1
            fault = self._sends.get((operation, self.sends[operation]))
        return fault(request) if fault is not None else None

    def _on_after(self, model: Any, **_: Any) -> None:
        for operation, fault in self._after:
            if operation == model.name:
                with self._lock:
                    self.injected[model.name] += 1
                fault()
