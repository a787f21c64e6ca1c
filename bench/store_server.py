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

Otherwise it is the embedded store's backend (local.dynamo_backend), for the same reasons: without
it a 10^5-item table makes single requests take seconds (whole-table copies per transaction, a
Query that sorts the whole table, a serializer that walks every value) and memory grows per
transaction. Its Query keeps the partition it reads per thread, so concurrent reads stay apart.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

READS = (".GetItem", ".BatchGetItem", ".Query")


def serve() -> Any:
    """Start the server in a daemon thread; returns it (its URL: server.url)."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from local import dynamo_backend
    from local.dynamo import use_dummy_credentials

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    use_dummy_credentials()
    dynamo_backend.install()
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
