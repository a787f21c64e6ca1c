"""The loader's command line (`make load`): a dataset file into the tables of a local DynamoDB
(`--endpoint-url`, its missing tables made from template.yaml) or of a deployed stack (`--table`),
as changes to what they hold (reassign_core/ingest/loader.py).

    python -m local.load data.json [--dry-run] [--endpoint-url URL]
                         [--table DataTable=name --table CredentialsTable=name]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local.cfn import ensure_tables, load_template
from local.dynamo import use_dummy_credentials
from local.store_setup import DEMO_DATA, is_loopback
from reassign_core.ingest import dataset as ds
from reassign_core.ingest.apply import LoadConflict
from reassign_core.ingest.loader import load_dataset, read_dataset
from reassign_core.store.loading import CREDENTIALS_TABLE, DATA_TABLE


def publicly_known_secrets(data: ds.Dataset, demo_file: Path) -> list[str]:
    """The file's API keys and tokens that the repository's demo data publishes to everyone."""
    demo = json.loads(demo_file.read_text(encoding="utf-8"))
    published = {k["key"] for k in demo.get("apiKeys", [])} | {
        t["token"] for t in demo.get("accessTokens", [])
    }
    return [
        s for s in (*(k.key for k in data.apiKeys), *(t.token for t in data.accessTokens)) if s in published
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.load",
        description="Load a dataset file (docs/dataset.md) into the tables, as changes to what they hold.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    parser.add_argument(
        "--endpoint-url", help="a local DynamoDB; missing tables are created from template.yaml"
    )
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="LOGICAL_ID=NAME",
        help="real table name of a template table, e.g. DataTable=booking-reassign-dev-DataTable-XYZ",
    )
    args = parser.parse_args(argv)
    try:
        data = read_dataset(args.file)
    except ds.DatasetError as error:
        print(f"{args.file}: {len(error.problems)} problem(s); nothing was written:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem.path}: {problem.reason}", file=sys.stderr)
        return 1
    local_store = is_loopback(args.endpoint_url)
    if not local_store and (published := publicly_known_secrets(data, DEMO_DATA)):
        print(
            f"{args.file}: refused: {len(published)} of its API keys or tokens are the demo data's, which "
            f"anyone can read in this repository. Load demo data only into a local endpoint "
            f"(--endpoint-url http://localhost:8000).",
            file=sys.stderr,
        )
        return 1
    if local_store:
        use_dummy_credentials()  # DynamoDB Local or moto: any credentials do, none may be configured
    table_names = {DATA_TABLE: DATA_TABLE, CREDENTIALS_TABLE: CREDENTIALS_TABLE}
    table_names |= dict(entry.split("=", 1) for entry in args.table)
    try:
        client = boto3.client("dynamodb", endpoint_url=args.endpoint_url)
        if args.endpoint_url and not args.dry_run:  # a DynamoDB of one's own gets the template's tables
            ensure_tables(client, load_template(args.template))
        print(f"{args.file}{' (dry run: nothing is written)' if args.dry_run else ''}:", flush=True)
        written = load_dataset(
            data, table_names, client, progress=sys.stderr, out=sys.stdout, dry_run=args.dry_run
        )
    except (BotoCoreError, ClientError, LoadConflict) as error:
        print(f"{args.file}: not loaded: {error}", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(json.dumps({"loaded": str(args.file), "items": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
