"""What the webhooks read from the data table: users' profiles, a caller's roles, an event type's
owners. Read only; small, bounded reads (a profile per named user, never an event type's hosts)."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reassign_core.domain.models import Caller, UserProfile
from reassign_core.store import codec, keys
from reassign_core.store.dynamo_json import decode_item, encode_item
from reassign_core.store.repository import translated_store_errors
from reassign_core.webhooks.access import EventTypeOwnership

BATCH_GET_LIMIT = 100


class Directory:
    def __init__(self, client: Any, data_table: str, executor: ThreadPoolExecutor | None = None) -> None:
        self._client = client
        self._table = data_table
        self._executor = executor

    def profiles(self, user_ids: Iterable[int]) -> dict[int, UserProfile]:
        """The users' profiles (absent users are left out), in BatchGetItem chunks of 100."""
        wanted = [encode_item(keys.user_profile(u)) for u in sorted(set(user_ids))]
        found: dict[int, UserProfile] = {}
        with translated_store_errors():
            for start in range(0, len(wanted), BATCH_GET_LIMIT):
                pending = wanted[start : start + BATCH_GET_LIMIT]
                for _ in range(5):
                    response = self._client.batch_get_item(RequestItems={self._table: {"Keys": pending}})
                    for wire in response.get("Responses", {}).get(self._table, []):
                        profile = codec.profile_from_item(decode_item(wire))
                        found[profile.id] = profile
                    pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                    if not pending:
                        break
        return found

    def caller(self, user_id: int) -> Caller | None:
        """The user with every team role: one Query of the user's partition, its memberships and
        profile only. Its REASSIGNS# index items (one per event type the user may reassign, which
        can be many) decide nothing here, so they are not read: the caller's
        `reassignable_event_types` stays empty."""
        request: dict[str, Any] = {
            "TableName": self._table,
            # MEMBER#… sorts before PROFILE, and REASSIGNS#… after it.
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": encode_item(
                {
                    ":pk": keys.user_partition(user_id),
                    ":first": keys.MEMBER_PREFIX,
                    ":last": keys.user_profile(user_id)["SK"],
                }
            ),
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        with translated_store_errors():
            while True:
                response = self._client.query(**request)
                items.extend(decode_item(i) for i in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return codec.caller_from_items(user_id, items)

    def event_type(self, event_type_id: int) -> EventTypeOwnership | None:
        """The event type's own item only: its hosts are never read for a permission."""
        with translated_store_errors():
            response = self._client.get_item(
                TableName=self._table, Key=encode_item(keys.event_type(event_type_id)), ConsistentRead=True
            )
        if "Item" not in response:
            return None
        item = decode_item(response["Item"])
        return EventTypeOwnership(
            event_type_id, item.get("ownerId"), item.get("teamId"), item.get("organizationId")
        )

    def caller_and_event_type(
        self, user_id: int, event_type_id: int
    ) -> tuple[Caller | None, EventTypeOwnership | None]:
        """Both reads in flight at once: one round trip."""
        if self._executor is None:
            return self.caller(user_id), self.event_type(event_type_id)
        caller = self._executor.submit(self.caller, user_id)
        event_type = self.event_type(event_type_id)
        return caller.result(), event_type
