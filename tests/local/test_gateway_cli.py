"""`python -m local.gateway` (make run): the start banner's hint, and that its curl works."""

from __future__ import annotations

import json
from pathlib import Path

from local.cfn import load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store
from local.gateway import LocalApi
from local.gateway.cli import demo_hint
from local.store_setup import DEMO_DATA

from .conftest import REAL_TEMPLATE


def test_demo_hint(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {
                "apiKeys": [{"key": "cal_test_key", "userId": 1}],
                "eventTypes": [
                    {"id": 1, "schedulingType": "COLLECTIVE"},
                    {"id": 2, "schedulingType": "ROUND_ROBIN"},
                ],
                "bookings": [
                    {"uid": "collective", "eventTypeId": 1},
                    {"uid": "cancelled-rr", "eventTypeId": 2, "status": "CANCELLED"},
                    {"uid": "good-rr", "eventTypeId": 2, "status": "ACCEPTED"},
                ],
            }
        )
    )
    assert demo_hint(data) == ("cal_test_key", "good-rr")
    assert demo_hint(None) == (None, None)


def test_the_banner_curl_works_against_the_real_template(store: EmbeddedDynamoDB) -> None:
    """What `python -m local.gateway` prints must work: demo data, real authorizer and function."""
    template = load_template(REAL_TEMPLATE)
    prepare_store(template, store.endpoint_url, DEMO_DATA)
    api = LocalApi(REAL_TEMPLATE, store.endpoint_url, template=template)
    key, uid = demo_hint(DEMO_DATA)
    assert key and uid
    headers = {"Authorization": f"Bearer {key}", "cal-api-version": "2024-08-13"}
    response = api.handle("POST", f"/v2/bookings/{uid}/reassign", headers)
    assert response.status == 200, response.body
    assert response.json()["status"] == "success"
    assert api.handle("POST", f"/v2/bookings/{uid}/reassign").status == 401
    assert api.handle("GET", "/v2/nowhere", headers).status == 404
