"""The dataset loader: whole-file validation, hashed secrets, idempotent, derived items, CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local import load
from reassign_core.ingest import loader
from reassign_core.ingest.dataset import DatasetError, parse_dataset
from reassign_core.store import keys
from tests.factories import OWNER_KEY, base_dataset

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_file_lists_every_problem_with_its_path() -> None:
    data = base_dataset()
    data["users"][1]["timeZone"] = "Mars/Olympus"
    data["bookings"][0]["startTime"] = "tomorrow"
    data["bookings"][0]["eventTypeId"] = 999
    data["eventTypes"][0]["hosts"][0]["priority"] = 9
    data["schedules"][0]["availability"][0]["days"] = [7]

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    paths = {p.path for p in caught.value.problems}
    assert {
        "users[1].timeZone",
        "bookings[0].startTime",
        "eventTypes[0].hosts[0].priority",
        "schedules[0].availability[0].days",
    } <= paths


def test_dangling_references_are_listed() -> None:
    data = base_dataset()
    data["bookings"][0]["eventTypeId"] = 999
    data["eventTypes"][0]["hosts"].append({"userId": 555})
    data["apiKeys"].append({"key": OWNER_KEY, "userId": 1})

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    reasons = {(p.path, p.reason) for p in caught.value.problems}
    assert ("bookings[0].eventTypeId", "no event type with id 999") in reasons
    assert ("eventTypes[0].hosts[3].userId", "no user with id 555") in reasons
    assert any(path.startswith("apiKeys[") and "duplicate" in reason for path, reason in reasons)


def test_a_bad_file_writes_nothing(store: Any, tmp_path: Path, capsys: Any) -> None:
    data = base_dataset()
    data["bookings"][0]["endTime"] = data["bookings"][0]["startTime"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))

    code = load.main([str(path), "--endpoint-url", store.client.meta.endpoint_url])

    assert code == 1
    assert "bookings[0]: endTime must be after startTime" in capsys.readouterr().err
    assert store.scan() == [] and store.scan("CredentialsTable") == []


def test_invalid_json_is_reported_not_raised(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{nope")

    assert load.main([str(path)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_secrets_are_stored_only_as_sha256(store: Any) -> None:
    store.load(base_dataset())

    stored = store.scan("CredentialsTable")

    assert store.item(keys.api_key(keys.credential_hash(OWNER_KEY)), "CredentialsTable")["userId"] == 1
    assert OWNER_KEY not in json.dumps(stored)
    assert all(not i["PK"].startswith(("APIKEY#cal_", "TOKEN#managed")) for i in stored)


def test_loading_twice_changes_nothing(store: Any) -> None:
    store.load(base_dataset())
    first = store.snapshot()

    store.load(base_dataset())

    assert store.snapshot() == first


def test_loader_writes_calendars_stats_timeline_and_counters(store: Any) -> None:
    data = base_dataset()
    data["bookings"][0]["startTime"] = "2050-01-07T23:30:00Z"  # crosses midnight UTC
    data["bookings"][0]["endTime"] = "2050-01-08T00:30:00Z"
    store.load(data)

    first_day = store.item({"PK": "CAL#2", "SK": "DAY#2050-01-07"})
    second_day = store.item({"PK": "CAL#2", "SK": "DAY#2050-01-08"})
    assert "b-1" in first_day["busy"] and "b-1" in second_day["busy"]
    assert store.last_booked(100, 2) == "2026-11-20T08:00:00.000Z"
    assert store.item(keys.host_stats(100, 3)) is None  # never booked: nothing to say yet
    assert store.item(keys.interval_counts(100, "MONTH#CREATED_AT#2026-11")) == {
        **keys.interval_counts(100, "MONTH#CREATED_AT#2026-11"),
        "u2": 1,
    }
    # The counted booking itself (created, organizer, hosts counted for), the calibration's input,
    # on the one shard item its uid hashes to.
    shard = keys.counted_bookings(100, "MONTH#CREATED_AT#2026-11", keys.counted_shard("b-1"))
    assert store.item(shard) == {**shard, "b#b-1": "2026-11-20T08:00:00.000Z/2/2"}
    assert store.item(keys.interval_counts(100, "DAY#START_TIME#2050-01-07"))["u2"] == 1
    assert store.item({"PK": "ETHOST#100#2", "SK": "BOOKED#2026-11-20T08:00:00.000Z#b-1"}) is not None


def test_attendee_hosts_get_the_booking_in_their_calendar(store: Any) -> None:
    data = base_dataset()
    data["bookings"][0]["attendees"].append({"name": "Three", "email": "USER3@example.test"})
    store.load(data)

    assert "b-1" in store.item({"PK": "CAL#3", "SK": "DAY#2050-01-07"})["busy"]


def test_cli_creates_missing_tables_on_a_local_endpoint(dynamo: Any, tmp_path: Path, capsys: Any) -> None:
    dynamo.reset()
    path = tmp_path / "data.json"
    path.write_text(json.dumps(base_dataset()))

    assert load.main([str(path), "--endpoint-url", dynamo.endpoint_url]) == 0

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["items"]["DataTable"] > 0 and summary["items"]["CredentialsTable"] == 7
    assert "DataTable" in dynamo.client().list_tables()["TableNames"]


def test_large_files_report_progress(store: Any, capsys: Any) -> None:
    data = base_dataset()
    data["bookings"] = [
        {
            **data["bookings"][0],
            "uid": f"b-{i}",
            "startTime": f"2050-02-{1 + i % 28:02d}T10:00:00Z",
            "endTime": f"2050-02-{1 + i % 28:02d}T11:00:00Z",
        }
        for i in range(1200)
    ]
    import sys

    loader.load_dataset(parse_dataset(data), store.tables, store.client, progress=sys.stderr)

    assert re.search(r"^  DataTable: [1-9]\d{3,} items$", capsys.readouterr().err, re.MULTILINE)


def test_impossible_dates_are_refused() -> None:
    data = base_dataset()
    data["schedules"][0]["dateOverrides"] = [{"date": "2050-02-30", "startTime": "10:00", "endTime": "12:00"}]

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    assert [p.path for p in caught.value.problems] == ["schedules[0].dateOverrides[0].date"]


def test_duplicate_team_members_and_oauth_clients_are_refused() -> None:
    data = base_dataset()
    data["teams"][0]["members"].append({"userId": 1, "role": "ADMIN"})
    data["oauthClients"].append({"id": "client-write", "permissions": []})

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    paths = {p.path for p in caught.value.problems}
    assert {"teams[0].members[0].userId", "teams[0].members[1].userId", "oauthClients[0].id"} <= paths


def test_host_items_carry_their_own_schedule_unless_the_event_type_has_one(store: Any) -> None:
    data = base_dataset()
    store.load(data)
    host = store.item(keys.event_type_host(100, 2))
    assert host["hostScheduleId"] == data["users"][1]["defaultScheduleId"]
    assert host["hoursWeekly"].count("|") == 6

    data["eventTypes"][0]["scheduleId"] = data["schedules"][0]["id"]
    store.load(data)
    assert "hoursWeekly" not in store.item(keys.event_type_host(100, 2))


def test_a_missing_file_is_one_clear_message(tmp_path: Path, capsys: Any) -> None:
    assert load.main([str(tmp_path / "nowhere.json")]) == 1

    err = capsys.readouterr().err
    assert "nowhere.json: 1 problem(s); nothing was written:\n  $: no such file" in err
    assert "Traceback" not in err


def test_unknown_fields_are_problems_with_a_suggestion() -> None:
    data = base_dataset()
    data["users"][2]["timezone"] = "Europe/Rome"
    data["eventTypes"][0]["isRRWeightEnabled"] = True
    data["bookings"][0]["Status"] = "CANCELLED"
    data["outOfOfice"] = []

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    assert {(p.path, p.reason) for p in caught.value.problems} == {
        ("users[2].timezone", "unknown field; did you mean timeZone?"),
        ("eventTypes[0].isRRWeightEnabled", "unknown field; did you mean isRRWeightsEnabled?"),
        ("bookings[0].Status", "unknown field; did you mean status?"),
        ("outOfOfice", "unknown field; did you mean outOfOffice?"),
    }


def test_schema_and_reference_problems_come_in_one_round() -> None:
    data = base_dataset()
    data["users"][1]["timeZone"] = "Mars/Olympus"  # user 2 is invalid, but still exists for references
    data["bookings"][0]["eventTypeId"] = 999
    data["eventTypes"][0]["hosts"].append({"userId": 555})

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    assert [p.path for p in caught.value.problems] == [
        "users[1].timeZone",
        "eventTypes[0].hosts[3].userId",
        "bookings[0].eventTypeId",
    ]


def test_the_same_out_of_office_entry_twice_is_a_problem() -> None:
    data = base_dataset()
    away = {"userId": 3, "start": "2050-01-07T10:00:00Z", "end": "2050-01-07T12:00:00Z"}
    data["outOfOffice"] = [away, {**away, "start": "2050-01-07T11:00:00+01:00"}]

    with pytest.raises(DatasetError) as caught:
        parse_dataset(data)

    assert [p.path for p in caught.value.problems] == ["outOfOffice[0]", "outOfOffice[1]"]


DEMO_DATA = ROOT / "local" / "demo_data.json"


@pytest.mark.parametrize("endpoint", [[], ["--endpoint-url", "https://dynamodb.eu-west-1.amazonaws.com"]])
def test_the_demo_data_is_refused_outside_a_local_endpoint(
    endpoint: list[str], store: Any, capsys: Any
) -> None:
    assert load.main([str(DEMO_DATA), *endpoint]) == 1

    assert "refused: 5 of its API keys or tokens are the demo data's" in capsys.readouterr().err
    assert store.scan() == []


def test_the_loader_needs_no_aws_credentials_for_a_local_endpoint(dynamo: Any, tmp_path: Path) -> None:
    dynamo.reset()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment |= {"PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])}
    environment |= {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    command = [sys.executable, "-m", "local.load", str(DEMO_DATA)]

    done = subprocess.run(
        [*command, "--endpoint-url", dynamo.endpoint_url],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["items"]["CredentialsTable"] == 7
