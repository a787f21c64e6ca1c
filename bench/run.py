"""The benchmark: what one auto reassignment costs at 10, 100 and 1000 hosts, and the cold start.

    python -m bench.run [--sizes 10,100,1000] [--reassignments 15] [--latency-ms 10] [--quick]

Writes bench/results.json and prints a table with a PASS/FAIL line per goal:
- sequential DynamoDB round trips per auto reassignment <= 4, and the same at every size;
- service CPU per reassignment <= 50 ms at 1000 hosts, growing no worse than linearly;
- cold start <= 1.6x a bare `import boto3; boto3.client("dynamodb")`.

How (details in each module): datasets from bench.datasets go through the real loader into
moto's DynamoDB served from a separate process (bench.store_server: reads concurrent, writes one
at a time), so the store's CPU is never counted here; each request first sleeps --latency-ms.
Reassignments go through the real handler (functions/reassign/app.py, an API Gateway event as
the authorizer passes it). Every DynamoDB call of the service's own client is observed with
botocore hooks (bench.calls); the service's CPU is this process's CPU time during the call minus
the CPU spent inside those DynamoDB calls.
Cold start runs fresh processes on the `sam build` output (bench.coldstart).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(ROOT / "layers" / "core")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench.build import BUILD_DIR, cold_start  # noqa: E402
from bench.handler import Function  # noqa: E402
from bench.reassignments import measure_sizes  # noqa: E402
from bench.report import cost_per_million, goals, log, machine, print_table  # noqa: E402
from bench.store_process import store_process  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
METHOD = {
    "store": "moto DynamoDB in its own process (bench.store_server): reads served concurrently, writes one "
    "at a time; its CPU is not this process's",
    "latency": "every DynamoDB request sleeps --latency-ms before it is sent (a network round trip)",
    "round_trips": "longest chain of the service client's DynamoDB calls, each starting after the previous "
    "ended (botocore hooks provide-client-params .. after-call); median over the reassignments",
    "service_cpu_ms": "process CPU time of one handler call minus the CPU time spent inside DynamoDB calls "
    "(per-thread CPU, hooks as above); median. replay_cpu_ms: the last reassignment re-run inline with its "
    "reads answered from memory (a cross-check with no botocore at all)",
    "capacity": "estimates from the wire JSON: consistent reads 1 RCU per started 4 KB per item (missing "
    "items 1), eventually consistent queries half, on their total; transactional writes 2 WCU per started "
    "1 KB per action",
    "refusal_403": "one auto reassignment by a user without rights on the event type (after the measured "
    "ones): its DynamoDB calls, items read and capacity, as above; the WCU is the rate-limit count",
    "cold_start": "median wall time of fresh python3.13 -I -S processes on the sam build output (see "
    "bench/coldstart.py); stages_cpu_ms: minimum CPU of cumulative import stages",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1000", help="host counts, comma-separated")
    parser.add_argument("--reassignments", type=int, default=15, help="measured reassignments per size")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured reassignments first, per size")
    parser.add_argument(
        "--latency-ms", type=float, default=10.0, help="simulated network latency per request"
    )
    parser.add_argument("--cold-runs", type=int, default=15, help="fresh processes per cold-start variant")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    parser.add_argument("--profile-out", type=Path, default=None, help="also dump the cProfile stats here")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--quick", action="store_true", help="10 and 100 hosts, 5 reassignments, 3 cold runs")
    args = parser.parse_args(argv)
    # The handler flushes its (empty) metrics on every call; Powertools warns each time.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if args.quick:
        args.sizes, args.reassignments, args.cold_runs = "10,100", 5, 3
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()

    from local.cfn import load_template
    from local.dynamo import use_dummy_credentials

    use_dummy_credentials()
    template = load_template(ROOT / "template.yaml")
    function_env = {k: str(v) for k, v in template.functions["ReassignFunction"].env.items()}

    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": METHOD,
        "machine": machine(),
        "parameters": {
            "sizes": sizes,
            "reassignments": args.reassignments,
            "warmup": args.warmup,
            "latency_ms": args.latency_ms,
            "cold_runs": args.cold_runs,
        },
    }
    # The measurements that need the store and the function: one call each, in this block.
    with store_process() as url:
        log(f"DynamoDB (moto, own process) at {url}")
        function = Function({**function_env, "DYNAMODB_ENDPOINT_URL": url})
        by_size = measure_sizes(function, url, sizes, args)
    results["sizes"] = by_size
    results["sequential_round_trips"] = {k: v["round_trips"]["median"] for k, v in by_size.items()}
    results["dynamodb_requests"] = {k: v["dynamodb_requests"] for k, v in by_size.items()}
    results["service_cpu_ms"] = {k: v["service_cpu_ms"]["median"] for k, v in by_size.items()}
    results["refusal_403"] = {k: v["refusal_403"] for k, v in by_size.items()}
    # GET reassignment-candidates and GET reassignments, per size (round trips, reads, CPU).
    results["read_routes"] = {k: v["read_routes"] for k, v in by_size.items()}
    results["cost_per_million_usd"] = cost_per_million(
        by_size, template.functions["ReassignFunction"].memory_mb
    )

    cold = None
    if not args.no_cold_start:
        log("cold start ...")
        cold, artifact_kb = cold_start(args)
        results["cold_start"] = cold
        results["cold_start_ms"] = cold["cold_start_ms"]
        results["cold_start_baseline_ms"] = cold["cold_start_baseline_ms"]
        results["artifact_kb"] = {name: a["kb"] for name, a in artifact_kb.items()}
        results["artifact_files"] = {name: a["files"] for name, a in artifact_kb.items()}
    results["goals"] = goals(by_size, cold)
    results["duration_seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(
        f"\n{args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output} written "
        f"in {results['duration_seconds']:.0f}s",
        file=sys.stdout,
    )
    return 1 if args.strict and not all(g["pass"] for g in results["goals"]) else 0


if __name__ == "__main__":
    sys.exit(main())
