"""The webhooks' benchmark: commit -> receiver latency under `make run`, CPU per fan-out event and
per delivery, and what a million deliveries cost.

    python -m bench.webhooks [--deliveries 30] [--batches 15]

Writes its figures under "webhooks" in bench/results.json (the rest of the file is left as is).

- Latency: the local API, the event-source runner and a receiver on 127.0.0.1, wired as `make
  run` wires them (the template's 1 s fan-out batching window included), over the embedded
  store. One manual reassignment at a time; the clock starts when the API answers (the commit is
  a few milliseconds earlier) and stops when the receiver has the request.
- CPU: the fan-out and delivery handlers called in this process, the store (DynamoDB and SQS, moto)
  and the receiver each in a process of their own, so this process's CPU time is the functions'.
- Cost: Lambda billed at the measured wall time, SQS and DynamoDB by the requests and capacity
  units each delivery makes, at published us-east-1 prices.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(ROOT / "layers" / "core")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

RESULTS = ROOT / "bench" / "results.json"
EVENTS_PER_BATCH = 10
WEBHOOKS_PER_EVENT = 3  # the previous host's, the new host's and the event type's
# Published on-demand prices, us-east-1, USD (AWS pricing pages, 2026), as bench/run.py states them,
# plus SQS standard queues per request (a request carries up to 10 messages of up to 64 KB).
PRICES_USD = {
    "lambda_gb_second": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    "dynamodb_read_request_unit": 0.125 / 1e6,
    "dynamodb_write_request_unit": 0.625 / 1e6,
    "sqs_request": 0.40 / 1e6,
}
RECEIVER = """
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H); s.daemon_threads = True
print(s.server_port, flush=True)
threading.Thread(target=s.serve_forever, daemon=True).start()
sys.stdin.read()
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextlib.contextmanager
def child(args: list[str], stdin_script: str | None = None) -> Iterator[str]:
    """A helper process that prints one line (its address) and lives until its stdin closes."""
    command = [sys.executable, *args] if stdin_script is None else [sys.executable, "-c", stdin_script]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- latency ---------------------------------------------------------------------------------------


def latency(deliveries: int) -> dict[str, Any]:
    from local import event_sources
    from local.cfn import load_template
    from local.dynamo import EmbeddedDynamoDB, prepare_store
    from local.gateway import LocalApi
    from local.store_setup import DEMO_DATA

    arrivals: list[float] = []
    got = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrivals.append(time.perf_counter())
            got.set()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    from reassign_core import webhook_runtime

    for made_once in vars(webhook_runtime).values():  # settings of the CPU part: made again from here
        if hasattr(made_once, "cache_clear"):
            made_once.cache_clear()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    os.environ["WEBHOOK_ALLOW_LOCAL_URLS"] = "true"
    template = load_template(ROOT / "template.yaml")
    headers = {
        "Authorization": "Bearer cal_live_demo_ana_0123456789abcdef0123456789abcdef",
        "cal-api-version": "2024-08-13",
    }
    samples: list[float] = []
    with EmbeddedDynamoDB() as store, contextlib.ExitStack() as stack:
        prepare_store(template, store.endpoint_url, DEMO_DATA)
        runner = event_sources.run(stack, template, store.endpoint_url)
        api = LocalApi(template.path, store.endpoint_url, template=runner.template)
        body = {
            "subscriberUrl": f"http://127.0.0.1:{receiver.server_port}/hook",
            "triggers": ["BOOKING_REASSIGNED"],
        }
        created = api.handle(
            "POST",
            "/v2/event-types/100/webhooks",
            {**headers, "Content-Type": "application/json"},
            json.dumps(body),
        )
        assert created.status == 201, created.body
        for index in range(deliveries):
            got.clear()
            answer = api.handle("POST", f"/v2/bookings/demo-discovery-1/reassign/{3 + index % 2}", headers)
            assert answer.status == 200, answer.body
            answered = time.perf_counter()
            assert got.wait(30), "no delivery"
            samples.append((arrivals[-1] - answered) * 1000)
        window = next(s.window_seconds for s in runner.sources if s.kind == "DynamoDB")
    receiver.shutdown()
    return {
        "deliveries": len(samples),
        "p50_ms": round(statistics.median(samples)),
        "p95_ms": round(percentile(samples, 0.95)),
        "max_ms": round(max(samples)),
        "fanout_batching_window_s": window,
    }


# --- CPU -------------------------------------------------------------------------------------------


