"""The two pollers of local/event_sources.py: a table's stream and a queue, with Lambda's semantics."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.lambda_runtime import FunctionError, FunctionPool

POLL_SECONDS = 0.05
DEFAULT_QUEUE_CONCURRENCY = 5
Record = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """One event source mapping of the template (local/event_sources.py reads them): what a poller
    reads and how it calls the function."""

    kind: str  # "DynamoDB" or "SQS"
    function_id: str
    resource: str  # the table (DynamoDB) or queue (SQS) logical id
    batch_size: int
    window_seconds: float
    report_item_failures: bool
    starting_position: str = "LATEST"
    bisect: bool = False
    max_retries: int = -1  # -1: until the records expire, as Lambda's default
    on_failure_queue: str | None = None
    concurrency: int = DEFAULT_QUEUE_CONCURRENCY


def log(line: str) -> None:
    print(f"[event sources] {line}", file=sys.stderr, flush=True)


def failed_identifiers(result: Any) -> set[str] | None:
    """The `batchItemFailures` identifiers of a function's answer; None when they are unreadable."""
    if not isinstance(result, dict) or result.get("batchItemFailures") is None:
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    identifiers = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
    if any(not isinstance(i, str) or not i for i in identifiers):
        return None
    return {str(i) for i in identifiers}


class StreamPoller:
    """One table's stream: each shard's records in order, one batch at a time."""

    def __init__(
        self,
        source: Source,
        pool: FunctionPool,
        stream_arn: Callable[[], str | None],
        streams: Any,
        send_failure: Callable[[str, dict[str, Any]], None],
        region: str,
        stop: threading.Event,
    ) -> None:
        self.source = source
        self.pool = pool
        self._stream_arn = stream_arn
        self._streams = streams
        self._send_failure = send_failure
        self._region = region
        self._stop = stop
        self._last_sequence: dict[str, str] = {}  # per shard: the last record handed on

    def _iterators(self, stream_arn: str, position: str) -> dict[str, str]:
        iterators = {}
        for shard in self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            request = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": position}
            if shard_id in self._last_sequence:  # resume right after what was already handled
                request |= {
                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                    "SequenceNumber": self._last_sequence[shard_id],
                }
            iterators[shard_id] = self._streams.get_shard_iterator(**request)["ShardIterator"]
        return iterators

    def run(self) -> None:
        source = self.source
        stream_arn: str | None = None
        iterators: dict[str, str] = {}
        buffers: dict[str, list[Record]] = {}
        first_seen: dict[str, float] = {}
        checked = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - checked > 1.0 or not iterators:
                    checked = time.monotonic()
                    current = self._stream_arn()
                    if current and current != stream_arn:
                        position = source.starting_position
                        if stream_arn is not None:  # the table was recreated: all of its new stream
                            self._last_sequence.clear()
                            position = "TRIM_HORIZON"
                        stream_arn, iterators, buffers = current, self._iterators(current, position), {}
                    elif current and not iterators:  # after an error: resume after what was handled
                        iterators, buffers = self._iterators(current, "TRIM_HORIZON"), {}
                for shard, iterator in list(iterators.items()):
                    response = self._streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
                    iterators[shard] = response.get("NextShardIterator") or iterator
                    fresh = [stream_record(r, stream_arn or "", self._region) for r in response["Records"]]
                    buffer = buffers.setdefault(shard, [])
                    if fresh and not buffer:
                        first_seen[shard] = time.monotonic()
                    buffer.extend(fresh)
                    due = time.monotonic() - first_seen.get(shard, 0.0) >= source.window_seconds
                    while buffer and (len(buffer) >= source.batch_size or due):
                        batch, buffer[:] = buffer[: source.batch_size], buffer[source.batch_size :]
                        self._run_batch(shard, batch, source.max_retries)
                        self._last_sequence[shard] = batch[-1]["dynamodb"]["SequenceNumber"]
            except Exception as error:  # the store restarting, a table recreated: look again
                if self._stop.is_set():
                    return
                log(f"{source.function_id}: reading a stream failed ({type(error).__name__})")
                iterators = {}
                self._stop.wait(0.5)
            self._stop.wait(POLL_SECONDS)

    def _run_batch(self, shard: str, batch: list[Record], retries: int, delay: float = 0.1) -> None:
        """One batch to completion: invoked, retried, bisected or handed to the on-failure queue."""
        while not self._stop.is_set():
            failed_from, raised = self._invoke(batch)
            if failed_from is None:
                return
            if retries == 0:
                self._give_up(shard, batch[failed_from:])
                return
            retries = retries - 1 if retries > 0 else retries
            self._stop.wait(delay)
            delay = min(delay * 2, 5.0)
            if raised and self.source.bisect and len(batch) > 1:
                half = len(batch) // 2
                self._run_batch(shard, batch[:half], retries, delay)
                self._run_batch(shard, batch[half:], retries, delay)
                return
            batch = batch[failed_from:]

    def _invoke(self, batch: list[Record]) -> tuple[int | None, bool]:
        """(None when the batch succeeded, else the index of the first record to retry from;
        whether the function failed as a whole rather than reporting some records)."""
        try:
            result = self.pool.invoke({"Records": batch})
        except FunctionError as error:
            log(f"{self.source.function_id} failed: {error.payload['errorType']}: {error.error_message}")
            return 0, True
        if not self.source.report_item_failures:
            return None, False
        failed = failed_identifiers(result)
        sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
        if failed is None or not failed <= set(sequence_numbers):
            return 0, True  # an unreadable answer fails the whole batch, as on Lambda
        if not failed:
            return None, False
        return min(sequence_numbers.index(s) for s in failed), False

    def _give_up(self, shard: str, batch: list[Record]) -> None:
        log(f"{self.source.function_id}: {len(batch)} stream records given up after retries")
        if self.source.on_failure_queue is None:
            return
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        self._send_failure(
            self.source.on_failure_queue,
            {
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": self.pool.arn,
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": self.source.max_retries + 1,
                },
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    "functionError": "Unhandled",
                },
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(),
                "DDBStreamBatchInfo": {
                    "shardId": shard,
                    "startSequenceNumber": first["SequenceNumber"],
                    "endSequenceNumber": last["SequenceNumber"],
                    "approximateArrivalOfFirstRecord": first["ApproximateCreationDateTime"],
                    "approximateArrivalOfLastRecord": last["ApproximateCreationDateTime"],
                    "batchSize": len(batch),
                    "streamArn": batch[0]["eventSourceARN"],
                },
            },
        )


