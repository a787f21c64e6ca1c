"""The local event-source runner gives a template's stream and queue consumers Lambda's semantics."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local import event_sources
from local.cfn import ensure_tables, load_template
from local.dynamo import EmbeddedDynamoDB

TEMPLATE = Path(__file__).with_name("fixture_events") / "template.yaml"


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, Path]]:
    log = tmp_path / "calls.jsonl"
    log.touch()
    monkeypatch.setenv("EVENT_LOG", str(log))
    monkeypatch.delenv("SQS_ENDPOINT_URL", raising=False)  # the runner sets it; put back afterwards
    template = load_template(TEMPLATE)
    with EmbeddedDynamoDB() as store, contextlib.ExitStack() as stack:
        store.reset()  # moto keeps one state per process: start from none
        ensure_tables(store.client(), template)
        runner = event_sources.run(stack, template, store.endpoint_url)
        yield runner, store.client(), log


def calls(log: Path, kind: str) -> list[list[str]]:
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return [line["names"] for line in lines if line["kind"] == kind]


def wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def drain(runner: Any, queue: str) -> list[str]:
    found = runner._sqs.receive_message(QueueUrl=runner.queue_url(queue), MaxNumberOfMessages=10)
    return [m["Body"] for m in found.get("Messages", [])]


def test_the_template_is_read_generically() -> None:
    sources, queues = event_sources.read_sources(load_template(TEMPLATE))
    stream, queue = sorted(sources, key=lambda s: s.kind)
    assert (stream.kind, stream.function_id, stream.resource) == ("DynamoDB", "StreamConsumer", "Table")
    assert (stream.bisect, stream.max_retries, stream.on_failure_queue) == (True, 1, "StreamFailures")
    assert (queue.kind, queue.function_id, queue.resource, queue.batch_size) == (
        "SQS",
        "QueueConsumer",
        "Work",
        10,
    )
    work = next(q for q in queues if q.logical_id == "Work")
    assert (work.dead_letter_queue, work.max_receive_count, work.attributes) == (
        "Dead",
        2,
        {"VisibilityTimeout": "1"},
    )


def test_a_reported_stream_record_is_retried_from_there_then_sent_to_the_on_failure_queue(
    running: Any,
) -> None:
    runner, client, log = running
    for name, fail in (("a", None), ("b", "report"), ("c", None)):
        item = {"PK": {"S": name}} | ({"fail": {"S": fail}} if fail else {})
        client.put_item(TableName="Table", Item=item)

    failures = wait_for(lambda: drain(runner, "StreamFailures"))

    assert calls(log, "stream") == [["a", "b", "c"], ["b", "c"]]
    info = json.loads(failures[0])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2 and info["streamArn"].endswith(info["streamArn"].split("/stream/")[1])


def test_a_failing_stream_batch_is_bisected(running: Any) -> None:
    runner, client, log = running
    for name in ("w", "x", "y", "z"):
        item = {"PK": {"S": name}} | ({"fail": {"S": "raise"}} if name == "y" else {})
        client.put_item(TableName="Table", Item=item)

    failures = wait_for(lambda: drain(runner, "StreamFailures"))

    assert calls(log, "stream") == [["w", "x", "y", "z"], ["w", "x"], ["y", "z"]]
    assert json.loads(failures[0])["DDBStreamBatchInfo"]["batchSize"] == 2


def test_queue_messages_are_deleted_unless_reported_and_end_in_the_dead_letter_queue(running: Any) -> None:
    runner, _, log = running
    url = runner.queue_url("Work")
    runner._sqs.send_message(QueueUrl=url, MessageBody="good")
    runner._sqs.send_message(QueueUrl=url, MessageBody="bad")

    dead = wait_for(lambda: drain(runner, "Dead"))

    assert dead == ["bad"]
    handled = [body for batch in calls(log, "queue") for body in batch]
    assert handled.count("good") == 1 and handled.count("bad") == 2  # maxReceiveCount 2
