"""moto's DynamoDB backend, kept flat in memory and time for a long-running local store.

Plain moto 5.2 grows without bound under a stream of transactions, for two reasons that add up:

- TransactWriteItems deep-copies a whole table for *each operation* of the transaction, to restore
  it if the transaction fails (a 12-operation reassignment on a 7,500-item table copies ~90,000
  items, every time);
- every moto model object registers itself, when created, in its class's `instances_tracked`
  list (the data behind moto's dashboard, `/moto-api/data.json`), and nothing ever removes it. So
  every item ever written, every copy a Query answer makes and every table copy above stays
  reachable until the next reset: on the 100-host benchmark dataset, 10 reassignments left
  ~926,000 items behind and the process grew from 184 MB to 2 GB.

Here a transaction journals only the items it touches (and the stream records it appends) and puts
them back if it is cancelled; DynamoDB models keep no registry; and a Query on a table's key reads
its own partition instead of sorting every item of the table. Same answers, same conditions; the
server in local.dynamo still applies one request at a time, which makes each transaction atomic (the
benchmark's store, bench.store_server, serves reads concurrently: a Query's partition is per thread).
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.model_instances import model_data
from moto.core.responses import ActionContext, ActionResult
from moto.dynamodb import urls as dynamodb_urls
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

TRANSACT_LIMIT = 100
WRITE_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")


class _Discarding(list[Any]):
    """An `instances_tracked` that keeps nothing."""

    def append(self, _: Any) -> None:
        pass


def keep_no_model_registry() -> None:
    """DynamoDB model objects stop registering themselves (moto's dashboard data, never cleared).

    moto's reset gives every class a fresh list again; the backend calls this each time it is
    created, which every reset is followed by.
    """
    for model in model_data["dynamodb"].values():
        if not isinstance(model.instances_tracked, _Discarding):  # type: ignore[attr-defined]
            model.instances_tracked = _Discarding()  # type: ignore[attr-defined]


@dataclass
class _Saved:
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None  # as it was before the transaction touched it; None: it did not exist
    stream_length: int | None


@dataclass
class _Journal:
    """What a transaction changed, to put back if it is cancelled."""

    saved: list[_Saved] = field(default_factory=list)

    def save(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        current = table.get_item(hash_key, range_key)
        shard = table.stream_shard
        # Updates change the stored item in place: keep a copy, not the object.
        before = copy.deepcopy(current) if current is not None else None
        self.saved.append(_Saved(table, hash_key, range_key, before, len(shard.items) if shard else None))

    def restore(self) -> None:
        for saved in reversed(self.saved):
            table = saved.table
            items: Any = table.items  # {hash: item}, or {hash: {range: item}} with a range key
            if saved.range_key is None:
                if saved.item is None:
                    items.pop(saved.hash_key, None)
                else:
                    items[saved.hash_key] = saved.item
            elif saved.item is None:
                items.get(saved.hash_key, {}).pop(saved.range_key, None)
            else:
                items[saved.hash_key][saved.range_key] = saved.item
            if table.stream_shard is not None and saved.stream_length is not None:
                del table.stream_shard.items[saved.stream_length :]


class EmbeddedDynamoDBBackend(DynamoDBBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        keep_no_model_registry()

    @property
    def _url_module(self) -> Any:
        return dynamodb_urls  # moto looks for the urls module next to the backend's own

    def create_table(self, name: str, *args: Any, **params: Any) -> Table:
        table = super().create_table(name, *args, **params)
        table.__class__ = PartitionedTable  # type: ignore[type-abstract]  # same state, a Query on one partition
        return table

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        """moto's transaction, rolled back by journal instead of by whole-table copies."""
        if len(transact_items) > TRANSACT_LIMIT:
            raise TooManyTransactionsException()
        if any(len(entry) != 1 for entry in transact_items):
            raise TransactWriteSingleOpException
        journal = _Journal()
        targets: set[tuple[str, str]] = set()
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            old_image: dict[str, Any] | None = None
            try:
                if op_type not in WRITE_OPERATIONS:
                    raise ValueError("Unsupported transaction operation")
                table = self.get_table(op["TableName"])
                key = op["Key"] if op_type != "Put" else _key_of(table, op["Item"])
                target = (table.name, str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)

                hash_key, range_key = self.get_keys_value(table, key)
                current = table.get_item(hash_key, range_key)
                condition = op.get("ConditionExpression")
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if condition is not None and not get_filter_expression(condition, names, values).expr(
                    current
                ):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        old_image = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=old_image)

                if op_type != "ConditionCheck":
                    journal.save(table, hash_key, range_key)
                if op_type == "Put":
                    self.put_item(
                        table.name,
                        op["Item"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table.name,
                        key,
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table.name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                journal.restore()
                raise
            except ConditionalCheckFailed as error:
                errors.append(("ConditionalCheckFailed", str(error.message), old_image))
            except Exception as error:  # moto reports any other failure as a cancellation reason
                errors.append((type(error).__name__, str(error), old_image))

        if any(code is not None for code, _, _ in errors):
            journal.restore()
            raise TransactionCanceledException(errors)


def _key_of(table: Table, item: dict[str, Any]) -> dict[str, Any]:
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


# The partition a Query is reading, per thread: the benchmark's store serves reads concurrently, so
# two Queries on one table must not see each other's partition.
_querying = threading.local()


class PartitionedTable(Table):
    """A table whose key Query looks at one partition: moto sorts every item of the table."""

    def all_items(self) -> list[Item]:
        if getattr(_querying, "table", None) is self:
            return _querying.partition
        return super().all_items()

    def query(self, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        # moto's backend passes index_name positionally, seventh after the hash key.
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None:
            return super().query(hash_key, *args, **kwargs)
        found: Any = self.items.get(hash_key)  # .get: `items` is a defaultdict
        partition = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        _querying.table, _querying.partition = self, partition
        try:
            return super().query(hash_key, *args, **kwargs)
        finally:
            _querying.table = _querying.partition = None


# Answers that are DynamoDB JSON already: moto's generic serializer walks the operation's output
# shape value by value (~1 ms per item), which made one 1,000-host read take seconds.
PLAIN_JSON_OPERATIONS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "BatchWriteItem", "TransactWriteItems"}
)


def _execute_result(result: ActionResult, context: ActionContext) -> TYPE_RESPONSE:
    if context.operation_model.name in PLAIN_JSON_OPERATIONS:
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result.result)
    return ActionResult.execute_result(result, context)


def install() -> None:
    """Every DynamoDB backend moto creates from now on (each reset makes new ones) is ours."""
    dynamodb_backends.backend = EmbeddedDynamoDBBackend
    DynamoResult.execute_result = _execute_result  # type: ignore[method-assign,assignment]
    keep_no_model_registry()