class QueuePoller:
    """One queue: batches received and handled several at a time, deleted when handled."""

    def __init__(
        self,
        source: Source,
        pool: FunctionPool,
        sqs: Any,
        queue_url: Callable[[], str],
        queue_arn: Callable[[], str],
        region: str,
        stop: threading.Event,
    ) -> None:
        self.source = source
        self.pool = pool
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._stop = stop

    def run(self) -> None:
        source = self.source
        slots = threading.Semaphore(source.concurrency)  # never receive more than can be handled now
        url = arn = ""
        with ThreadPoolExecutor(source.concurrency, thread_name_prefix=source.function_id) as workers:
            while not self._stop.is_set():
                slots.acquire()
                try:
                    url, arn = url or self._queue_url(), arn or self._queue_arn()
                    messages = self._receive(url)
                except Exception as error:  # the queue is being recreated: look again
                    url = arn = ""
                    slots.release()
                    if not self._stop.is_set():
                        log(f"{source.function_id}: receiving failed ({type(error).__name__})")
                        self._stop.wait(0.5)
                    continue
                if not messages:
                    slots.release()
                    self._stop.wait(POLL_SECONDS)
                    continue
                records = [queue_record(m, arn, self._region) for m in messages]
                workers.submit(self._run_batch, url, records, slots.release)

    def _receive(self, url: str) -> list[dict[str, Any]]:
        """Up to BatchSize messages, gathering for up to the batching window once one has come."""
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.source.window_seconds
        while len(messages) < self.source.batch_size:
            response = self._sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, self.source.batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = response.get("Messages", [])
            messages.extend(got)
            if not got and (not messages or time.monotonic() >= deadline):
                break
            if not got:
                time.sleep(POLL_SECONDS)
        return messages

    def _run_batch(self, url: str, records: list[Record], done: Callable[[], None]) -> None:
        try:
            try:
                result = self.pool.invoke({"Records": records})
            except FunctionError as error:
                log(f"{self.source.function_id} failed: {error.payload['errorType']}: {error.error_message}")
                return  # every message comes back once its visibility timeout ends
            ids = {r["messageId"] for r in records}
            failed = failed_identifiers(result) if self.source.report_item_failures else set()
            if failed is None or not failed <= ids:
                return  # an unreadable answer fails the whole batch, as on Lambda
            handled = [r for r in records if r["messageId"] not in failed]
            if handled:
                self._sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(handled)
                    ],
                )
        except Exception as error:
            log(f"{self.source.function_id}: handling a batch failed ({type(error).__name__})")
        finally:
            done()


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> Record:
    """A DynamoDB Streams record as Lambda passes it: creation time in epoch seconds, the ARN added."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }


def queue_record(message: dict[str, Any], queue_arn: str, region: str) -> Record:
    """An SQS message as Lambda passes it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def send_json(sqs: Any, url: str, body: dict[str, Any]) -> None:
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
