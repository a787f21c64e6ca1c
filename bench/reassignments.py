"""One size of the benchmark: a generated dataset loaded through the real loader, then auto
reassignments through the handler, each one's DynamoDB calls, round trips and CPU recorded."""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from bench import ROOT
from bench import calls as bench_calls
from bench.datasets import generate
from bench.handler import Function, patient
from bench.replay import replay
from bench.report import log
from bench.store_process import reset_store


def measure_sizes(
    function: Function, url: str, sizes: list[int], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Every size in turn, on the service's own DynamoDB client (observed; see bench.calls)."""
    recorder = bench_calls.CallRecorder(latency=args.latency_ms / 1000)
    client = function.runtime.dynamodb_client(function.runtime.reassign_settings().endpoint_url)
    patient(client)
    recorder.attach(client)
    by_size: dict[str, dict[str, Any]] = {}
    for hosts in sizes:
        r = by_size[str(hosts)] = measure_size(
            hosts, function, recorder, url, args, profile=hosts == max(sizes)
        )
        log(
            f"  {hosts} hosts: {r['round_trips']['median']} round trips, "
            f"{r['service_cpu_ms']['median']:.1f} ms service CPU, {r['wall_ms']:.0f} ms wall; "
            f"a 403 reads {r['refusal_403']['items_read']} items ({r['refusal_403']['rcu']} RCU)"
        )
    return by_size


def measure_size(
    hosts: int,
    function: Function,
    recorder: bench_calls.CallRecorder,
    url: str,
    args: argparse.Namespace,
    profile: bool,
) -> dict[str, Any]:
    from local.cfn import ensure_tables, load_template
    from local.dynamo import dynamodb_client
    from reassign_core.ingest.dataset import parse_dataset
    from reassign_core.ingest.loader import load_dataset

    runs = args.warmup + args.reassignments
    dataset = generate(hosts, runs, datetime.now(UTC))
    template = load_template(ROOT / "template.yaml")
    reset_store(url)
    client = dynamodb_client(url)
    ensure_tables(client, template)
    started = time.perf_counter()
    written = load_dataset(parse_dataset(dataset.data), template.table_names(), client)
    load_s = time.perf_counter() - started
    bookings, actor_id, uids = len(dataset.data["bookings"]), dataset.actor_id, iter(dataset.reassign_uids)
    outsider_id, refused_uid = dataset.outsider_id, dataset.reassign_uids[0]
    log(f"  {hosts} hosts: {bookings} bookings, {sum(written.values())} items loaded in {load_s:.1f}s")
    # A Lambda's heap holds modules, not a dataset: drop it, and keep what is left out of the
    # garbage collector's way, so that collections during a reassignment cost what they would there.
    del dataset
    gc.collect()
    gc.freeze()

    for _ in range(args.warmup):  # first calls pay for lazy imports, time zones, connections
        function.reassign(next(uids), actor_id)

    samples: list[dict[str, Any]] = []
    considered: list[bench_calls.Call] = []
    reassigned: list[str] = []
    for _ in range(args.reassignments):
        uid = next(uids)
        reassigned.append(uid)
        recorder.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        body = function.reassign(uid, actor_id)
        cpu1, wall1 = time.process_time(), time.perf_counter()
        made = recorder.stop()
        considered = [
            c for c in made if function.runtime.reassign_settings().idempotency_table not in c.tables()
        ]
        inside_calls = sum(c.cpu for c in made)
        samples.append(
            {
                "uid": uid,
                "to": body["data"]["reassignedTo"]["id"],
                "round_trips": bench_calls.sequential_round_trips(considered),
                "overlap_waves": bench_calls.overlap_waves(considered),
                "usage": bench_calls.usage(considered),
                "service_cpu_ms": (cpu1 - cpu0 - inside_calls) * 1000,
                "dynamodb_cpu_ms": inside_calls * 1000,
                "wall_ms": (wall1 - wall0) * 1000,
                "errors": [c.error for c in made if c.error],
            }
        )

    # The read routes on the bookings just reassigned: each has one audit record to list.
    reads = {
        route: [
            measure_call(function, recorder, lambda u=uid, r=route: function.read(r, u, actor_id))
            for uid in reassigned
        ]
        for route in READ_ROUTES
    }
    refusal = measure_refusal(function, recorder, refused_uid, outsider_id)
    gc.unfreeze()
    result = summarize(hosts, samples, load_s, sum(written.values()), bookings)
    result["read_routes"] = {route: summarize_reads(found) for route, found in reads.items()}
    result["refusal_403"] = refusal
    result["replay"] = replay(
        function, considered, samples[-1]["uid"], actor_id, 5, args.profile_out if profile else None
    )
    if not profile:
        result["replay"] = {
            k: v for k, v in result["replay"].items() if k in ("replay_cpu_ms", "self_time_by_area_ms")
        }
    return result


def measure_refusal(
    function: Function, recorder: bench_calls.CallRecorder, uid: str, outsider_id: int
) -> dict[str, Any]:
    """What a caller without rights costs before its 403: bounded, whatever the number of hosts."""
    recorder.start()
    status = function.answer(uid, outsider_id)["statusCode"]
    made = recorder.stop()
    if status != 403:
        raise RuntimeError(f"the outsider's reassignment answered {status}, not 403")
    usage = bench_calls.usage(made)
    return {
        "status": status,
        "round_trips": bench_calls.sequential_round_trips(made),
        "calls": usage.calls,
        "items_read": usage.items_read,
        "bytes_read": usage.bytes_read,
        "rcu": round(usage.rcu, 2),
        "wcu": round(usage.wcu, 2),  # the rate-limit count
    }


READ_ROUTES = ("reassignment-candidates", "reassignments")


def measure_call(
    function: Function, recorder: bench_calls.CallRecorder, call: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """One handler call: its round trips, DynamoDB usage and service CPU (as for a reassignment)."""
    recorder.start()
    cpu0 = time.process_time()
    call()
    cpu1 = time.process_time()
    made = recorder.stop()
    considered = [c for c in made if function.runtime.reassign_settings().idempotency_table not in c.tables()]
    # The credential's rate-limit count is the one write every authenticated request makes; a read
    # route "writes nothing" of the bookings' data, so it is shown apart.
    counts = [c for c in considered if _is_rate_count(c)]
    return {
        "round_trips": bench_calls.sequential_round_trips(considered),
        "usage": bench_calls.usage([c for c in considered if c not in counts]),
        "rate_counts": len(counts),
        "service_cpu_ms": (cpu1 - cpu0 - sum(c.cpu for c in made)) * 1000,
    }


def _is_rate_count(call: bench_calls.Call) -> bool:
    from reassign_core.store import keys  # as the handler's own layer sees it (see measure_size)

    key = call.params.get("Key") or {}
    return call.operation == "UpdateItem" and key.get("PK", {}).get("S", "").startswith(keys.RATE_PREFIX)


def summarize_reads(samples: list[dict[str, Any]]) -> dict[str, Any]:
    usages = [s["usage"] for s in samples]
    trips = [s["round_trips"] for s in samples]
    return {
        "requests": len(samples),
        "round_trips": {"median": statistics.median(trips), "max": max(trips)},
        "dynamodb_requests": {
            "calls": round(statistics.median(u.calls for u in usages), 2),
            "items_read": round(statistics.median(u.items_read for u in usages), 2),
            "rcu": round(statistics.median(u.rcu for u in usages), 2),
            "items_written": max(u.items_written for u in usages),
            "rate_limit_counts": max(s["rate_counts"] for s in samples),
        },
        "service_cpu_ms": round(statistics.median(s["service_cpu_ms"] for s in samples), 2),
    }


def summarize(
    hosts: int, samples: list[dict[str, Any]], load_s: float, items: int, bookings: int
) -> dict[str, Any]:
    def med(values: Iterable[float]) -> float:
        return round(statistics.median(values), 2)

    trips = [s["round_trips"] for s in samples]
    waves = [s["overlap_waves"] for s in samples]
    usages = [s["usage"] for s in samples]
    names = sorted({op for u in usages for op in u.by_operation})
    operations = {op: [u.by_operation.get(op, 0) for u in usages] for op in names}
    return {
        "hosts": hosts,
        "dataset": {"bookings": bookings, "items_loaded": items, "load_seconds": round(load_s, 1)},
        "reassignments": len(samples),
        "round_trips": {
            "median": statistics.median(trips),
            "min": min(trips),
            "max": max(trips),
            "overlap_waves_median": statistics.median(waves),
        },
        "dynamodb_requests": {
            "calls": med(u.calls for u in usages),
            "by_operation": {op: med(v) for op, v in operations.items()},
            "keys_requested": med(u.keys_requested for u in usages),
            "items_read": med(u.items_read for u in usages),
            "kb_read": med(u.bytes_read / 1024 for u in usages),
            "items_written": med(u.items_written for u in usages),
            "kb_written": med(u.bytes_written / 1024 for u in usages),
            "rcu": med(u.rcu for u in usages),
            "wcu": med(u.wcu for u in usages),
        },
        "service_cpu_ms": {
            "median": med(s["service_cpu_ms"] for s in samples),
            "min": round(min(s["service_cpu_ms"] for s in samples), 2),
            "max": round(max(s["service_cpu_ms"] for s in samples), 2),
        },
        "dynamodb_client_cpu_ms": med(s["dynamodb_cpu_ms"] for s in samples),
        "wall_ms": med(s["wall_ms"] for s in samples),
        "errors": sorted({e for s in samples for e in s["errors"]}),
        "winners": [s["to"] for s in samples],
    }
