"""What the benchmark reports: the machine, the goals and whether they pass, the cost per million
reassignments, and the table printed at the end."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import ROOT

GOAL_ROUND_TRIPS = 4
GOAL_CPU_MS = 50.0
GOAL_COLD_START_RATIO = 1.6
LINEAR_SLACK = 1.25  # "no worse than linear": CPU ratio between sizes <= host ratio x this


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": commit or "unknown",
        "git_dirty": bool(dirty),
    }


# Published on-demand prices, us-east-1, USD (AWS pricing pages, 2026): Lambda x86 per GB-second
# and per request; DynamoDB on-demand per read and write request unit; API Gateway REST per request.
PRICES_USD = {
    "lambda_gb_second": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    "dynamodb_read_request_unit": 0.125 / 1e6,
    "dynamodb_write_request_unit": 0.625 / 1e6,
    "api_gateway_rest_request": 3.50 / 1e6,
}


def cost_per_million(sizes: dict[str, dict[str, Any]], memory_mb: int) -> dict[str, Any]:
    """USD per million auto reassignments: the measured wall time billed at the configured memory,
    the measured capacity units, one API Gateway request (the authorizer's answer is cached)."""
    found: dict[str, Any] = {"prices_usd": PRICES_USD, "lambda_memory_mb": memory_mb, "by_hosts": {}}
    for hosts, r in sizes.items():
        gb_seconds = r["wall_ms"] / 1000 * memory_mb / 1024
        parts = {
            "api_gateway": PRICES_USD["api_gateway_rest_request"],
            "lambda": gb_seconds * PRICES_USD["lambda_gb_second"] + PRICES_USD["lambda_request"],
            "dynamodb_reads": r["dynamodb_requests"]["rcu"] * PRICES_USD["dynamodb_read_request_unit"],
            "dynamodb_writes": r["dynamodb_requests"]["wcu"] * PRICES_USD["dynamodb_write_request_unit"],
        }
        per_million = {k: round(v * 1e6, 2) for k, v in parts.items()}
        found["by_hosts"][hosts] = {**per_million, "total": round(sum(parts.values()) * 1e6, 2)}
    return found


def goals(sizes: dict[str, dict[str, Any]], cold: dict[str, Any] | None) -> list[dict[str, Any]]:
    found = []
    trips = {k: v["round_trips"]["median"] for k, v in sizes.items()}
    found.append(
        {
            "goal": f"sequential round trips <= {GOAL_ROUND_TRIPS} and equal at every size",
            "observed": trips,
            "pass": max(trips.values()) <= GOAL_ROUND_TRIPS and len(set(trips.values())) == 1,
        }
    )
    previews = {
        k: v["read_routes"]["reassignment-candidates"] for k, v in sizes.items() if "read_routes" in v
    }
    if previews:
        found.append(
            {
                "goal": "candidates: one round trip fewer than a reassignment, no write but the rate count",
                # Medians, as for the reassignment: at 1000 hosts a wave's last chunk can start
                # after its first has answered (the GIL), which lengthens the chain now and then.
                "observed": {k: dict(p["round_trips"]) for k, p in previews.items()},  # max shown beside
                "pass": all(
                    p["round_trips"]["median"] == trips[k] - 1
                    and p["dynamodb_requests"]["items_written"] == 0
                    for k, p in previews.items()
                ),
            }
        )
    cpu = {int(k): v["service_cpu_ms"]["median"] for k, v in sizes.items()}
    largest = max(cpu)
    found.append(
        {
            "goal": f"service CPU <= {GOAL_CPU_MS:g} ms per reassignment at {largest} hosts",
            "observed": cpu[largest],
            "pass": cpu[largest] <= GOAL_CPU_MS,
        }
    )
    ordered = sorted(cpu)
    steps = [
        {"from": a, "to": b, "cpu_ratio": round(cpu[b] / cpu[a], 2), "hosts_ratio": round(b / a, 2)}
        for a, b in itertools.pairwise(ordered)
    ]
    found.append(
        {
            "goal": f"service CPU grows no worse than linearly (CPU ratio <= host ratio x {LINEAR_SLACK})",
            "observed": steps,
            "pass": all(s["cpu_ratio"] <= s["hosts_ratio"] * LINEAR_SLACK for s in steps),
        }
    )
    if cold is not None:
        ratio = cold["cold_start_ms"] / cold["cold_start_baseline_ms"]
        found.append(
            {
                "goal": f"cold start <= {GOAL_COLD_START_RATIO}x baseline (wall time; {cold['layout']})",
                "observed": {
                    "wall_ratio": round(ratio, 2),
                    "cpu_ratio": round(cold["cpu_ms"] / cold["baseline_cpu_ms"], 2),
                    # The init phase alone (Lambda's Init Duration), without interpreter start and exit.
                    "init_ratio": round(cold["init_ms"] / cold["baseline_init_ms"], 2),
                },
                "pass": ratio <= GOAL_COLD_START_RATIO and cold["from_build"],
            }
        )
    return found


def print_table(results: dict[str, Any]) -> None:
    out = sys.stdout
    m = results["machine"]
    print(
        f"\nBenchmark {results['date']}  commit {m['git_commit']}{' (dirty)' if m['git_dirty'] else ''}  "
        f"{m['cpu_model']} x{m['nproc']}  Python {m['python']}  "
        f"(simulated DynamoDB latency {results['parameters']['latency_ms']} ms)",
        file=out,
    )
    header = (
        f"{'hosts':>6} {'trips':>7} {'calls':>6} {'keys':>6} {'read':>6} {'KB read':>8} {'written':>8} "
        f"{'RCU':>7} {'WCU':>5} {'svc CPU ms':>11} {'replay ms':>10} {'ddb CPU ms':>11} {'wall ms':>8}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for hosts, r in results["sizes"].items():
        d, t = r["dynamodb_requests"], r["round_trips"]
        trips = f"{t['median']:g}" + ("" if t["min"] == t["max"] else f" ({t['min']}-{t['max']})")
        print(
            f"{hosts:>6} {trips:>7} {d['calls']:>6g} {d['keys_requested']:>6g} {d['items_read']:>6g} "
            f"{d['kb_read']:>8.1f} {d['items_written']:>8g} {d['rcu']:>7g} {d['wcu']:>5g} "
            f"{r['service_cpu_ms']['median']:>11.1f} {r['replay']['replay_cpu_ms']:>10.1f} "
            f"{r['dynamodb_client_cpu_ms']:>11.1f} {r['wall_ms']:>8.1f}",
            file=out,
        )
    for hosts, r in results["sizes"].items():
        for route, figures in r.get("read_routes", {}).items():
            d = figures["dynamodb_requests"]
            print(
                f"  GET {route} at {hosts} hosts: {figures['round_trips']['median']:g} round trips, "
                f"{d['calls']:g} calls, {d['items_read']:g} items read, {d['rcu']:g} RCU, "
                f"{d['items_written']} written (+{d.get('rate_limit_counts', 0)} rate count), "
                f"{figures['service_cpu_ms']:.1f} ms service CPU",
                file=out,
            )
    if results.get("cold_start"):
        c = results["cold_start"]
        print(
            f"\nCold start ({c['layout']}, median of {c['runs']} fresh processes): "
            f"function {c['cold_start_ms']:.0f} ms (init {c['init_ms']:.0f} ms, {c['cpu_ms']:.0f} ms CPU) vs "
            f"baseline {c['cold_start_baseline_ms']:.0f} ms (init {c['baseline_init_ms']:.0f} ms, "
            f"{c['baseline_cpu_ms']:.0f} ms CPU)",
            file=out,
        )
        top = ", ".join(
            f"{k} {v:g}" for k, v in list(c["importtime"]["function"]["by_package_ms"].items())[:8]
        )
        print(f"  -X importtime, self time by package (ms): {top}", file=out)
        previous = None
        for stage, ms in c.get("stages_cpu_ms", {}).items():
            added = "" if previous is None else f"  ({ms - previous:+.0f})"
            print(f"  {ms:>6.0f} ms CPU  {stage}{added}", file=out)
            previous = ms
    if results.get("artifact_kb"):
        print(
            "Artifacts (KB, as sam build leaves them): "
            + ", ".join(f"{k} {kb:g}" for k, kb in results["artifact_kb"].items()),
            file=out,
        )
    for hosts, r in results["sizes"].items():
        if "cumulative_ms" in r["replay"]:
            p = r["replay"]
            print(
                f"\nProfile of one {hosts}-host reassignment replayed from memory (service code only; "
                f"{p['replay_cpu_ms']:.1f} ms CPU unprofiled, {p['profiled_ms']:.0f} ms under cProfile)",
                file=out,
            )
            print(
                "  self time by area (ms): "
                + ", ".join(f"{k} {v}" for k, v in p["self_time_by_area_ms"].items()),
                file=out,
            )
            skip = ("app.py", "service.py:", "resolver.py")  # the call chain down to the service: ~100% each
            shown = [(n, ms) for n, ms in p["cumulative_ms"].items() if not any(x in n for x in skip)][:10]
            for n, ms in shown:
                print(f"  {ms:>8.1f} ms  {n}", file=out)
    cost = results["cost_per_million_usd"]
    print(f"\nUSD per million reassignments (Lambda at {cost['lambda_memory_mb']} MB):", file=out)
    for hosts, c in cost["by_hosts"].items():
        print(
            f"  {hosts:>5} hosts: API Gateway {c['api_gateway']:.2f} + Lambda {c['lambda']:.2f} + "
            f"DynamoDB reads {c['dynamodb_reads']:.2f} + writes {c['dynamodb_writes']:.2f} "
            f"= {c['total']:.2f}",
            file=out,
        )
    print("\nGoals:", file=out)
    for g in results["goals"]:
        print(f"  {'PASS' if g['pass'] else 'FAIL'}  {g['goal']}: {json.dumps(g['observed'])}", file=out)
