"""Reloading a file over a live store: the file's changes apply, the service's writes survive, the
file is the whole truth for reference data, and every derived item stays consistent with the bookings."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from local import load as load_command
from reassign_core.domain.models import Participants
from reassign_core.ingest import loader
from reassign_core.ingest.dataset import parse_dataset
from reassign_core.store import codec, keys
from reassign_core.store.codec import to_wire
from reassign_core.store.loading import LoadStore
from tests.factories import OUTSIDER_KEY, OWNER_KEY, LambdaContext, base_dataset, booking
from tests.functions.test_authorizer import authorizer_event
from tests.property.store_state import derived_drift


def load(store: Any, data: dict[str, Any]) -> dict[str, int]:
    """Load through the real loader; returns the items written per table."""
    return loader.load_dataset(parse_dataset(data), store.tables, store.client)


def busy_uids(store: Any, user_id: int, day: str = "2050-01-07") -> set[str]:
    found = store.item(keys.calendar_day(user_id, date.fromisoformat(day)))
    return set(found["busy"]) if found else set()


def host_ids(store: Any, event_type_id: int = 100) -> list[int]:
    """The host items of an event type's partition, in the order the selection reads them."""
    items = [
        i for i in store.scan() if i["PK"] == f"EVENTTYPE#{event_type_id}" and i["SK"].startswith("HOST#")
    ]
    return [i["userId"] for i in sorted(items, key=lambda i: i["position"])]


def test_reload_keeps_a_booking_the_service_reassigned_and_its_calendars(invoke: Any, store: Any) -> None:
    data = base_dataset()
    load(store, data)
    assert invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 3})["statusCode"] == 200

    load(store, data)  # the file still says host 2

    assert store.booking("b-1")["userId"] == 3
    assert (busy_uids(store, 2), busy_uids(store, 3)) == (set(), {"b-1"})
    assert derived_drift(store.scan(), data) == []


def test_reload_applies_the_files_change_to_a_booking_nobody_else_changed(store: Any) -> None:
    data = base_dataset()
    load(store, data)
    moved = copy.deepcopy(data)
    moved["bookings"][0] |= {"startTime": "2050-01-09T13:00:00Z", "endTime": "2050-01-09T14:00:00Z"}
    moved["bookings"][0]["attendees"].append({"name": "Four", "email": "USER4@example.test"})

    load(store, moved)

    stored = store.booking("b-1")
    assert (stored["startTime"], stored["version"], stored["loadedVersion"]) == (
        "2050-01-09T13:00:00.000Z",
        2,
        2,
    )
    assert busy_uids(store, 2) == set() and busy_uids(store, 2, "2050-01-09") == {"b-1"}
    assert busy_uids(store, 4, "2050-01-09") == {"b-1"}  # an attendee matched by email, any case
    assert derived_drift(store.scan(), moved) == []


def test_bookings_missing_from_the_file_are_left_alone(store: Any) -> None:
    data = base_dataset()
    data["bookings"].append(booking("b-2", 3))
    load(store, data)
    without = copy.deepcopy(data)
    without["bookings"].pop()

    load(store, without)

    assert store.booking("b-2") is not None and busy_uids(store, 3) == {"b-2"}


def test_a_booking_another_writer_created_is_not_replaced_by_the_files_copy(store: Any) -> None:
    data = base_dataset()
    load(store, data)
    synced = codec.booking_from_item(booking("b-9", 3) | {"version": 1})  # as the sync would store it
    synced = replace(synced, participants=Participants(frozenset({3}), frozenset({3})))
    store.client.put_item(TableName=store.tables["DataTable"], Item=to_wire(codec.booking_item(synced)))
    data["bookings"].append(booking("b-9", 4))

    load(store, data)

    assert store.booking("b-9")["userId"] == 3


def test_loading_the_same_file_twice_writes_nothing_the_second_time(store: Any) -> None:
    data = base_dataset()
    data["outOfOffice"] = [{"userId": 3, "start": "2050-01-07T00:00:00Z", "end": "2050-01-08T00:00:00Z"}]
    load(store, data)
    first = store.snapshot()

    assert load(store, data) == {"DataTable": 0, "CredentialsTable": 0}
    assert store.snapshot() == first


