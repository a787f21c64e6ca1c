"""Delivery function: the delivery queue -> one signed POST per message, every attempt logged.

Messages of a batch are delivered concurrently, so a slow receiver never holds up another's. A
failed attempt leaves its message in the queue, invisible until its next attempt is due (the
retry schedule of WEBHOOK_RETRY_DELAYS), and reports it in `batchItemFailures`; after the last
attempt the message goes to the dead-letter queue.
"""

from __future__ import annotations

import gc

# Init-phase objects live as long as the execution environment (see functions/reassign/app.py).
gc.disable()

import asyncio
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reassign_core import webhook_runtime
from reassign_core.observability import publish_metrics
from reassign_core.webhooks.deliveries import DeliveryMessage, DeliveryStatus

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()
processor = AsyncBatchProcessor(event_type=EventType.SQS)


async def handle(record: SQSRecord) -> str:
    message = DeliveryMessage.from_json(json.loads(record.body))  # malformed: fails until redriven
    attempt = int(record.attributes.approximate_receive_count)
    service = webhook_runtime.delivery_service()
    status: DeliveryStatus = await asyncio.to_thread(service.deliver, message, attempt, record.receipt_handle)
    return status.value


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@publish_metrics(metrics)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with processor(event.get("Records", []), handle, context):
        outcomes = processor.async_process()
    for status in ("delivered", "failed"):
        count = sum(1 for outcome, result, _ in outcomes if outcome == "success" and result == status)
        if count:
            metrics.add_metric(name=f"Webhook{status.title()}", unit=MetricUnit.Count, value=count)
    retried = sum(1 for outcome, _, _ in outcomes if outcome == "fail")
    if retried:
        metrics.add_metric(name="WebhookRetried", unit=MetricUnit.Count, value=retried)
    return dict(processor.response())


# --- init phase ----------------------------------------------------------------------------------

webhook_runtime.delivery_service()  # settings, clients and the service made now, not on a message
gc.freeze()
gc.enable()
