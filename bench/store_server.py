"""The benchmark's DynamoDB: moto's server app in a process of its own.

    python -m bench.store_server        # prints its endpoint URL, serves until stdin closes

Apart from the benchmark process, so that the store's CPU never counts as the service's.

It differs from local.dynamo.EmbeddedDynamoDB (one request at a time) in one way: reads
(GetItem, BatchGetItem, Query) are served concurrently, as DynamoDB serves them, while every
other request (writes, transactions, table admin) still runs one at a time under a lock, so a
transaction is applied all at once with respect to other writes. The benchmark never reads
while it writes (one reassignment at a time, and a reassignment reads before it writes). Served
strictly one at a time, parallel BatchGetItem chunks would finish one after another in queue
order and the observed chains of non-overlapping calls would depend on that queue, not on the
service.

And three changes to moto, for speed only (same answers), without which a 10^5-item table
makes single requests take seconds:
- TransactWriteItems deep-copies every table it touches (to roll back on failure): here only
  the targeted items are saved and, if the transaction fails, restored (local.moto_rollback;
  the embedded store of `make run` uses local.dynamo_backend, which also keeps memory flat);
- a table Query scans every item of the table: here it looks the partition up;
- responses are serialized by walking the output shape (~ms per item): here GetItem,
  BatchGetItem, Query, BatchWriteItem and TransactWriteItems results, already DynamoDB JSON,
  are dumped as they are.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from typing import Any

READS = (".GetItem", ".BatchGetItem", ".Query")
PLAIN_JSON_OPERATIONS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "BatchWriteItem", "TransactWriteItems"}
)


def _partition_query() -> None:
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items
    partition = threading.local()  # queries run concurrently: the override is per thread

    def all_items(self: Any) -> Any:
        if getattr(partition, "table", None) is self:
            return partition.items
        return original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        found = self.items.get(hash_key)  # .get: self.items is a defaultdict
        partition.items = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        partition.table = self
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            partition.table = partition.items = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def _plain_json_results() -> None:
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in PLAIN_JSON_OPERATIONS:
            return original(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result)

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def speed_up_moto() -> None:
    from local.moto_rollback import save_only_targeted_items

    save_only_targeted_items()
    _partition_query()
    _plain_json_results()


def serve() -> Any:
    """Start the server in a daemon thread; returns it (its URL: server.url)."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from local.dynamo import use_dummy_credentials

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    use_dummy_credentials()
    speed_up_moto()
    moto_app = DomainDispatcherApplication(create_backend_app)
    writes = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").endswith(READS):
            return moto_app(environ, start_response)
        with writes:
            return list(moto_app(environ, start_response))  # the whole response, inside the lock

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, name="bench-dynamodb", daemon=True).start()
    return server


def main() -> None:
    server = serve()
    print(server.url, flush=True)
    sys.stdin.read()  # the parent closes our stdin (or dies): stop
    server.shutdown()


if __name__ == "__main__":
    main()
