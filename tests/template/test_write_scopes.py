"""Least privilege for writes: every statement that lets a function write a keyed table names, in
`dynamodb:LeadingKeys`, exactly the partitions that function's code keys there (the prefixes come
from the store's own key functions), and a real reassignment writes nothing outside them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from typing import Any

import pytest

from reassign_core.store import keys
from reassign_core.store.repository import ReassignRepository
from reassign_core.store.webhook_store import counter_key, delivery_key, webhook_key
from reassign_core.webhooks.subscriptions import Owner, OwnerKind
from tests.factories import base_dataset
from tests.template.reading import as_list, function_statements, load_template

WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
}
# Keys not shaped by prefix: the outbox's are event ids, the idempotency table's Powertools' own
# hashes. Each is written by one function only, which owns the whole table.
UNPREFIXED_TABLES = {"OutboxTable", "IdempotencyTable"}

AT = datetime(2050, 1, 7, 10, tzinfo=UTC)
USER_OWNER, EVENT_TYPE_OWNER = Owner(OwnerKind.USER, 1), Owner(OwnerKind.EVENT_TYPE, 100)
SUBSCRIPTIONS = [webhook_key(USER_OWNER, "w"), webhook_key(EVENT_TYPE_OWNER, "w"), counter_key(USER_OWNER)]
DELIVERY_LOG = [delivery_key("w", "2050-01-07T10:00:00.000Z", "e")]
RATE_COUNTER = keys.rate_window("c", 1_700_000_000)  # every function behind the authorizer counts

# The function → {table: the keys its code writes there (and reads through the same statement)}.
KEYED = {
    "ReassignFunction": {
        "DataTable": [
            keys.booking("b-1"),
            keys.audit("b-1", AT, "e"),
            keys.calendar_day(2, date(2050, 1, 7)),
            keys.host_stats(100, 2),
            keys.interval_counts(100, "2050-01"),
            keys.host_timeline_entry(100, 2, AT, "b-1"),
            RATE_COUNTER,
        ]
    },
    "WebhooksFunction": {"WebhooksTable": SUBSCRIPTIONS + DELIVERY_LOG, "DataTable": [RATE_COUNTER]},
    "DeliveryFunction": {"WebhooksTable": SUBSCRIPTIONS + DELIVERY_LOG},
    "FanoutFunction": {},
    "AuthorizerFunction": {},
}


def _prefixes(written: list[dict[str, str]]) -> set[str]:
    return {key["PK"].split("#", 1)[0] + "#*" for key in written}


def _table(statement: dict[str, Any]) -> str:
    [resource] = as_list(statement["Resource"])
    return str(resource["Fn::GetAtt"][0])


def _write_statements(function: str) -> list[dict[str, Any]]:
    statements = function_statements(load_template()["Resources"], function)
    return [s for s in statements if WRITE_ACTIONS & set(as_list(s["Action"]))]


def _leading_keys(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
    return set(as_list(condition.get("dynamodb:LeadingKeys", [])))


@pytest.mark.parametrize("function", KEYED)
def test_each_write_statement_names_exactly_the_partitions_the_code_writes(function: str) -> None:
    scoped: dict[str, set[str]] = {}
    for statement in _write_statements(function):
        if _table(statement) not in UNPREFIXED_TABLES:
            scoped.setdefault(_table(statement), set()).update(_leading_keys(statement))

    assert scoped == {table: _prefixes(written) for table, written in KEYED[function].items()}


def test_the_reassign_function_writes_the_data_table_only_through_its_scoped_statement() -> None:
    statements = _write_statements("ReassignFunction")

    assert {_table(s) for s in statements} == {"DataTable", "IdempotencyTable", "OutboxTable"}
    assert all(_leading_keys(s) for s in statements if _table(s) == "DataTable")


def _weighted() -> dict[str, Any]:
    data = base_dataset()
    data["eventTypes"][0] |= {"isRRWeightsEnabled": True, "rrResetInterval": "MONTH"}
    return data


@pytest.mark.parametrize(
    ("dataset", "among_them"), [(base_dataset, "ETHOST#"), (_weighted, "ETCOUNT#")], ids=["plain", "weighted"]
)
def test_a_real_reassignment_writes_only_inside_the_scope(
    invoke: Any, store: Any, monkeypatch: pytest.MonkeyPatch, dataset: Any, among_them: str
) -> None:
    store.load(dataset())
    sent: list[list[dict[str, Any]]] = []
    real = ReassignRepository._transaction

    def recording(self: ReassignRepository, *args: Any) -> list[dict[str, Any]]:
        operations = real(self, *args)
        sent.append(operations)
        return operations

    monkeypatch.setattr(ReassignRepository, "_transaction", recording)
    [scope] = [
        _leading_keys(s)
        for s in _write_statements("ReassignFunction")
        if _table(s) == "DataTable" and s.get("Sid") != "RateLimitCounters"
    ]

    assert invoke({"bookingUid": "b-1", "actorUserId": 1})["statusCode"] == 200

    [operations] = sent
    data_table = store.tables["DataTable"]
    written = [
        (op.get("Key") or op.get("Item"))["PK"]["S"]
        for action in operations
        for op in action.values()
        if op["TableName"] == data_table
    ]
    assert any(pk.startswith(among_them) for pk in written), written
    assert all(any(fnmatchcase(pk, p) for p in scope) for pk in written), (written, scope)
