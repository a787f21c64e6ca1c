"""DynamoDB calls as the service really makes them, observed through botocore's event hooks.

`CallRecorder.attach(client)` hooks the service's own client: every API call is timed from its
first event (`provide-client-params`, before serialization) to its last (`after-call` or
`after-call-error`, after parsing), in wall time and in the calling thread's CPU time. Calls
that overlap in time ran in parallel; the longest chain of calls each starting after the
previous one ended is the number of sequential round trips.

A `latency` adds a sleep to every HTTP request (`before-send`), as a network to DynamoDB would:
a local store answers in far less than a real round trip, so without it parallel requests may
not overlap just because the client took turns preparing them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

READ_UNIT = 4096  # bytes per read capacity unit
WRITE_UNIT = 1024  # bytes per write capacity unit
TRANSACT_ITEM_KEYS = ("Put", "Update", "Delete", "ConditionCheck")


@dataclass
class Call:
    operation: str
    start: float  # perf_counter seconds
    end: float
    cpu: float  # CPU seconds of the calling thread inside the call (serialize, sign, HTTP, parse)
    params: dict[str, Any]
    parsed: dict[str, Any] | None
    thread: str
    error: str | None = None

    def tables(self) -> set[str]:
        p = self.params
        if "TableName" in p:
            return {p["TableName"]}
        if "RequestItems" in p:
            return set(p["RequestItems"])
        if "TransactItems" in p:
            return {next(iter(op.values()))["TableName"] for op in p["TransactItems"]}
        return set()


@dataclass
class CallRecorder:
    latency: float = 0.0
    recording: bool = False
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self._started)
        events.register("before-send.dynamodb", self._sending)
        events.register("after-call.dynamodb", self._finished)
        events.register("after-call-error.dynamodb", self._failed)

    def start(self) -> None:
        with self._lock:
            self.calls = []
            self.recording = True

    def stop(self) -> list[Call]:
        with self._lock:
            self.recording = False
            return self.calls

    # --- hooks (they run in the thread that makes the call) ---------------------------------

    def _started(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench"] = (time.thread_time(), time.perf_counter(), params)

    def _sending(self, **_: Any) -> None:
        if self.latency:
            time.sleep(self.latency)

    def _finished(self, context: dict[str, Any], parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self._record(context, model.name, parsed, parsed.get("Error", {}).get("Code"))

    def _failed(self, context: dict[str, Any], exception: Exception, **kwargs: Any) -> None:
        self._record(
            context, kwargs.get("event_name", "?").rsplit(".", 1)[-1], None, type(exception).__name__
        )

    def _record(
        self, context: dict[str, Any], operation: str, parsed: dict[str, Any] | None, error: str | None
    ) -> None:
        end, cpu_end = time.perf_counter(), time.thread_time()
        if "bench" not in context:
            return
        cpu_start, start, params = context.pop("bench")
        call = Call(
            operation, start, end, cpu_end - cpu_start, params, parsed, threading.current_thread().name, error
        )
        with self._lock:
            if self.recording:
                self.calls.append(call)


def sequential_round_trips(calls: list[Call]) -> int:
    """Longest chain of calls in which each starts after the previous one ended."""
    ordered = sorted(calls, key=lambda c: c.end)
    chain: list[int] = []
    for i, call in enumerate(ordered):
        before = [chain[j] for j in range(i) if ordered[j].end <= call.start]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


class ReplayClient:
    """Answers the reads of a recorded reassignment from memory, and accepts any write.

    Re-running the same request against it repeats the same decision with no botocore, HTTP
    or store in the way: a profile of that run is a profile of the service's own code.
    """

    def __init__(self, calls: list[Call]) -> None:
        self._items: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}
        self._queries: dict[str, dict[str, Any]] = {}
        for call in calls:
            if call.operation == "BatchGetItem" and call.parsed:
                for table, request in call.params["RequestItems"].items():
                    names = sorted(request["Keys"][0])
                    for item in call.parsed.get("Responses", {}).get(table, []):
                        self._items[(table, _key({n: item[n] for n in names}))] = item
            elif call.operation == "Query" and call.parsed:
                self._queries[_canonical(call.params)] = call.parsed

    def batch_get_item(self, RequestItems: dict[str, Any], **_: Any) -> dict[str, Any]:
        responses = {
            table: [item for key in request["Keys"] if (item := self._items.get((table, _key(key))))]
            for table, request in RequestItems.items()
        }
        return {"Responses": responses, "UnprocessedKeys": {}}

    def query(self, **params: Any) -> dict[str, Any]:
        return self._queries[_canonical(params)]

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return {}


def _key(key: dict[str, dict[str, Any]]) -> tuple[Any, ...]:
    return tuple(sorted((name, *value.items()) for name, value in key.items()))


def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def overlap_waves(calls: list[Call]) -> int:
    """Groups of calls linked by overlapping in time: a lower bound of the round trips, blind to a
    pool too small for its requests (its staggered requests still overlap one another)."""
    waves, reach = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c.start):
        if call.start > reach:
            waves += 1
        reach = max(reach, call.end)
    return waves


# --- sizes and capacity (estimates from the wire JSON) -----------------------------------------


def attribute_size(value: dict[str, Any]) -> int:
    """DynamoDB's size rules, roughly: strings/binaries by length, numbers ~1 byte per 2 digits."""
    ((kind, v),) = value.items()
    if kind in ("S", "B"):
        return len(v.encode("utf-8")) if isinstance(v, str) else len(v)
    if kind == "N":
        return len(v.lstrip("-").replace(".", "").strip("0") or "0") // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + attribute_size(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(attribute_size(x) + 1 for x in v)
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: x}) for x in v)
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


