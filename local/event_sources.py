"""Run a template's stream and queue consumers locally, as Lambda's event source mappings do.

`sam local` cannot run stream or queue consumers at all. This runner reads every `Events` entry of
type `DynamoDB` and `SQS` in template.yaml, polls the table's stream (DynamoDB Streams of the
store: the embedded moto DynamoDB, or any --endpoint-url) and the queue (an embedded moto SQS, with
the template's queues and redrive policies), and invokes the function with Lambda's event shapes:
- streams: batches of up to BatchSize records, gathered for up to MaximumBatchingWindowInSeconds,
  one batch at a time per shard; with ReportBatchItemFailures a returned `batchItemFailures`
  retries from the first failed record; an error retries the batch (halved first when
  BisectBatchOnFunctionError), up to MaximumRetryAttempts, then the batch's description goes to
  the DestinationConfig.OnFailure queue and the shard moves on;
- queues: batches received with the queue's visibility timeout, several in flight at once (so a
  slow batch never holds up the next); the messages of a successful batch are deleted, except
  those named in `batchItemFailures`; an error leaves them all to come back (and, past the
  redrive policy's maxReceiveCount, to move to the dead-letter queue).
Nothing here knows which functions these are.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import boto3
from botocore.config import Config

from local.cfn import Template, load_yaml
from local.dynamo import EmbeddedDynamoDB
from local.event_pollers import DEFAULT_QUEUE_CONCURRENCY, QueuePoller, Source, StreamPoller, log, send_json
from local.lambda_runtime import FunctionPool, apply_env


def _logical_id(value: Any) -> str:
    """`!GetAtt X.Arn` / `!GetAtt X.StreamArn` / `!Ref X` -> X."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else target.split(".", 1)[0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise ValueError(f"cannot tell which resource {value!r} names")


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    attributes: dict[str, str]
    dead_letter_queue: str | None
    max_receive_count: int | None


def read_sources(template: Template) -> tuple[list[Source], list[QueueSpec]]:
    doc = load_yaml(template.path)
    parameters = {k: v.get("Default") for k, v in (doc.get("Parameters") or {}).items()}
    resources = doc.get("Resources") or {}

    def scalar(value: Any, default: Any = None) -> Any:
        if isinstance(value, dict) and "Ref" in value:
            return parameters.get(value["Ref"], default)
        return default if value is None else value

    sources = []
    for function_id, resource in resources.items():
        if function_id not in template.functions:
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            kind, props = event.get("Type"), event.get("Properties") or {}
            if kind not in ("DynamoDB", "SQS"):
                continue
            on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            sources.append(
                Source(
                    kind=kind,
                    function_id=function_id,
                    resource=_logical_id(props["Stream" if kind == "DynamoDB" else "Queue"]),
                    batch_size=int(scalar(props.get("BatchSize"), 100 if kind == "DynamoDB" else 10)),
                    window_seconds=float(scalar(props.get("MaximumBatchingWindowInSeconds"), 0)),
                    report_item_failures="ReportBatchItemFailures"
                    in (props.get("FunctionResponseTypes") or []),
                    starting_position=str(scalar(props.get("StartingPosition"), "LATEST")),
                    bisect=bool(scalar(props.get("BisectBatchOnFunctionError"), False)),
                    max_retries=int(scalar(props.get("MaximumRetryAttempts"), -1)),
                    on_failure_queue=_logical_id(on_failure) if on_failure else None,
                    concurrency=int(
                        scalar(
                            (props.get("ScalingConfig") or {}).get("MaximumConcurrency"),
                            DEFAULT_QUEUE_CONCURRENCY,
                        )
                    ),
                )
            )
    queues = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::Queue":
            continue
        props = resource.get("Properties") or {}
        attributes = {
            name: str(scalar(props[name]))
            for name in (
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "DelaySeconds",
                "ReceiveMessageWaitTimeSeconds",
            )
            if name in props
        }
        redrive = props.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        queues.append(
            QueueSpec(
                logical_id,
                attributes,
                _logical_id(target) if target else None,
                int(scalar(redrive["maxReceiveCount"])) if target else None,
            )
        )
    return sources, queues


