"""The store a local tool runs against: an embedded DynamoDB seeded with a dataset (the demo data
unless another is given), or the DynamoDB at an endpoint URL, its tables made from the template
and a dataset loaded only when one is given."""

from __future__ import annotations

import ipaddress
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from local.cfn import Template
from local.dynamo import EmbeddedDynamoDB, prepare_store, use_dummy_credentials

DEMO_DATA = Path(__file__).with_name("demo_data.json")


@dataclass(frozen=True)
class LocalStore:
    endpoint_url: str
    data: Path | None  # the dataset loaded into it, if any
    description: str  # for a start banner


def is_loopback(endpoint_url: str | None) -> bool:
    """Whether the endpoint is on this machine (a DynamoDB of one's own)."""
    host = urlparse(endpoint_url or "").hostname
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_store(
    stack: ExitStack, template: Template, endpoint_url: str | None, data: Path | None
) -> LocalStore:
    """The store, ready: an embedded one lives as long as stack."""
    if endpoint_url is None:
        endpoint_url = stack.enter_context(EmbeddedDynamoDB()).endpoint_url
        data = data or DEMO_DATA
        description = f"embedded DynamoDB seeded with {data}"
    else:
        if is_loopback(endpoint_url):
            use_dummy_credentials()  # a local DynamoDB takes any credentials, but wants some
        description = f"DynamoDB at {endpoint_url}" + (f", loaded with {data}" if data else "")
    prepare_store(template, endpoint_url, data)
    return LocalStore(endpoint_url, data, description)
