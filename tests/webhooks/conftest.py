"""The webhooks wired as `make run` wires them: the local API (real authorizer and functions) plus
the event-source runner (outbox stream -> fan-out, delivery queue -> delivery), and receivers:
real HTTP servers on 127.0.0.1 that record what they get and answer as each test scripts."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local import event_sources
from local.cfn import Template
from local.dynamo import EmbeddedDynamoDB
from local.gateway import LocalApi, Response
from tests.factories import OWNER_KEY

SETTINGS = {"WEBHOOK_RETRY_DELAYS": "1,1", "WEBHOOK_ALLOW_LOCAL_URLS": "true"}


def clear_webhook_runtime() -> None:
    """The webhook functions read their settings once per process: start again from these."""
    from reassign_core import webhook_runtime

    for made_once in (
        webhook_runtime.settings,
        webhook_runtime.dynamodb,
        webhook_runtime.sqs,
        webhook_runtime.webhook_store,
        webhook_runtime.sender,
        webhook_runtime.caller,
        webhook_runtime.delivery_service,
        webhook_runtime.fanout_service,
        webhook_runtime.subscription_service,
    ):
        made_once.cache_clear()


@dataclass
class Hit:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next scripted status (the last one repeats); may wait first."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while len(self.hits) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.hits)


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def make(statuses: list[int] | None = None, delay: float = 0.0) -> Receiver:
        receiver = Receiver(statuses or [200], delay)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hits.append(Hit(time.monotonic(), self.path, dict(self.headers), body))
                status = receiver.statuses[min(len(receiver.hits), len(receiver.statuses)) - 1]
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
        return receiver

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class Wiring:
    api: LocalApi
    runner: event_sources.EventSourceRunner

    def call(self, method: str, path: str, body: Any = None, token: str = OWNER_KEY) -> Response:
        headers = {"Authorization": f"Bearer {token}", "cal-api-version": "2024-08-13"}
        data = json.dumps(body) if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self.api.handle(method, "/v2" + path, headers, data)

    def subscribe(self, url: str, path: str = "/webhooks", token: str = OWNER_KEY, **fields: Any) -> str:
        response = self.call(
            "POST", path, {"subscriberUrl": url, "triggers": ["BOOKING_REASSIGNED"], **fields}, token
        )
        assert response.status == 201, response.body
        return str(response.json()["data"]["id"])

    def redrive(self, source: str, destination: str) -> None:
        """What `aws sqs start-message-move-task` does: every message moved to the other queue."""
        sqs, source_url = self.runner._sqs, self.runner.queue_url(source)
        for message in sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10).get("Messages", []):
            sqs.send_message(QueueUrl=self.runner.queue_url(destination), MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    def queue_messages(self, queue: str) -> list[dict[str, Any]]:
        """What sits in a queue now (test inspection only: received, then made visible again)."""
        sqs, url = self.runner._sqs, self.runner.queue_url(queue)
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in found:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in found]


@pytest.fixture(scope="module")
def wired(dynamo: EmbeddedDynamoDB, template: Template) -> Iterator[Wiring]:
    saved = {name: os.environ.get(name) for name in (*SETTINGS, "SQS_ENDPOINT_URL")}
    os.environ.update(SETTINGS)
    with contextlib.ExitStack() as stack:
        runner = event_sources.run(stack, template, dynamo.endpoint_url)
        clear_webhook_runtime()
        api = LocalApi(template.path, dynamo.endpoint_url, template=runner.template)
        yield Wiring(api, runner)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    clear_webhook_runtime()


@pytest.fixture
def wiring(wired: Wiring, store: Any) -> Wiring:
    """A clean store (and so clean queues: the store's reset empties every embedded service)."""
    wired.runner.ensure_queues()
    wired.api.clear_authorizer_cache()
    return wired


def host_key(user_id: int) -> str:
    return f"cal_test_webhook_host_{user_id}_key_0123456789abcdef"


WEBHOOK_CLIENT_TOKEN = "managed-webhook-writer-token-0123456789abcdef"
WEBHOOK_READER_TOKEN = "managed-webhook-reader-token-0123456789abcdef"


def webhook_dataset() -> dict[str, Any]:
    """The shared base dataset (user 1 owns team 5; hosts 2, 3, 4; booking b-1 held by host 2),
    plus API keys for the hosts and managed-user tokens whose clients carry only webhook scopes."""
    from tests.factories import base_dataset, booking

    data = base_dataset()
    data["apiKeys"] += [{"key": host_key(u), "userId": u} for u in (2, 3, 4)]
    data["oauthClients"] += [
        {"id": "client-webhooks", "name": "Hooks", "permissions": ["WEBHOOK_WRITE"]},
        {"id": "client-hook-reader", "name": "Reader", "permissions": ["WEBHOOK_READ"]},
    ]
    data["accessTokens"] += [
        {
            "token": WEBHOOK_CLIENT_TOKEN,
            "userId": 2,
            "clientId": "client-webhooks",
            "expiresAt": "2099-01-01T00:00:00Z",
        },
        {
            "token": WEBHOOK_READER_TOKEN,
            "userId": 2,
            "clientId": "client-hook-reader",
            "expiresAt": "2099-01-01T00:00:00Z",
        },
    ]
    data["bookings"].append(booking("b-cancelled", 2, status="CANCELLED"))
    return data
