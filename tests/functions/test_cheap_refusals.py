"""A refusal reads a bounded number of items whatever the number of hosts: a caller without rights
never causes the event type's host list to be read (the caller's own reassign-access items, read
with its roles in the first round trip, tell that it has none)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reassign_core import runtime
from reassign_core.ingest import loader
from reassign_core.ingest.dataset import parse_dataset
from reassign_core.store import keys
from tests.factories import LambdaContext, base_dataset, http_event, user

OUTSIDER = 6


class ItemsRead:
    """Counts the items every DynamoDB answer of the service's client carries."""

    def __init__(self) -> None:
        self.items = 0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += len(parsed.get("Items", []))
        self.items += sum(len(found) for found in parsed.get("Responses", {}).values())
        self.items += "Item" in parsed


@pytest.fixture
def items_read(reassign_app: Any) -> Iterator[ItemsRead]:
    client = runtime.dynamodb_client(runtime.reassign_settings().endpoint_url)
    counter = ItemsRead()
    client.meta.events.register("after-call.dynamodb", counter)
    yield counter
    client.meta.events.unregister("after-call.dynamodb", counter)


def request(reassign_app: Any, method: str, route: str, user_id: int) -> int:
    event = http_event(f"/bookings/b-1/{route}", None, None, user_id)
    resource = f"/bookings/{{bookingUid}}/{route}"
    event |= {"httpMethod": method, "resource": resource}
    event["requestContext"] |= {"httpMethod": method, "resourcePath": resource}
    response = reassign_app.lambda_handler(event, LambdaContext())
    return int(response["statusCode"])


def refusal_costs(store: Any, reassign_app: Any, items_read: ItemsRead, hosts: int) -> dict[str, int]:
    data = base_dataset(round_robin=tuple(range(10, 10 + hosts)))
    loader.load_dataset(parse_dataset(data), store.tables, store.client)
    costs = {}
    for method, route in (("POST", "reassign"), ("GET", "reassignment-candidates"), ("GET", "reassignments")):
        items_read.items = 0
        assert request(reassign_app, method, route, OUTSIDER) == 403
        costs[route] = items_read.items
    return costs


def test_a_403_reads_as_many_items_with_1000_hosts_as_with_10(
    store: Any, reassign_app: Any, items_read: ItemsRead
) -> None:
    few = refusal_costs(store, reassign_app, items_read, hosts=10)
    many = refusal_costs(store, reassign_app, items_read, hosts=1000)  # a reload: 990 more hosts

    assert many == few
    assert max(many.values()) <= 2  # the booking and the caller's profile


def test_everyone_the_rule_allows_reads_on_and_succeeds(store: Any, reassign_app: Any) -> None:
    """The index never refuses whom may_reassign allows: the team owner, a host, an admin, the organizer."""
    data = base_dataset()
    data["teams"].append(
        {"id": 9, "name": "Org", "parentId": None, "members": [{"userId": 8, "role": "ADMIN"}]}
    )
    data["teams"][0]["parentId"] = 9
    data["users"].append(user(8, "Org admin", defaultScheduleId=None))
    loader.load_dataset(parse_dataset(data), store.tables, store.client)

    for caller in (1, 2, 3, 7, 8):  # owner, organizer, host, system admin, organization admin
        assert request(reassign_app, "GET", "reassignment-candidates", caller) == 200, caller
    assert request(reassign_app, "GET", "reassignment-candidates", OUTSIDER) == 403


def test_reload_keeps_the_access_items_to_what_the_file_says(store: Any) -> None:
    data = base_dataset()
    loader.load_dataset(parse_dataset(data), store.tables, store.client)
    assert store.item(keys.reassign_access(4, 100)) is not None

    data["eventTypes"][0]["hosts"] = [h for h in data["eventTypes"][0]["hosts"] if h["userId"] != 4]
    data["teams"][0]["members"] = [{"userId": 6, "role": "ADMIN"}, {"userId": 1, "role": "MEMBER"}]
    loader.load_dataset(parse_dataset(data), store.tables, store.client)

    holders = sorted(
        int(i["PK"].removeprefix("USER#")) for i in store.scan() if i["SK"].startswith(keys.REASSIGNS_PREFIX)
    )
    assert holders == [2, 3, 6]  # the remaining hosts and the team's new admin; not user 1 any more
    assert json.dumps(store.item(keys.reassign_access(6, 100))) == json.dumps(
        {**keys.reassign_access(6, 100), "eventTypeId": 100}
    )