def test_a_removed_api_key_stops_authenticating(authorizer_app: Any, store: Any) -> None:
    data = base_dataset()
    load(store, data)
    data["apiKeys"] = [k for k in data["apiKeys"] if k["key"] != OWNER_KEY]

    load(store, data)

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer_app.lambda_handler(authorizer_event(f"Bearer {OWNER_KEY}"), LambdaContext())
    policy = authorizer_app.lambda_handler(authorizer_event(f"Bearer {OUTSIDER_KEY}"), LambdaContext())
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_a_removed_membership_stops_granting_rights(invoke: Any, store: Any) -> None:
    data = base_dataset()
    load(store, data)
    data["teams"][0]["members"] = []

    load(store, data)

    assert invoke({"bookingUid": "b-1", "actorUserId": 1})["statusCode"] == 403


def test_a_removed_host_is_no_longer_a_candidate(invoke: Any, store: Any) -> None:
    data = base_dataset()  # round-robin hosts 2, 3, 4; b-1 belongs to 2
    load(store, data)
    data["eventTypes"][0]["hosts"] = [h for h in data["eventTypes"][0]["hosts"] if h["userId"] != 3]

    load(store, data)

    assert invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 3})["statusCode"] == 400
    assert invoke({"bookingUid": "b-1", "actorUserId": 1})["data"]["reassignedTo"]["id"] == 4


def test_a_shortened_host_list_leaves_no_old_host_behind(store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    load(store, data)
    data["eventTypes"][0]["hosts"] = [{"userId": 4}, {"userId": 2}]  # shorter and reordered

    load(store, data)

    assert host_ids(store) == [4, 2]


def test_a_host_item_under_the_old_position_key_is_removed(store: Any) -> None:
    data = base_dataset()
    load(store, data)
    store.client.put_item(  # as a loader keying hosts by position wrote them
        TableName=store.tables["DataTable"],
        Item={"PK": {"S": "EVENTTYPE#100"}, "SK": {"S": "HOST#000003"}, "userId": {"N": "6"}},
    )

    load(store, data)

    assert store.item({"PK": "EVENTTYPE#100", "SK": "HOST#000003"}) is None


def test_a_host_made_fixed_stops_counting_its_bookings(store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    load(store, data)
    assert store.item({"PK": "ETHOST#100#2", "SK": "BOOKED#2026-11-20T08:00:00.000Z#b-1"}) is not None
    data["eventTypes"][0]["hosts"][0]["isFixed"] = True

    load(store, data)

    assert store.item({"PK": "ETHOST#100#2", "SK": "BOOKED#2026-11-20T08:00:00.000Z#b-1"}) is None
    assert store.booking("b-1")["roundRobinPeople"] == []
    assert derived_drift(store.scan(), data) == []


def test_bookings_no_longer_in_the_file_are_recounted_when_whom_they_count_for_changes(store: Any) -> None:
    data = base_dataset(round_robin=(2, 3, 4))
    data["bookings"].append(booking("b-2", 3, attendees=[{"name": "Four", "email": "user4@example.test"}]))
    load(store, data)
    only_b1 = copy.deepcopy(data)
    only_b1["bookings"].pop()
    load(store, only_b1)  # b-2 is left alone: it stays in the store
    only_b1["eventTypes"][0]["hosts"][1]["isFixed"] = True  # host 3, organizer of b-2
    only_b1["users"] = [u | {"email": "four@example.test"} if u["id"] == 4 else u for u in only_b1["users"]]

    load(store, only_b1)

    assert store.booking("b-2")["people"] == [3] and store.booking("b-2")["roundRobinPeople"] == []
    assert busy_uids(store, 4) == set()
    assert store.item({"PK": "ETHOST#100#3", "SK": "BOOKED#2026-11-20T08:00:00.000Z#b-2"}) is None
    assert derived_drift(store.scan(), only_b1 | {"bookings": data["bookings"]}) == []


def test_a_new_email_moves_the_bookings_it_attends(store: Any) -> None:
    data = base_dataset()
    data["bookings"].append(booking("b-2", 6, attendees=[{"name": "Four", "email": "user4@example.test"}]))
    load(store, data)
    assert busy_uids(store, 4) == {"b-2"}
    data["users"] = [u | {"email": "four@example.test"} if u["id"] == 4 else u for u in data["users"]]
    data["users"] = [u | {"email": "user4@example.test"} if u["id"] == 7 else u for u in data["users"]]

    load(store, data)

    assert (busy_uids(store, 4), busy_uids(store, 7)) == (set(), {"b-2"})
    assert derived_drift(store.scan(), data) == []


def email_directory(store: Any) -> dict[str, int]:
    """The email directory as the sync reads it at start: every shard's `e#<email>` attributes."""
    return {
        name.removeprefix(keys.DIRECTORY_EMAIL_PREFIX): value
        for item in store.scan()
        if item["PK"] == "DIRECTORY"
        for name, value in item.items()
        if name.startswith(keys.DIRECTORY_EMAIL_PREFIX)
    }


def test_the_email_directory_follows_the_users_of_the_file(store: Any) -> None:
    data = base_dataset()
    data["users"] = [u | {"email": "Four@Example.test"} if u["id"] == 4 else u for u in data["users"]]
    load(store, data)
    assert email_directory(store) == {u["email"].casefold(): u["id"] for u in data["users"]}

    data["users"] = [u | {"email": "four@elsewhere.test"} if u["id"] == 4 else u for u in data["users"]]
    data["users"] = [u for u in data["users"] if u["id"] != 7]
    data["apiKeys"] = [k for k in data["apiKeys"] if k["userId"] != 7]
    load(store, data)

    directory = email_directory(store)
    assert directory == {u["email"].casefold(): u["id"] for u in data["users"]}
    assert "four@example.test" not in directory and 7 not in directory.values()
    assert all(item["SK"].startswith("EMAILS#") for item in store.scan() if item["PK"] == "DIRECTORY")


def test_out_of_office_entries_follow_the_file(store: Any) -> None:
    data = base_dataset()
    away = {"userId": 3, "start": "2050-01-07T10:00:00Z", "end": "2050-01-07T12:00:00Z"}
    load(store, data | {"outOfOffice": [away]})
    assert store.item(keys.calendar_day(3, date(2050, 1, 7)))["ooo"]

    load(store, data)

    assert store.item(keys.calendar_day(3, date(2050, 1, 7)))["ooo"] == []
    assert derived_drift(store.scan(), data) == []


def test_the_plan_lists_additions_changes_and_removals_per_kind(
    invoke: Any, store: Any, tmp_path: Path, capsys: Any
) -> None:
    data = base_dataset()
    load(store, data)
    invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 3})
    data["apiKeys"].pop()
    data["users"][0]["name"] = "The Owner"
    data["bookings"][0]["title"] = "Renamed"
    data["bookings"].append(booking("b-2", 4))
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    before = store.snapshot()

    code = load_command.main([str(path), "--dry-run", "--endpoint-url", store.client.meta.endpoint_url])

    out = capsys.readouterr().out
    assert code == 0 and store.snapshot() == before  # a dry run writes nothing
    assert "apiKeys        0 to add, 0 to change, 1 to remove" in out
    assert "users          0 to add, 1 to change, 0 to remove" in out
    assert "bookings       1 to add, 0 to change, 0 to recount" in out
    assert "1 kept as the store has them (changed by the service since loaded): b-1" in out


