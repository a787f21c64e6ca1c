"""Revocation through the local API with the real template's authorizer cache: a key taken out of
the data keeps working only until its cached answer expires, at most 60 seconds (docs/api.md)."""

from __future__ import annotations

import json
from pathlib import Path

from local.cfn import load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store
from local.gateway import LocalApi
from local.store_setup import DEMO_DATA

from .conftest import REAL_TEMPLATE, Clock

CANDIDATES = "/v2/bookings/demo-discovery-1/reassignment-candidates"


def test_a_removed_key_stops_working_within_sixty_seconds(
    store: EmbeddedDynamoDB, clock: Clock, tmp_path: Path
) -> None:
    template = load_template(REAL_TEMPLATE)
    prepare_store(template, store.endpoint_url, DEMO_DATA)
    api = LocalApi(REAL_TEMPLATE, store.endpoint_url, template=template, clock=clock)
    demo = json.loads(DEMO_DATA.read_text())
    key = demo["apiKeys"][0]["key"]
    headers = {"Authorization": f"Bearer {key}", "cal-api-version": "2024-08-13"}
    assert api.handle("GET", CANDIDATES, headers).status == 200  # authorized now, and cached

    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps({**demo, "apiKeys": [k for k in demo["apiKeys"] if k["key"] != key]}))
    prepare_store(template, store.endpoint_url, revoked)  # a reload: the file is the whole truth

    clock.now += 59
    assert api.handle("GET", CANDIDATES, headers).status == 200  # the cached Allow, as API Gateway's
    clock.now += 2
    assert api.handle("GET", CANDIDATES, headers).status == 401