@dataclass
class Usage:
    calls: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    keys_requested: int = 0
    items_read: int = 0
    bytes_read: int = 0
    items_written: int = 0  # actions in TransactWriteItems (and single writes)
    bytes_written: int = 0
    rcu: float = 0.0
    wcu: float = 0.0


def usage(calls: list[Call]) -> Usage:
    """Items read/written and capacity units. Reads: strongly consistent = 1 RCU per started 4 KB
    per item (a missing item still costs 1), a Query rounds its total; eventually consistent =
    half. Transactional writes: 2 WCU per started 1 KB per action (ConditionCheck included; an
    Update/Delete is counted at its request size, at least 1 KB)."""
    u = Usage()
    for call in calls:
        u.calls += 1
        u.by_operation[call.operation] = u.by_operation.get(call.operation, 0) + 1
        p, r = call.params, call.parsed or {}
        if call.operation == "BatchGetItem":
            for table, request in p["RequestItems"].items():
                factor = 1.0 if request.get("ConsistentRead") else 0.5
                found = r.get("Responses", {}).get(table, [])
                missing = len(request["Keys"]) - len(found)
                sizes = [item_size(i) for i in found]
                u.keys_requested += len(request["Keys"])
                u.items_read += len(found)
                u.bytes_read += sum(sizes)
                u.rcu += factor * (sum(max(1, math.ceil(s / READ_UNIT)) for s in sizes) + missing)
        elif call.operation in ("Query", "Scan"):
            sizes = [item_size(i) for i in r.get("Items", [])]
            u.items_read += len(sizes)
            u.bytes_read += sum(sizes)
            u.rcu += (1.0 if p.get("ConsistentRead") else 0.5) * max(1, math.ceil(sum(sizes) / READ_UNIT))
        elif call.operation == "GetItem":
            size = item_size(r["Item"]) if "Item" in r else 0
            u.keys_requested += 1
            u.items_read += "Item" in r
            u.bytes_read += size
            u.rcu += (1.0 if p.get("ConsistentRead") else 0.5) * max(1, math.ceil(size / READ_UNIT))
        elif call.operation == "TransactWriteItems":
            for action in p["TransactItems"]:
                kind = next(k for k in TRANSACT_ITEM_KEYS if k in action)
                body = action[kind]
                size = (
                    item_size(body["Item"])
                    if kind == "Put"
                    else item_size(body["Key"])
                    + sum(item_size({"v": v}) for v in body.get("ExpressionAttributeValues", {}).values())
                )
                u.items_written += 1
                u.bytes_written += size
                u.wcu += 2 * max(1, math.ceil(size / WRITE_UNIT))
        elif call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            size = item_size(p.get("Item") or p.get("Key") or {})
            u.items_written += 1
            u.bytes_written += size
            u.wcu += max(1, math.ceil(size / WRITE_UNIT))
    return u
