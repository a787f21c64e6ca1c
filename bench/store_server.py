"""The benchmark's DynamoDB: local.dynamo.EmbeddedDynamoDB in a process of its own.

Run apart so that moto's CPU never counts as the service's: the benchmark process measures its
own CPU time. Prints the endpoint URL on one line, then serves until its stdin closes.

    python -m bench.store_server
"""

from __future__ import annotations

import sys

from local.dynamo import EmbeddedDynamoDB


def main() -> None:
    with EmbeddedDynamoDB() as db:
        print(db.endpoint_url, flush=True)
        sys.stdin.read()  # the parent closes our stdin (or dies): stop


if __name__ == "__main__":
    main()
