"""An embedded DynamoDB: moto's server app on 127.0.0.1, answering one request at a time.

moto applies a TransactWriteItems under no lock, so two threads could interleave their
condition checks and writes; a single-threaded server makes every request atomic, which is
what DynamoDB guarantees. Requests from many client threads simply queue on the socket.

Two more ways it behaves like DynamoDB where the service depends on it: a TransactWriteItems
honours its ClientRequestToken (local.dynamo_tokens), and memory and time per request stay flat
however many transactions it has applied (local.dynamo_backend).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from local.cfn import Template, ensure_tables
from local.dynamo_tokens import ClientRequestTokens

DEFAULT_REGION = "us-east-1"


def use_dummy_credentials(region: str = DEFAULT_REGION) -> None:
    """Region and throw-away credentials for talking to a local store, unless some are set."""
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", region))
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])
    if "AWS_ACCESS_KEY_ID" not in os.environ:
        os.environ["AWS_ACCESS_KEY_ID"] = "testing"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # noqa: S105 - not a secret
        os.environ["AWS_SESSION_TOKEN"] = "testing"  # noqa: S105


def dynamodb_client(endpoint_url: str | None, region: str | None = None) -> Any:
    """A DynamoDB client for endpoint_url (None: the AWS default endpoint)."""
    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION
    return boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region)


class EmbeddedDynamoDB:
    """moto DynamoDB served over HTTP from a daemon thread. Starts on construction.

    >>> with EmbeddedDynamoDB() as db:
    ...     client = db.client()
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # Imported here: moto's server pulls in flask, which nothing else needs.
        from moto.server import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from local import dynamo_backend

        class QuietHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass  # one line per DynamoDB call would drown the gateway's own log

        use_dummy_credentials()
        dynamo_backend.install()
        # clock: when remembered transaction tokens expire (tests move it on).
        self.tokens = ClientRequestTokens(DomainDispatcherApplication(create_backend_app), clock)
        self._server: BaseWSGIServer = make_server(
            host, port, self.tokens, threaded=False, request_handler=QuietHandler
        )
        self.endpoint_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-dynamodb", daemon=True
        )
        self._thread.start()

    def client(self, region: str | None = None) -> Any:
        return dynamodb_client(self.endpoint_url, region)

    def reset(self) -> None:
        """Drop every table and item (moto's global reset: every moto backend in this process)."""
        url = f"{self.endpoint_url}/moto-api/reset"  # our own http:// URL
        request = urllib.request.Request(url, method="POST", data=b"")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmbeddedDynamoDB:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def prepare_store(template: Template, endpoint_url: str | None, data: Path | None) -> None:
    """Create the template's missing tables, then load a dataset file into them (if given)."""
    client = dynamodb_client(endpoint_url)
    ensure_tables(client, template)
    if data is not None:
        from reassign_core.ingest.loader import load_file

        load_file(data, template.table_names(), client)