def _handler(function: str, env: dict[str, str]) -> Any:
    from local.cfn import load_template
    from local.lambda_runtime import load_handler

    template = load_template(ROOT / "template.yaml")
    os.environ.update({**template.functions[function].env, **env})
    return load_handler(template.functions[function])


def cpu(batches: int) -> dict[str, Any]:
    from botocore.session import get_session

    from local.cfn import ensure_tables, load_template
    from local.dynamo import use_dummy_credentials
    from local.lambda_runtime import LambdaContext
    from local.store_setup import DEMO_DATA
    from reassign_core.ingest.loader import load_file
    from reassign_core.store.dynamo_json import encode_item
    from reassign_core.store.webhook_store import WebhookStore
    from reassign_core.webhooks.subscriptions import Owner, OwnerKind, Webhook

    use_dummy_credentials()
    template = load_template(ROOT / "template.yaml")
    with child(["-m", "bench.store_server"]) as store_url, child([], RECEIVER) as receiver_port:
        session = get_session()
        dynamodb = session.create_client("dynamodb", endpoint_url=store_url)
        sqs = session.create_client("sqs", endpoint_url=store_url)
        ensure_tables(dynamodb, template)
        load_file(DEMO_DATA, template.table_names(), dynamodb)
        dead = sqs.create_queue(QueueName="DeliveryDeadLetterQueue")["QueueUrl"]
        queue = sqs.create_queue(QueueName="DeliveryQueue", Attributes={"VisibilityTimeout": "180"})[
            "QueueUrl"
        ]
        webhooks = WebhookStore(dynamodb, template.tables["WebhooksTable"].name)
        url = f"http://127.0.0.1:{receiver_port}/hook"
        for number, owner in enumerate(
            (Owner(OwnerKind.USER, 2), Owner(OwnerKind.USER, 3), Owner(OwnerKind.EVENT_TYPE, 100))
        ):
            webhooks.create(
                Webhook(
                    f"w{number}",
                    owner,
                    url,
                    True,
                    ("BOOKING_REASSIGNED",),
                    "a secret of some length",
                    None,
                    "t",
                )
            )
        env = {
            "DYNAMODB_ENDPOINT_URL": store_url,
            "SQS_ENDPOINT_URL": store_url,
            "WEBHOOK_ALLOW_LOCAL_URLS": "true",
        }
        fanout = _handler("FanoutFunction", env)
        delivery = _handler("DeliveryFunction", env)
        context = LambdaContext("bench", 512, "arn:aws:lambda:us-east-1:123456789012:function:bench", "r", 30)

        fanout_cpu, fanout_wall = [], []
        for batch in range(batches):
            records = [
                _stream_record(encode_item(_outbox_item(f"{batch}-{i}"))) for i in range(EVENTS_PER_BATCH)
            ]
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            assert fanout({"Records": records}, context) == {"batchItemFailures": []}
            fanout_cpu.append((time.process_time() - cpu_before) * 1000 / EVENTS_PER_BATCH)
            fanout_wall.append((time.perf_counter() - wall_before) * 1000)

        delivery_cpu, delivery_wall, delivered = [], [], 0
        while True:
            found = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
                "Messages", []
            )
            if not found:
                break
            records = [_queue_record(m) for m in found]
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            assert delivery({"Records": records}, context) == {"batchItemFailures": []}
            delivery_cpu.append((time.process_time() - cpu_before) * 1000 / len(records))
            delivery_wall.append((time.perf_counter() - wall_before) * 1000)
            delivered += len(records)
            sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(found)],
            )
        assert delivered == batches * EVENTS_PER_BATCH * WEBHOOKS_PER_EVENT, delivered
        assert not sqs.receive_message(QueueUrl=dead).get("Messages")
    return {
        "fanout": {
            "events_per_batch": EVENTS_PER_BATCH,
            "webhooks_per_event": WEBHOOKS_PER_EVENT,
            "cpu_ms_per_event": round(statistics.median(fanout_cpu), 2),
            "wall_ms_per_batch": round(statistics.median(fanout_wall), 1),
        },
        "delivery": {
            "deliveries": delivered,
            "batch_size": 10,
            "cpu_ms_per_delivery": round(statistics.median(delivery_cpu), 2),
            "wall_ms_per_batch": round(statistics.median(delivery_wall), 1),
        },
    }


