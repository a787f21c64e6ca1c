"""The sync function behind the local API over the real template, with a known webhook secret."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from local.cfn import Template
from local.dynamo import EmbeddedDynamoDB
from local.gateway import LocalApi, Response
from reassign_core import sync_runtime
from reassign_core.ingest.bookings import BOOKING_FIELDS
from reassign_core.store.codec import Item
from tests.property.store_state import _content, recomputed_derived
from tests.sync.payloads import SECRET, signed


@pytest.fixture(scope="module")
def sync_api(dynamo: EmbeddedDynamoDB, template: Template) -> Iterator[LocalApi]:
    saved = os.environ.get("CALCOM_SYNC_SECRET")
    os.environ["CALCOM_SYNC_SECRET"] = SECRET
    sync_runtime.sync_settings.cache_clear()
    yield LocalApi(template.path, dynamo.endpoint_url, template=template)
    if saved is None:
        os.environ.pop("CALCOM_SYNC_SECRET", None)
    else:
        os.environ["CALCOM_SYNC_SECRET"] = saved
    sync_runtime.sync_settings.cache_clear()


@pytest.fixture
def deliver(sync_api: LocalApi, store: Any) -> Any:
    """deliver(webhook body) -> the local API's response to it, signed with the test secret."""

    def send(body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> Response:
        raw, signature = signed(body)
        return sync_api.handle("POST", "/v2/sync/calcom", headers if headers is not None else signature, raw)

    return send


def drift(found: list[Item], dataset: dict[str, Any]) -> list[str]:
    """Derived items that differ from a recomputation over every booking and out-of-office entry
    the store holds now (the loaded ones and the synced ones)."""
    rebuilt = dict(dataset)
    rebuilt["bookings"] = [
        {f: item[f] for f in BOOKING_FIELDS if f in item} for item in found if item["SK"] == "BOOKING"
    ]
    rebuilt["outOfOffice"] = [
        {"userId": i["userId"], "start": i["start"], "end": i["end"]}
        for i in found
        if i["PK"] == "LOADED#outOfOffice"
    ]
    stored, fresh = _content(found), recomputed_derived(rebuilt)
    return [
        f"{key}: store {stored.get(key)} / recomputed {fresh.get(key)}"
        for key in sorted(stored.keys() | fresh.keys())
        if stored.get(key) != fresh.get(key)
    ]
