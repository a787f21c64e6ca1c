"""Run a template's function in-process, like `sam local invoke` but without Docker.

    python -m local.invoke --function ReassignFunction --event events/direct.json [--data FILE]
                           [--endpoint-url URL] [--template template.yaml]

The function's JSON return value is the last line of stdout; everything else (logs included)
goes to stderr. Without --endpoint-url the store is an embedded DynamoDB seeded with --data
(default: the demo dataset). Exit status 1 when the function raised.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from local.cfn import load_template
from local.lambda_runtime import FunctionError, FunctionPool, apply_env
from local.store_setup import open_store
from local.sync_secret import use_local_sync_secret


def _read_event(name: str) -> Any:
    text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    return json.loads(text)


def run(args: argparse.Namespace) -> tuple[int, Any]:
    """Seed the store, invoke the function; (exit status, what to print)."""
    template = load_template(args.template)
    if args.function not in template.functions:
        raise SystemExit(
            f"unknown function {args.function!r}; the template has: {', '.join(template.functions)}"
        )
    event = _read_event(args.event)
    with contextlib.ExitStack() as stack:
        store = open_store(stack, template, args.endpoint_url, Path(args.data) if args.data else None)
        apply_env(template, store.endpoint_url, [args.function])
        use_local_sync_secret()
        pool = FunctionPool(template.functions[args.function], os.environ["AWS_REGION"])
        try:
            return 0, pool.invoke(event)
        except FunctionError as error:
            return 1, error.payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("--function", required=True, help="logical id, e.g. ReassignFunction")
    parser.add_argument("--event", required=True, help="JSON event file ('-' for stdin)")
    parser.add_argument(
        "--data", help="dataset file to load (default with the embedded store: the demo data)"
    )
    parser.add_argument("--endpoint-url", help="use this DynamoDB instead of an embedded one")
    parser.add_argument("--template", default="template.yaml")
    args = parser.parse_args(argv)
    stdout = sys.stdout
    # Powertools logs to stdout; keep stdout for the result alone.
    with contextlib.redirect_stdout(sys.stderr):
        status, result = run(args)
    stdout.write(json.dumps(result) + "\n")
    stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