def environment_overrides(template: Template) -> Template:
    """The template with each function variable that this process's environment also sets taken
    from there, as `sam local --env-vars` would: e.g. `WEBHOOK_RETRY_DELAYS=1,1 make run`."""
    functions = {
        name: replace(function, env={k: os.environ.get(k, v) for k, v in function.env.items()})
        for name, function in template.functions.items()
    }
    return replace(template, functions=functions)


class EventSourceRunner:
    def __init__(self, template: Template, dynamodb_endpoint: str | None, sqs_endpoint: str) -> None:
        self.template = template
        self.sources, self.queue_specs = read_sources(template)
        region = template.region
        # No client retries: the pollers' own loops retry, and a stale stream iterator (a table that
        # was recreated) must fail at once rather than after botocore's backoff.
        config = Config(retries={"total_max_attempts": 1})
        self._dynamodb: Any = boto3.client(
            "dynamodb", endpoint_url=dynamodb_endpoint, region_name=region, config=config
        )
        self._streams: Any = boto3.client(
            "dynamodbstreams", endpoint_url=dynamodb_endpoint, region_name=region, config=config
        )
        self._sqs: Any = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name=region, config=config)
        self._pools: dict[str, FunctionPool] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- set-up ------------------------------------------------------------------------------

    def stream_arn(self, table: str) -> str | None:
        described = self._dynamodb.describe_table(TableName=self.template.tables[table].name)
        return described["Table"].get("LatestStreamArn")

    def queue_url(self, logical_id: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=logical_id)["QueueUrl"])

    def queue_arn(self, logical_id: str) -> str:
        url = self.queue_url(logical_id)
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def ensure_queues(self) -> None:
        """Create the template's queues (dead-letter targets first); locally a queue is named by
        its logical id, which is what `!Ref` of it gives the functions here."""
        ordered = sorted(self.queue_specs, key=lambda q: q.dead_letter_queue is not None)
        for spec in ordered:
            attributes = dict(spec.attributes)
            if spec.dead_letter_queue:
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": self.queue_arn(spec.dead_letter_queue),
                        "maxReceiveCount": spec.max_receive_count,
                    }
                )
            self._sqs.create_queue(QueueName=spec.logical_id, Attributes=attributes)

    def start(self) -> None:
        self.ensure_queues()
        region = self.template.region
        for source in self.sources:
            function = self.template.functions[source.function_id]
            pool = self._pools.setdefault(source.function_id, FunctionPool(function, region))
            poller: StreamPoller | QueuePoller
            if source.kind == "DynamoDB":
                poller = StreamPoller(
                    source,
                    pool,
                    partial(self.stream_arn, source.resource),
                    self._streams,
                    self._send_failure,
                    region,
                    self._stop,
                )
            else:
                queue = source.resource
                poller = QueuePoller(
                    source,
                    pool,
                    self._sqs,
                    partial(self.queue_url, queue),
                    partial(self.queue_arn, queue),
                    region,
                    self._stop,
                )
            name = f"{source.kind}->{source.function_id}"
            thread = threading.Thread(target=poller.run, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
            log(f"{source.kind} {source.resource} -> {source.function_id}")

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _send_failure(self, queue: str, record: dict[str, Any]) -> None:
        send_json(self._sqs, self.queue_url(queue), record)


def run(stack: contextlib.ExitStack, template: Template, endpoint_url: str | None) -> EventSourceRunner:
    """Run the template's stream and queue consumers for as long as `stack` is open, against the
    store at `endpoint_url` and an embedded SQS. The runner's template is the one the local API must
    use: the function variables this process's environment sets win (see `environment_overrides`)."""
    template = environment_overrides(template)
    sqs = stack.enter_context(EmbeddedDynamoDB())  # moto's server app serves SQS as well
    os.environ["SQS_ENDPOINT_URL"] = sqs.endpoint_url
    runner = EventSourceRunner(template, endpoint_url, sqs.endpoint_url)
    apply_env(template, endpoint_url, sorted({s.function_id for s in runner.sources}))
    runner.start()
    stack.callback(runner.stop)
    return runner


def start(stack: contextlib.ExitStack, template: Template, endpoint_url: str | None) -> Template:
    """`run`, for the local API's main: the template it must use from now on."""
    return run(stack, template, endpoint_url).template
