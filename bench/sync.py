"""The sync's benchmark: sequential DynamoDB round trips and CPU per ingested Cal.com event, and the
loader's throughput, on the 1000-host dataset.

    python -m bench.sync [--hosts 1000] [--events 32] [--latency-ms 10]

Writes its figures under "sync" in bench/results.json (the rest of the file is left as is).

- The store is moto in a process of its own (bench.store_process), so this process's CPU time is the
  sync function's; each request to it is delayed by `--latency-ms`, as a network would, so that
  parallel requests overlap as they would against DynamoDB.
- The function is imported as Lambda starts it: its init phase reads the email directory (one
  BatchGetItem, reported apart as `init`), so an attendee who is a user is read ahead from the first
  event on (docs/sync.md).
- Events: signed BOOKING_CREATED, BOOKING_RESCHEDULED (on the same host, and to another host) and
  BOOKING_CANCELLED bodies (Cal.com's shapes) for the event type's round-robin hosts, with guests
  from outside; then the same with an attendee who is a user of the store.
- Loader throughput: items written per second of `load_dataset` on a fresh store.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import ROOT
from bench import calls as bench_calls
from bench.datasets import EVENT_TYPE_ID, FIRST_HOST_ID, generate
from bench.store_process import reset_store, store_process

RESULTS = ROOT / "bench" / "results.json"
SECRET = "bench-calcom-sync-secret"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _proxy_event(body: dict[str, Any]) -> dict[str, Any]:
    from reassign_core.sync.signature import sign

    raw = json.dumps(body)
    return {
        "resource": "/sync/calcom",
        "path": "/v2/sync/calcom",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "X-Cal-Signature-256": sign(SECRET, raw.encode())},
        "body": raw,
        "isBase64Encoded": False,
    }


def _booking(
    uid: str, host: int, start: datetime, guests: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "uid": uid,
        "eventTypeId": EVENT_TYPE_ID,
        "title": "Bench call",
        "startTime": start.isoformat().replace("+00:00", "Z"),
        "endTime": (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        "status": "ACCEPTED",
        "organizer": {"id": host, "name": f"Host {host}", "email": f"h{host}@bench.test", "timeZone": "UTC"},
        "attendees": guests,
        "responses": {"name": {"label": "your_name", "value": "Guest"}},
        **extra,
    }


EVENT_KINDS = ("created", "rescheduled, same host", "rescheduled to another host", "cancelled")


def _events(count: int, hosts: int, user_email: str | None, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """(kind, body) in turn: a booking created on a host; the previous event's booking rescheduled
    on its host; the previous one's rescheduled to another host (Cal.com's round robin picking again:
    the replaced booking's host is known only once it is read); the previous one's cancelled."""
    now = datetime.now(UTC).replace(microsecond=0)
    guest = [{"name": "Guest", "email": user_email or "guest@outside.test", "timeZone": "UTC"}]
    placed: dict[str, tuple[int, datetime]] = {}  # uid -> its host and start
    events = []
    for i in range(count):
        kind = EVENT_KINDS[i % len(EVENT_KINDS)]
        at = (now + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
        uid, previous = f"{prefix}{i}", f"{prefix}{i - 1}"
        if kind == "created":
            host = FIRST_HOST_ID + (i * 7) % hosts
            start = (now + timedelta(days=30 + i % 20)).replace(hour=10, minute=0, second=0)
            trigger, payload = "BOOKING_CREATED", _booking(uid, host, start, guest)
        elif kind == "cancelled":
            host, start = placed[previous]
            trigger, payload = "BOOKING_CANCELLED", _booking(previous, host, start, guest)
            uid = previous
        else:
            old_host, old_start = placed[previous]
            host = old_host if kind == "rescheduled, same host" else FIRST_HOST_ID + (i * 7) % hosts
            start = old_start + timedelta(days=1)
            trigger = "BOOKING_RESCHEDULED"
            payload = _booking(
                uid,
                host,
                start,
                guest,
                rescheduleUid=previous,
                rescheduleStartTime=old_start.isoformat(),
                rescheduleEndTime=(old_start + timedelta(minutes=30)).isoformat(),
            )
        placed[uid] = (host, start)
        events.append((kind, {"triggerEvent": trigger, "createdAt": at, "payload": payload}))
    return events


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--events", type=int, default=32, help="events per case (a multiple of 4)")
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file; its other keys are kept")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    from local.cfn import ensure_tables, load_template
    from local.dynamo import dynamodb_client, use_dummy_credentials
    from reassign_core.ingest.dataset import parse_dataset
    from reassign_core.ingest.loader import load_dataset

    use_dummy_credentials()
    template = load_template(ROOT / "template.yaml")
    dataset = generate(args.hosts, 1, datetime.now(UTC))
    user_email = next(u["email"] for u in dataset.data["users"] if u["id"] == FIRST_HOST_ID + 1)
    results: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "hosts": args.hosts}
    with store_process() as url:
        reset_store(url)
        client = dynamodb_client(url)
        ensure_tables(client, template)
        started = time.perf_counter()
        written = load_dataset(parse_dataset(dataset.data), template.table_names(), client)
        seconds = time.perf_counter() - started
        items = sum(written.values())
        results["loader"] = {
            "items": items,
            "seconds": round(seconds, 2),
            "items_per_second": round(items / seconds),
        }
        log(f"loader: {items} items in {seconds:.1f}s = {items / seconds:.0f} items/s")

        env = {k: str(v) for k, v in template.functions["SyncFunction"].env.items()}
        os.environ.update({**env, "DYNAMODB_ENDPOINT_URL": url, "CALCOM_SYNC_SECRET": SECRET})
        sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the benchmark
        from reassign_core import runtime

        recorder = bench_calls.CallRecorder(latency=args.latency_ms / 1000)
        recorder.attach(runtime.dynamodb_client(url))  # the client the function's init will take
        recorder.start()
        started = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            spec = importlib.util.spec_from_file_location("bench_sync_app", ROOT / "functions/sync/app.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        init_ms = (time.perf_counter() - started) * 1000
        init_calls = recorder.stop()
        read = bench_calls.usage(init_calls)
        results["init"] = {
            "directory_round_trips": bench_calls.sequential_round_trips(init_calls),
            "directory_items_read": read.items_read,
            "directory_kb_read": round(read.bytes_read / 1024, 1),
            "directory_rcu": read.rcu,
            "wall_ms": round(init_ms, 1),
        }
        log(f"init: {results['init']}")
        from bench.handler import _lambda_context

        for case, email in (("guests_outside", None), ("attendee_is_a_user", user_email)):
            trips: list[float] = []
            cpu: list[float] = []
            kinds: dict[str, list[int]] = {}
            for kind, body in _events(args.events, args.hosts, email, case):
                recorder.start()
                before = time.process_time()  # every thread of this process: the store is another
                with contextlib.redirect_stdout(sink):
                    answer = module.lambda_handler(_proxy_event(body), _lambda_context())
                spent = time.process_time() - before
                made = recorder.stop()
                assert answer["statusCode"] == 200, answer
                assert json.loads(answer["body"])["data"]["applied"], answer
                rounds = bench_calls.sequential_round_trips(made)
                trips.append(rounds)
                cpu.append(spent * 1000)
                kinds.setdefault(kind, []).append(rounds)
            results[case] = {
                "events": len(trips),
                "first_event_round_trips": trips[0],
                "sequential_round_trips": _summary(trips),
                "round_trips_by_event": {kind: max(r) for kind, r in kinds.items()},
                "cpu_ms_per_event": _summary(cpu),
            }
            figures = results[case]
            trips_seen, cpu_ms = figures["sequential_round_trips"], figures["cpu_ms_per_event"]
            log(f"{case}: round trips {trips_seen}, cpu ms {cpu_ms}")

    worst = max(
        results[case]["sequential_round_trips"]["max"] for case in ("guests_outside", "attendee_is_a_user")
    )
    goal = "sync: <= 2 sequential round trips per event"
    results["goal"] = {"goal": goal, "observed": worst, "pass": worst <= 2}
    log(f"  {'PASS' if worst <= 2 else 'FAIL'}  {results['goal']['goal']}: {worst}")
    stored = json.loads(args.output.read_text()) if args.output.exists() else {}
    stored["sync"] = results
    args.output.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