def _outbox_item(suffix: str) -> dict[str, Any]:
    return {
        "PK": f"bench-{suffix}",
        "eventId": f"bench-{suffix}",
        "type": "BOOKING_REASSIGNED",
        "bookingUid": "demo-discovery-1",
        "eventTypeId": 100,
        "fromUserId": 2,
        "toUserId": 3,
        "reassignedById": 1,
        "reassignType": "auto",
        "reason": None,
        "at": "2026-12-02T10:00:00.000Z",
        "bookingVersion": 2,
        "booking": {
            "title": "Discovery call",
            "startTime": "2050-01-07T13:00:00.000Z",
            "endTime": "2050-01-07T14:00:00.000Z",
            "status": "ACCEPTED",
            "organizerId": 3,
            "attendees": [{"name": "Bob", "email": "bob@customer.test", "timeZone": "Europe/London"}],
        },
    }


def _stream_record(image: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": image["PK"]["S"],
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": image, "SequenceNumber": image["PK"]["S"], "StreamViewType": "NEW_IMAGE"},
    }


def _queue_record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes") or {},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


# --- cost ------------------------------------------------------------------------------------------


def cost_per_million(measured: dict[str, Any], memory_mb: int, receiver_ms: float = 200.0) -> dict[str, Any]:
    """USD per million deliveries, each event going to WEBHOOKS_PER_EVENT webhooks. Deployed, a
    delivery lasts as long as its receiver takes to answer (`receiver_ms`, an assumption) on top
    of the measured local work; at low traffic every batch holds one message (the costlier case)."""
    events = 1e6 / WEBHOOKS_PER_EVENT
    gb = memory_mb / 1024
    fanout_seconds = measured["fanout"]["wall_ms_per_batch"] / 1000 / EVENTS_PER_BATCH
    delivery_seconds = (measured["delivery"]["wall_ms_per_batch"] / 10 + receiver_ms) / 1000
    lambda_usd = (
        events * fanout_seconds * gb * PRICES_USD["lambda_gb_second"]
        + events / EVENTS_PER_BATCH * PRICES_USD["lambda_request"]
        + 1e6 * delivery_seconds * gb * PRICES_USD["lambda_gb_second"]
        + 1e6 * PRICES_USD["lambda_request"]
    )
    # Per delivery: a share of one SendMessageBatch, one ReceiveMessage and one DeleteMessageBatch
    # (batches of one); the pollers' empty receives are Lambda's, not billed to the queue owner.
    sqs_usd = (events + 2e6) * PRICES_USD["sqs_request"]
    # Fan-out per event: a Query per owner (3, eventually consistent: 0.5 RRU) and the profiles
    # (4 items, eventually consistent). Delivery: the webhook and log entry (2 strongly consistent
    # reads) and the log update (1 WRU).
    rru = events * (3 * 0.5 + 4 * 0.5) + 1e6 * 2
    wru = 1e6 * 1
    dynamodb_usd = (
        rru * PRICES_USD["dynamodb_read_request_unit"] + wru * PRICES_USD["dynamodb_write_request_unit"]
    )
    parts = {"lambda": lambda_usd, "sqs": sqs_usd, "dynamodb": dynamodb_usd}
    return {
        **{k: round(v, 2) for k, v in parts.items()},
        "total": round(sum(parts.values()), 2),
        "assumptions": {
            "receiver_ms": receiver_ms,
            "webhooks_per_event": WEBHOOKS_PER_EVENT,
            "delivery_batch": 1,
        },
        "prices_usd": PRICES_USD,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=30, help="reassignments timed end to end")
    parser.add_argument(
        "--batches", type=int, default=15, help=f"fan-out batches of {EVENTS_PER_BATCH} events"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from local.cfn import load_template

    started = time.perf_counter()
    log("webhooks: CPU per fan-out event and per delivery ...")
    measured = cpu(args.batches)
    log("webhooks: commit -> receiver latency under make run ...")
    timing = latency(args.deliveries)
    memory_mb = load_template(ROOT / "template.yaml").functions["DeliveryFunction"].memory_mb
    figures = {
        "commit_to_receiver_ms": timing,
        **measured,
        "cost_per_million_deliveries_usd": cost_per_million(measured, memory_mb),
        "duration_seconds": round(time.perf_counter() - started, 1),
    }
    results = json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
    results["webhooks"] = figures
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nWebhooks: commit -> receiver p50 {timing['p50_ms']} ms, p95 {timing['p95_ms']} ms "
        f"(fan-out batching window {timing['fanout_batching_window_s']:g} s); "
        f"CPU {measured['fanout']['cpu_ms_per_event']} ms per fan-out event, "
        f"{measured['delivery']['cpu_ms_per_delivery']} ms per delivery; "
        f"${figures['cost_per_million_deliveries_usd']['total']} per million deliveries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
