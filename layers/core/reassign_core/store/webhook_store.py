"""The webhooks table: subscriptions under their owner, and the delivery log under its webhook.

Keys (one table, PK/SK, TTL on `expiresAt`):
- `USER#<id>` or `EVENTTYPE#<id>` / `WEBHOOK#<webhookId>`: a subscription, found by its owner;
  every lookup names the owner, so someone else's webhook is simply not found (no id leaks);
- the same partition / `COUNT`: how many webhooks the owner has, which a create raises and a
  delete lowers in the same transaction, so the per-owner limit holds under concurrent creates;
- `DELIVERIES#<webhookId>` / `<createdAt>#<eventId>`: one delivery, newest last, kept 30 days.
Every read of an owner's webhooks is a Query of that owner's partition: never a Scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from reassign_core.domain.timeutil import iso
from reassign_core.store.dynamo_json import decode_item, encode, encode_item
from reassign_core.store.repository import translated_store_errors
from reassign_core.webhooks.deliveries import AttemptResult, DeliveryRecord, DeliveryStatus, delivery_id
from reassign_core.webhooks.errors import TooManyWebhooks
from reassign_core.webhooks.subscriptions import MAX_WEBHOOKS_PER_OWNER, Owner, OwnerKind, Webhook

DELIVERY_RETENTION = timedelta(days=30)
WEBHOOK_PREFIX = "WEBHOOK#"
_OWNER_PREFIX = {OwnerKind.USER: "USER#", OwnerKind.EVENT_TYPE: "EVENTTYPE#"}
_STORED_FIELDS = {"subscriberUrl", "active", "triggers", "secret", "payloadTemplate"}


def owner_partition(owner: Owner) -> str:
    return f"{_OWNER_PREFIX[owner.kind]}{owner.id}"


def webhook_key(owner: Owner, webhook_id: str) -> dict[str, str]:
    return {"PK": owner_partition(owner), "SK": f"{WEBHOOK_PREFIX}{webhook_id}"}


def counter_key(owner: Owner) -> dict[str, str]:
    return {"PK": owner_partition(owner), "SK": "COUNT"}


def delivery_key(webhook_id: str, created_at: str, event_id: str) -> dict[str, str]:
    return {"PK": f"DELIVERIES#{webhook_id}", "SK": f"{created_at}#{event_id}"}


def webhook_item(webhook: Webhook) -> dict[str, Any]:
    return {
        **webhook_key(webhook.owner, webhook.id),
        "id": webhook.id,
        "ownerKind": webhook.owner.kind.value,
        "ownerId": webhook.owner.id,
        "subscriberUrl": webhook.subscriber_url,
        "active": webhook.active,
        "triggers": list(webhook.triggers),
        "secret": webhook.secret,
        "payloadTemplate": webhook.payload_template,
        "createdAt": webhook.created_at,
    }


def webhook_from_item(item: Mapping[str, Any]) -> Webhook:
    return Webhook(
        id=item["id"],
        owner=Owner(OwnerKind(item["ownerKind"]), int(item["ownerId"])),
        subscriber_url=item["subscriberUrl"],
        active=bool(item["active"]),
        triggers=tuple(item.get("triggers") or ()),
        secret=item.get("secret"),
        payload_template=item.get("payloadTemplate"),
        created_at=item["createdAt"],
    )


def delivery_from_item(item: Mapping[str, Any]) -> DeliveryRecord:
    return DeliveryRecord(
        id=item["id"],
        webhook_id=item["webhookId"],
        event_id=item["eventId"],
        trigger=item["triggerEvent"],
        booking_uid=item.get("bookingUid"),
        status=DeliveryStatus(item["status"]),
        attempts=int(item.get("attempts", 0)),
        last_status_code=item.get("lastStatusCode"),
        last_error=item.get("lastError"),
        last_attempt_at=item.get("lastAttemptAt"),
        next_attempt_at=item.get("nextAttemptAt"),
        created_at=item["createdAt"],
    )


def _cancellation_codes(error: ClientError) -> list[str | None]:
    return [r.get("Code") for r in error.response.get("CancellationReasons", [])]


class WebhookStore:
    def __init__(self, client: Any, table: str, executor: ThreadPoolExecutor | None = None) -> None:
        self._client = client
        self._table = table
        self._executor = executor

    # --- subscriptions -----------------------------------------------------------------------

    def create(self, webhook: Webhook) -> None:
        """Raises TooManyWebhooks when the owner already has the maximum."""
        try:
            with translated_store_errors():
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": self._table,
                                "Key": encode_item(counter_key(webhook.owner)),
                                "UpdateExpression": "ADD webhooks :one",
                                "ConditionExpression": "attribute_not_exists(webhooks) OR webhooks < :max",
                                "ExpressionAttributeValues": {
                                    ":one": encode(1),
                                    ":max": encode(MAX_WEBHOOKS_PER_OWNER),
                                },
                            }
                        },
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": encode_item(webhook_item(webhook)),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                    ]
                )
        except ClientError as error:
            cancelled = error.response.get("Error", {}).get("Code") == "TransactionCanceledException"
            if cancelled and _cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
                raise TooManyWebhooks(MAX_WEBHOOKS_PER_OWNER) from error
            raise

    def get(self, owner: Owner, webhook_id: str) -> Webhook | None:
        with translated_store_errors():
            response = self._client.get_item(
                TableName=self._table, Key=encode_item(webhook_key(owner, webhook_id)), ConsistentRead=True
            )
        return webhook_from_item(decode_item(response["Item"])) if "Item" in response else None

    def owned_by(self, owner: Owner, consistent: bool = True) -> list[Webhook]:
        """The owner's webhooks, oldest first. One Query of the owner's partition (at most 20 items)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": encode_item(
                {":pk": owner_partition(owner), ":prefix": WEBHOOK_PREFIX}
            ),
            "ConsistentRead": consistent,
        }
        items: list[dict[str, Any]] = []
        with translated_store_errors():
            while True:
                response = self._client.query(**request)
                items.extend(decode_item(i) for i in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return sorted(map(webhook_from_item, items), key=lambda w: (w.created_at, w.id))

    def of_owners(self, owners: Iterable[Owner]) -> dict[Owner, list[Webhook]]:
        """Every named owner's webhooks, one Query each, all in flight at once (one round trip).
        Eventually consistent: half the price, and a webhook made a second ago may miss one event."""
        unique = list(dict.fromkeys(owners))
        if self._executor is None or len(unique) < 2:
            return {owner: self.owned_by(owner, consistent=False) for owner in unique}
        found = self._executor.map(lambda owner: self.owned_by(owner, consistent=False), unique)
        return dict(zip(unique, found, strict=True))

    def update(self, owner: Owner, webhook_id: str, changes: Mapping[str, Any]) -> Webhook | None:
        """Apply the changed fields (None removes an optional one); None when there is no such webhook."""
        unknown = set(changes) - _STORED_FIELDS
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values: dict[str, Any] = {}
        assignments, removals = [], []
        for placeholder, name in names.items():
            value = changes[name]
            if value is None:
                removals.append(placeholder)
            else:
                values[f":v{placeholder[2:]}"] = list(value) if isinstance(value, tuple) else value
                assignments.append(f"{placeholder} = :v{placeholder[2:]}")
        expression = " ".join(
            part
            for part in (
                f"SET {', '.join(assignments)}" if assignments else "",
                f"REMOVE {', '.join(removals)}" if removals else "",
            )
            if part
        )
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": encode_item(webhook_key(owner, webhook_id)),
            "ConditionExpression": "attribute_exists(PK)",
            "ReturnValues": "ALL_NEW",
        }
        if expression:
            request |= {"UpdateExpression": expression, "ExpressionAttributeNames": names}
            if values:
                request["ExpressionAttributeValues"] = {k: encode(v) for k, v in values.items()}
        else:
            return self.get(owner, webhook_id)
        try:
            with translated_store_errors():
                response = self._client.update_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return webhook_from_item(decode_item(response["Attributes"]))

    def deactivate(self, owner: Owner, webhook_id: str) -> None:
        self.update(owner, webhook_id, {"active": False})

    def delete(self, owner: Owner, webhook_id: str) -> Webhook | None:
        """The deleted webhook, or None when there was none. The owner's count drops with it."""
        existing = self.get(owner, webhook_id)
        if existing is None:
            return None
        try:
            with translated_store_errors():
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Delete": {
                                "TableName": self._table,
                                "Key": encode_item(webhook_key(owner, webhook_id)),
                                "ConditionExpression": "attribute_exists(PK)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self._table,
                                "Key": encode_item(counter_key(owner)),
                                "UpdateExpression": "ADD webhooks :minus",
                                "ExpressionAttributeValues": {":minus": encode(-1)},
                            }
                        },
                    ]
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return None  # deleted concurrently
            raise
        return existing

    # --- the delivery log --------------------------------------------------------------------

    def delivery_state(
        self, owner: Owner, webhook_id: str, created_at: str, event_id: str
    ) -> tuple[Webhook | None, DeliveryRecord | None]:
        """The webhook as it is now and the delivery's log entry, in one BatchGetItem."""
        wanted = [webhook_key(owner, webhook_id), delivery_key(webhook_id, created_at, event_id)]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        pending = [encode_item(k) for k in wanted]
        with translated_store_errors():
            for _ in range(5):
                response = self._client.batch_get_item(
                    RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                )
                for wire in response.get("Responses", {}).get(self._table, []):
                    item = decode_item(wire)
                    found[(item["PK"], item["SK"])] = item
                pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                if not pending:
                    break
        webhook = found.get((wanted[0]["PK"], wanted[0]["SK"]))
        record = found.get((wanted[1]["PK"], wanted[1]["SK"]))
        return (
            webhook_from_item(webhook) if webhook else None,
            delivery_from_item(record) if record else None,
        )

    def record_delivery(
        self,
        *,
        webhook_id: str,
        event_id: str,
        trigger: str,
        booking_uid: str | None,
        created_at: str,
        status: DeliveryStatus,
        attempt: AttemptResult | None,
        at: datetime,
        next_attempt_at: datetime | None = None,
        note: str | None = None,
    ) -> None:
        """Write the delivery's state; `attempt` (when one was made) counts and shows as the last.
        `note` explains a conclusion reached without an attempt (e.g. the webhook is gone)."""
        values: dict[str, Any] = {
            ":id": delivery_id(webhook_id, event_id),
            ":webhook": webhook_id,
            ":event": event_id,
            ":trigger": trigger,
            ":booking": booking_uid,
            ":status": status.value,
            ":created": created_at,
            ":next": iso(next_attempt_at) if next_attempt_at else None,
            ":expires": int((at + DELIVERY_RETENTION).timestamp()),
        }
        sets = [
            "id = :id",
            "webhookId = :webhook",
            "eventId = :event",
            "triggerEvent = :trigger",
            "bookingUid = :booking",
            "#status = :status",
            "createdAt = :created",
            "nextAttemptAt = :next",
            "expiresAt = if_not_exists(expiresAt, :expires)",
            "attempts = if_not_exists(attempts, :zero)" if attempt is None else "",
        ]
        adds = []
        if attempt is not None:
            values |= {
                ":code": attempt.status_code,
                ":error": attempt.error,
                ":at": iso(at),
                ":one": 1,
            }
            sets += ["lastStatusCode = :code", "lastError = :error", "lastAttemptAt = :at"]
            adds.append("attempts :one")
        else:
            values[":zero"] = 0
            if note is not None:
                values[":error"] = note
                sets.append("lastError = :error")
        expression = "SET " + ", ".join(s for s in sets if s)
        if adds:
            expression += " ADD " + ", ".join(adds)
        with translated_store_errors():
            self._client.update_item(
                TableName=self._table,
                Key=encode_item(delivery_key(webhook_id, created_at, event_id)),
                UpdateExpression=expression,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={k: encode(v) for k, v in values.items()},
            )

    def deliveries(self, webhook_id: str, take: int, skip: int) -> list[DeliveryRecord]:
        """Newest first; one Query, paged only as far as skip + take."""
        wanted = skip + take
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": encode_item({":pk": f"DELIVERIES#{webhook_id}"}),
            "ScanIndexForward": False,
            "Limit": wanted,
        }
        items: list[dict[str, Any]] = []
        with translated_store_errors():
            while len(items) < wanted:
                response = self._client.query(**request)
                items.extend(decode_item(i) for i in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
                request["Limit"] = wanted - len(items)
        return [delivery_from_item(i) for i in items[skip:wanted]]
