"""Fan-out function: the outbox table's stream -> one delivery message per (event, webhook).

Each batch reads what its events need once (every owner's webhooks, every named user's profile),
then enqueues every event's messages concurrently. A record whose messages did not all reach the
queue is reported in `batchItemFailures`, so Lambda retries from it (bisecting on errors) and,
when retries run out, sends the batch's description to the on-failure queue: nothing is skipped.
"""

from __future__ import annotations

import gc

# Init-phase objects live as long as the execution environment (see functions/reassign/app.py).
gc.disable()

import asyncio
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reassign_core import webhook_runtime
from reassign_core.observability import publish_metrics
from reassign_core.services.webhook_fanout import BatchContext
from reassign_core.store.dynamo_json import decode_item
from reassign_core.webhooks.events import ReassignmentEvent

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()
# Records are handled concurrently (each waits on its own SendMessageBatch), failures still per record.
processor = AsyncBatchProcessor(event_type=EventType.DynamoDBStreams)


def _event_of(record: dict[str, Any]) -> ReassignmentEvent | None:
    """The reassignment a stream record carries; None for records that are no new event (the TTL's
    removals). ValueError for an event this code cannot read: it fails, and is never skipped."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not image:
        raise ValueError("stream record without a new image")
    return ReassignmentEvent.from_outbox(decode_item(image))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@publish_metrics(metrics)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = webhook_runtime.fanout_service()
    readable = []
    for record in event.get("Records", []):
        try:
            if (found := _event_of(record)) is not None:
                readable.append(found)
        except ValueError:
            pass  # reported as that record's failure below
    # One read for the whole batch; if it fails, so does the batch (Lambda retries it, bisecting).
    batch: BatchContext = service.read_context(readable)

    async def handle(record: DynamoDBRecord) -> int:
        reassignment = _event_of(record.raw_event)
        if reassignment is None:
            return 0
        sent = await asyncio.to_thread(service.enqueue, reassignment, batch)
        logger.info("Event fanned out", extra={"eventId": reassignment.event_id, "messages": sent})
        return sent

    # Raises when every record failed: the whole batch is retried (and bisected), as it should be.
    with processor(event.get("Records", []), handle, context):
        outcomes = processor.async_process()
    sent = sum(result for status, result, _ in outcomes if status == "success")
    metrics.add_metric(name="WebhookMessagesEnqueued", unit=MetricUnit.Count, value=sent)
    return dict(processor.response())


# --- init phase ----------------------------------------------------------------------------------

webhook_runtime.fanout_service()  # settings, clients and the service made now, not on an event
gc.freeze()
gc.enable()