@pytest.fixture
def before_first_transaction(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run something (a reassignment) between the loader's reads and its first transaction."""
    hooks: list[Any] = []
    original = LoadStore.transact

    def transact(self: LoadStore, actions: Any) -> None:
        while hooks:
            hooks.pop()()
        original(self, actions)

    monkeypatch.setattr(LoadStore, "transact", transact)
    return hooks.append


def test_a_reassignment_during_a_load_is_neither_lost_nor_double_counted(
    invoke: Any, store: Any, before_first_transaction: Any
) -> None:
    data = base_dataset()
    load(store, data)
    data["bookings"].append(booking("b-2", 3, start="2050-01-07T16:00:00Z", end="2050-01-07T17:00:00Z"))
    data["bookings"][0]["title"] = "Renamed in the file"
    # Between the loader's reads and its write, the service hands b-1 to host 3: host 3's day the
    # loader read (to add b-2) and b-1 itself have changed.
    before_first_transaction(lambda: invoke({"bookingUid": "b-1", "actorUserId": 1, "userId": 3}))

    load(store, data)

    assert store.booking("b-1")["userId"] == 3 and store.booking("b-1")["title"] != "Renamed in the file"
    assert busy_uids(store, 3) == {"b-1", "b-2"} and busy_uids(store, 2) == set()
    assert derived_drift(store.scan(), data) == []
