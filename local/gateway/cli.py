"""The local API over HTTP, like `sam local start-api` but without Docker (`make run`).

    python -m local.gateway [--port 3000] [--host 127.0.0.1] [--data FILE] [--endpoint-url URL]
                            [--template template.yaml]

The store is an embedded DynamoDB seeded with --data (default: the demo dataset), or the
DynamoDB at --endpoint-url (tables ensured; data loaded only when --data is given).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from contextlib import ExitStack
from pathlib import Path

from local import event_sources
from local.cfn import load_template
from local.gateway.api import LocalApi
from local.http_server import http_server
from local.store_setup import DEMO_DATA, open_store
from local.sync_secret import DEMO_SYNC_SECRET, use_local_sync_secret
from reassign_core.ingest.dataset import DatasetError


def demo_hint(data: Path | None) -> tuple[str | None, str | None]:
    """(an API key, a booking uid worth reassigning) from a dataset file, for the start banner.
    A key is shown only from the published demo data: a user's own keys stay off the screen."""
    if data is None or not data.exists():
        return None, None
    dataset = json.loads(data.read_text(encoding="utf-8"))
    keys = (dataset.get("apiKeys") or []) if data.resolve() == DEMO_DATA.resolve() else []
    round_robin = {
        e.get("id") for e in dataset.get("eventTypes") or [] if e.get("schedulingType") == "ROUND_ROBIN"
    }
    bookings = dataset.get("bookings") or []
    good = [
        b
        for b in bookings
        if b.get("eventTypeId") in round_robin and b.get("status", "ACCEPTED") == "ACCEPTED"
    ]
    booking = (good or bookings or [{}])[0]
    return (keys[0].get("key") if keys else None), booking.get("uid")


def port_in_use(host: str, port: int) -> bool:
    """Whether another program listens on (host, port): checked before the store is seeded, so a
    clash costs a second, not a load."""
    if port == 0:
        return False
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def fail(message: str) -> int:
    print(f"make run: {message}", file=sys.stderr)
    return 1


def sync_hint(url: str, secret: str) -> str:
    """Shows the secret only when it is the public demo one: a secret the user chose stays off screen."""
    if secret == DEMO_SYNC_SECRET:
        return f"Cal.com webhook: {url}  secret (demo secret; set CALCOM_SYNC_SECRET to choose one): {secret}"
    return f"Cal.com webhook: {url}  secret: the one in CALCOM_SYNC_SECRET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.gateway", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--data", help="dataset file to load (default with the embedded store: the demo data)"
    )
    parser.add_argument(
        "--endpoint-url", help="use this DynamoDB (AWS, DynamoDB Local) instead of an embedded one"
    )
    parser.add_argument("--template", default="template.yaml")
    args = parser.parse_args(argv)

    if port_in_use(args.host, args.port):
        return fail(
            f"port {args.port} is in use by another program; choose another: make run PORT={args.port + 1}"
        )
    template = load_template(args.template)
    sync_secret, _ = use_local_sync_secret()  # before the local API gives its default
    with ExitStack() as stack:
        try:
            store = open_store(stack, template, args.endpoint_url, Path(args.data) if args.data else None)
        except DatasetError as error:
            if [p.path for p in error.problems] == ["$"]:  # the file as a whole: missing, not JSON
                return fail(f"{args.data}: {error.problems[0].reason}")
            listing = "".join(f"\n  {p.path}: {p.reason}" for p in error.problems)
            return fail(f"{args.data}: {len(error.problems)} problem(s); the API was not started:{listing}")
        template = event_sources.start(stack, template, store.endpoint_url)  # stream and queue consumers
        api = LocalApi(args.template, store.endpoint_url, template=template)
        server = http_server(api.handle, args.host, args.port)
        shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        base = f"http://{shown_host}:{server.server_port}"
        lines = [f"Local API (no Docker) on {base}/{api.default_api.stage}  -  store: {store.description}"]
        lines += [
            f"  {r.method:4} {base}/{r.stage}{r.resource}  ->  {r.function_id}" for r in template.routes()
        ]
        lines.append(sync_hint(f"{base}/{api.default_api.stage}/sync/calcom", sync_secret))
        key, uid = demo_hint(store.data)
        if key:
            lines.append(f"Demo API key: {key}")
        if key and uid:
            lines.append("Try:")
            lines.append(
                f"  curl -s -X POST {base}/{api.default_api.stage}/bookings/{uid}/reassign "
                f'-H "Authorization: Bearer {key}" -H "cal-api-version: 2024-08-13"'
            )
        if args.endpoint_url is None:
            lines.append(
                f"Embedded DynamoDB: {store.endpoint_url}  (load into it: "
                f"make load DATA=file.json ENDPOINT={store.endpoint_url})"
            )
        print("\n".join(lines), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0
