"""Shared fixtures: one embedded DynamoDB per session, a clean store per test, the real handlers."""

from __future__ import annotations

import errno
import importlib.util
import ipaddress
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "core"), str(ROOT)]

from local.cfn import Template, ensure_tables, load_template  # noqa: E402
from local.dynamo import EmbeddedDynamoDB  # noqa: E402
from reassign_core.domain.timeutil import iso  # noqa: E402
from reassign_core.ingest.dataset import parse_dataset  # noqa: E402
from reassign_core.ingest.loader import load_dataset  # noqa: E402
from reassign_core.store import keys  # noqa: E402
from reassign_core.store.codec import from_wire, host_stats_from_wire, to_wire  # noqa: E402
from tests.factories import LambdaContext  # noqa: E402

TESTS = ROOT / "tests"
# Folders whose tests take long (tests/README.md): marked `slow`, which `make test-fast` leaves out.
SLOW_FOLDERS = frozenset({"property", "concurrency", "e2e", "build"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS) and item.path.relative_to(TESTS).parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _no_dns_lookups() -> Iterator[None]:
    """No test asks a DNS server anything: only IP literals and localhost resolve (webhook URLs
    are resolved to be checked; a stand-in resolver is how a test makes a name mean something)."""
    real = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, f"{name}: no DNS in tests") from None
        return real(host, *args, **kwargs)

    socket.getaddrinfo = local_only
    yield
    socket.getaddrinfo = real


def refuse_beyond_loopback(sock: socket.socket, address: Any) -> None:
    """Raise unless `address` (a connect() argument) is on this machine: 127.0.0.0/8, ::1 (IPv4-mapped
    too), `localhost`, or not an IP socket at all."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if host == "localhost":
            return
    else:
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        if (mapped or ip).is_loopback:
            return
    raise ConnectionRefusedError(errno.ECONNREFUSED, f"{host}: tests connect to loopback addresses only")


@pytest.fixture(scope="session", autouse=True)
def _loopback_only() -> Iterator[None]:
    """No connection from this process goes beyond this machine: any other address is refused here,
    before the operating system is asked (what the code under test refuses by itself, it refuses
    first). It covers `connect`/`connect_ex` of every socket in the pytest process; the processes
    tests start (the local API, `make load`) are given loopback addresses only."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(sock: socket.socket, address: Any) -> None:
        refuse_beyond_loopback(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        refuse_beyond_loopback(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(ROOT / "template.yaml")


@pytest.fixture(scope="session")
def dynamo(template: Template) -> Iterator[EmbeddedDynamoDB]:
    from reassign_core import runtime

    # Importing a handler makes its client from the environment of the moment, once per process.
    assert runtime.dynamodb_client.cache_info().currsize == 0, "a handler was imported before this fixture"
    with EmbeddedDynamoDB() as db:
        # The functions read their settings once per process: point them at the embedded store.
        os.environ["DYNAMODB_ENDPOINT_URL"] = db.endpoint_url
        for name, table in template.table_names().items():
            os.environ[
                {
                    "DataTable": "DATA_TABLE",
                    "CredentialsTable": "CREDENTIALS_TABLE",
                    "OutboxTable": "OUTBOX_TABLE",
                    "IdempotencyTable": "IDEMPOTENCY_TABLE",
                    "WebhooksTable": "WEBHOOKS_TABLE",
                }[name]
            ] = table
        os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BookingReassignTest")
        os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "reassign")
        yield db


class Store:
    """The tables of one test: load a dataset, read items back, snapshot everything."""

    def __init__(self, client: Any, template: Template) -> None:
        self.client = client
        self.tables = template.table_names()

    def load(self, dataset: dict[str, Any]) -> None:
        load_dataset(parse_dataset(dataset), self.tables, self.client)

    def item(self, key: dict[str, str], table: str = "DataTable") -> dict[str, Any] | None:
        from reassign_core.store.codec import to_wire

        found = self.client.get_item(TableName=self.tables[table], Key=to_wire(key), ConsistentRead=True)
        return from_wire(found["Item"]) if "Item" in found else None

    def booking(self, uid: str) -> dict[str, Any] | None:
        return self.item(keys.booking(uid))

    def last_booked(self, event_type_id: int, user_id: int) -> str | None:
        """A round-robin host's last-booked time as stored ("...Z"), None if never booked."""
        found = self.item(keys.host_stats(event_type_id, user_id))
        last = host_stats_from_wire(to_wire(found)).last_booked_at if found else None
        return iso(last) if last else None

    def scan(self, table: str = "DataTable") -> list[dict[str, Any]]:
        """Tests only: every item of a table (the service itself never scans)."""
        found: list[dict[str, Any]] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.tables[table]):
            found.extend(from_wire(i) for i in page["Items"])
        return found

    def snapshot(self) -> dict[str, list[str]]:
        """Every item of every table but idempotency records, comparable across calls."""
        return {
            name: sorted(json.dumps(i, sort_keys=True, default=sorted) for i in self.scan(name))
            for name in self.tables
            if name != "IdempotencyTable"
        }


@pytest.fixture
def store(dynamo: EmbeddedDynamoDB, template: Template) -> Store:
    dynamo.reset()
    client = dynamo.client()
    ensure_tables(client, template)
    return Store(client, template)


def _load_handler(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def reassign_app(dynamo: EmbeddedDynamoDB) -> ModuleType:
    return _load_handler("reassign_function_app", ROOT / "functions" / "reassign" / "app.py")


@pytest.fixture(scope="session")
def authorizer_app(dynamo: EmbeddedDynamoDB) -> ModuleType:
    return _load_handler("authorizer_function_app", ROOT / "functions" / "authorizer" / "app.py")


@pytest.fixture
def invoke(reassign_app: ModuleType, store: Store) -> Any:
    """Direct invocation of the reassign function (docs/api.md)."""

    def call(event: Any) -> dict[str, Any]:
        return reassign_app.lambda_handler(event, LambdaContext())

    return call
