"""moto's TransactWriteItems made affordable on a large table (same answers).

moto deep-copies the whole table for every action of a transaction, to roll back on failure: on a
table of 10^5 items one transaction takes seconds, and the loader writes in transactions. Here only
the items the transaction targets are saved and, if it fails, restored.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any


def save_only_targeted_items() -> None:
    """Patch moto's DynamoDB backend (process-wide, once)."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "saves_targeted_items", False):
        return

    def deepcopy_except_tables(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = SimpleNamespace(deepcopy=deepcopy_except_tables)  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            if "Key" in op:
                key = op["Key"]
            else:
                key = {
                    a: op["Item"][a]
                    for a in (table.hash_key_attr, table.range_key_attr)
                    if a and a in op["Item"]
                }
            try:
                before = self.get_item(table.name, key)
            except Exception:  # noqa: S112 - a malformed key: moto's own validation will answer
                continue
            saved.append((table.name, key, copy.deepcopy(before)))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(saved):
                if before is None:
                    table = self.tables[table_name]
                    table.delete_item(*self.get_keys_value(table, key))
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise

    transact_write_items.saves_targeted_items = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
