"""`python -m local.gateway` (make run): the start banner's hint, and that its curl works."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from local.cfn import load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store
from local.gateway import LocalApi
from local.gateway.cli import demo_hint, main, sync_hint
from local.store_setup import DEMO_DATA
from local.sync_secret import DEMO_SYNC_SECRET, use_local_sync_secret

from .conftest import REAL_TEMPLATE


def test_demo_hint(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {
                "apiKeys": [{"key": "cal_test_key_0123456789abcdef0123456789abcdef", "userId": 1}],
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
    # A user's own key is never printed; the booking worth trying is.
    assert demo_hint(data) == (None, "good-rr")
    assert demo_hint(None) == (None, None)


def test_demo_hint_shows_the_demo_key() -> None:
    demo_key = json.loads(DEMO_DATA.read_text())["apiKeys"][0]["key"]
    assert demo_hint(DEMO_DATA)[0] == demo_key


def test_a_bad_dataset_is_one_message_and_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"users": [{"id": "x", "name": "A", "email": "a@x.test"}], "bogus": 1}))

    assert main(["--port", "0", "--data", str(bad), "--template", str(REAL_TEMPLATE)]) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{bad}: 2 problem(s); the API was not started:" in err
    assert "bogus: unknown field" in err and "users[0].id:" in err


def test_a_missing_dataset_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"

    assert main(["--port", "0", "--data", str(missing), "--template", str(REAL_TEMPLATE)]) == 1

    assert capsys.readouterr().err.strip() == f"make run: {missing}: no such file"


def test_a_port_clash_says_how_to_choose_another(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["--port", str(port), "--template", str(REAL_TEMPLATE)]) == 1

    err = capsys.readouterr().err
    assert f"port {port} is in use" in err and f"make run PORT={port + 1}" in err


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


def test_the_banner_shows_only_the_demo_sync_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://127.0.0.1:3000/v2/sync/calcom"
    monkeypatch.delenv("CALCOM_SYNC_SECRET", raising=False)
    demo, _ = use_local_sync_secret()
    assert demo == DEMO_SYNC_SECRET and DEMO_SYNC_SECRET in sync_hint(url, demo)

    monkeypatch.setenv("CALCOM_SYNC_SECRET", "whsec-chosen-by-the-user")
    chosen, _ = use_local_sync_secret()
    hint = sync_hint(url, chosen)
    assert chosen not in hint and "CALCOM_SYNC_SECRET" in hint and url in hint
