"""The webhooks' read of a caller: the memberships and profile it decides with, nothing more."""

from __future__ import annotations

from typing import Any

from reassign_core.store import keys
from reassign_core.store.directory import Directory
from tests.conftest import Store
from tests.factories import base_dataset


class RecordingClient:
    """The real client, with every Query's returned sort keys noted."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.queried_sort_keys: list[str] = []

    def query(self, **request: Any) -> Any:
        response = self._client.query(**request)
        self.queried_sort_keys += [item["SK"]["S"] for item in response.get("Items", [])]
        return response


def test_the_caller_read_leaves_the_reassign_access_index_out(store: Store) -> None:
    store.load(base_dataset())
    owner_partition = keys.user_partition(1)
    stored = [i["SK"] for i in store.scan() if i["PK"] == owner_partition]
    assert any(sk.startswith(keys.REASSIGNS_PREFIX) for sk in stored), "the owner may reassign"
    client = RecordingClient(store.client)

    caller = Directory(client, store.tables["DataTable"]).caller(1)

    assert caller is not None and caller.team_roles == {5: "OWNER"}
    assert client.queried_sort_keys == sorted(
        sk for sk in stored if sk == "PROFILE" or sk.startswith(keys.MEMBER_PREFIX)
    )
    admin = Directory(client, store.tables["DataTable"]).caller(7)
    assert admin is not None and admin.is_system_admin
    assert Directory(client, store.tables["DataTable"]).caller(999) is None
