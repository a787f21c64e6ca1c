"""Sequential reassignments through the local API: every answer right, memory and latency flat.

    python -m bench.sequential [--requests 2000] [--hosts 100] [--output bench/results.json]

Starts the local API as `make run` does (`python -m local.gateway`, embedded DynamoDB) on the
benchmark dataset (bench.datasets) with its reassigned bookings spread over four weeks of weekday
slots, then sends one auto reassignment per booking, one after another, over real HTTP.

Each answer is checked against the pure decision (reassign_core.domain: planning + selection)
on the state before it, computed here from the dataset and every answer before (calendars,
last-booked times and weighting counts kept by this module, not read from the store). A booking
moved twice (the issue this guards against) answers its second host: a wrong answer.

Reported (and written into --output under "sequential"): wrong answers (must be 0), the answers
by status, the API process's resident memory through the run, and p50/p95 latency of the first
and last 200 requests.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(ROOT / "layers" / "core")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench.datasets import OWNER_KEY, generate  # noqa: E402
from bench.mirror import Mirror  # noqa: E402
from reassign_core.domain.models import Host  # noqa: E402
from reassign_core.domain.timeutil import parse_iso  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
WINDOW = 200  # requests in each of the first and last latency windows
SLOTS_PER_DAY = 16  # half hours from 08:00 UTC: the European afternoon meets the American morning
WEEKDAYS_SPREAD = 20  # four working weeks


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the dataset --------------------------------------------------------------------------------


def spread_dataset(hosts: int, requests: int, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """The benchmark dataset with its reassigned bookings on 320 slots over four working weeks
    (a few per slot) instead of twelve: thousands in twelve slots would soon leave no host free."""
    bench = generate(hosts, requests, now)
    monday = now.date() + timedelta(days=7 - now.weekday())
    weekdays = [monday + timedelta(days=d) for d in range(28) if (monday + timedelta(days=d)).weekday() < 5]
    by_uid = {b["uid"]: b for b in bench.data["bookings"]}
    for n, uid in enumerate(bench.reassign_uids):
        day = weekdays[n % WEEKDAYS_SPREAD]
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            hours=8, minutes=30 * ((n // WEEKDAYS_SPREAD) % SLOTS_PER_DAY)
        )
        length = parse_iso(by_uid[uid]["endTime"]) - parse_iso(by_uid[uid]["startTime"])
        by_uid[uid]["startTime"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        by_uid[uid]["endTime"] = (start + length).strftime("%Y-%m-%dT%H:%M:%SZ")
    return bench.data, bench.reassign_uids


# --- the local API ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def local_api(data_file: Path, log_file: Path) -> Iterator[tuple[str, int]]:
    """`make run` on the dataset: yields the base URL and the process id."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with log_file.open("w") as gateway_log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.gateway", "--port", str(port), "--data", str(data_file)],
            cwd=ROOT,
            env=env,
            stdout=gateway_log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 300
            while True:  # the server listens once the data is loaded
                if process.poll() is not None:
                    raise RuntimeError(f"the local API exited: see {log_file}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the local API did not start: see {log_file}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}/v2", process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def resident_mb(pid: int) -> float:
    """VmRSS of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux): unlike wall time, not inflated by
    other processes competing for the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reassign(base: str, uid: str) -> tuple[int, dict[str, Any], float]:
    request = urllib.request.Request(
        f"{base}/bookings/{uid}/reassign",
        method="POST",
        data=b"",
        headers={"Authorization": f"Bearer {OWNER_KEY}", "cal-api-version": "2024-08-13"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    elapsed = time.perf_counter() - started
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {"raw": body[:200].decode(errors="replace")}
    return status, parsed, elapsed


# --- the run ------------------------------------------------------------------------------------


def _latency(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
    }


def verdict(expected: Host | None, status: int, body: dict[str, Any]) -> str | None:
    """None when the answer is the decision's; else what is wrong."""
    if expected is None:
        code = body.get("error", {}).get("code")
        return (
            None if status == 400 and code == "BadRequestException" else f"expected 400 no host, got {status}"
        )
    answered = body.get("data", {}).get("reassignedTo", {}).get("id") if status == 200 else None
    return (
        None if answered == expected.user_id else f"expected host {expected.user_id}, got {status} {answered}"
    )


def run(requests: int, hosts: int, workdir: Path) -> dict[str, Any]:
    now = datetime.now(UTC)
    raw, uids = spread_dataset(hosts, requests, now)
    data_file = workdir / "dataset.json"
    data_file.write_text(json.dumps(raw), encoding="utf-8")
    mirror = Mirror.of(raw, actor_id=1)
    log(f"{len(raw['bookings'])} bookings, {hosts} hosts; starting the local API")

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    wrong: list[dict[str, Any]] = []
    memory: list[tuple[int, float]] = []
    cpu: list[float] = []  # the API process's CPU seconds at the start and after every WINDOW requests
    started = time.perf_counter()
    with local_api(data_file, workdir / "gateway.log") as (base, pid):
        memory.append((0, resident_mb(pid)))
        cpu.append(cpu_seconds(pid))
        for n, uid in enumerate(uids, start=1):
            expected = mirror.expected_winner(uid, datetime.now(UTC))
            status, body, elapsed = reassign(base, uid)
            latencies.append(elapsed)
            statuses[status] += 1
            if (problem := verdict(expected, status, body)) is not None:
                wrong.append({"request": n, "booking": uid, "problem": problem, "body": body})
            if status == 200:  # the store moved the booking to the answered host: so does the mirror
                mirror.reassign(uid, body["data"]["reassignedTo"]["id"])
            if n % WINDOW == 0 or n == len(uids):
                cpu.append(cpu_seconds(pid))
            if n % 100 == 0 or n == len(uids):
                memory.append((n, resident_mb(pid)))
                log(f"  {n} requests, {len(wrong)} wrong, resident {memory[-1][1]:.0f} MB")
    window = min(WINDOW, len(latencies))
    after_first_window = next((mb for n, mb in memory if n >= window), memory[-1][1])
    return {
        "requests": len(uids),
        "hosts": hosts,
        "wrong_answers": len(wrong),
        "wrong_examples": wrong[:5],
        "answers_by_status": {str(k): v for k, v in sorted(statuses.items())},
        "resident_mb": {
            "at_start": round(memory[0][1], 1),
            "after_first_window": round(after_first_window, 1),
            "at_end": round(memory[-1][1], 1),
            "growth_mb": round(memory[-1][1] - memory[0][1], 1),
            "growth_after_first_window_mb": round(memory[-1][1] - after_first_window, 1),
            # What each reassignment adds and keeps: its audit record, its outbox event and that
            # event's stream record (DynamoDB stores them too), the transaction's remembered token.
            "kb_per_request_after_first_window": round(
                (memory[-1][1] - after_first_window) * 1024 / max(1, len(uids) - window), 1
            ),
            "every_100": [round(mb, 1) for _, mb in memory],
        },
        "latency_window": window,
        "latency_first": _latency(latencies[:window]),
        "latency_last": _latency(latencies[-window:]),
        "latency_p50_ms_per_window": [
            round(statistics.median(latencies[i : i + window]) * 1000, 1)
            for i in range(0, len(latencies), window)
        ],
        # CPU per request of the API process (authorizer, function and store): flat means no work grows.
        "api_cpu_ms_per_request_per_window": [
            round((after - before) * 1000 / window, 1) for before, after in itertools.pairwise(cpu)
        ],
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "method": "one auto reassignment per booking, sequentially, over HTTP to `python -m local.gateway` "
        "(embedded DynamoDB, production client settings); each answer compared with reassign_core.domain's "
        "decision on the state before it, kept by bench.sequential from the dataset and the earlier answers; "
        "memory: VmRSS of the local API process",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file; its other keys are kept")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sequential-") as workdir:
        result = run(args.requests, args.hosts, Path(workdir))
    results = json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
    results["sequential"] = result
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    first, last, window = result["latency_first"], result["latency_last"], result["latency_window"]
    memory = result["resident_mb"]
    print(
        f"\nSequential auto reassignments through the local API: {result['requests']} on "
        f"{result['hosts']} hosts\n"
        f"  wrong answers   {result['wrong_answers']}  (answers by status: {result['answers_by_status']})\n"
        f"  resident memory {memory['at_start']} MB -> {memory['at_end']} MB "
        f"(growth {memory['growth_mb']} MB)\n"
        f"  latency first {window}: p50 {first['p50_ms']} ms, p95 {first['p95_ms']} ms;  "
        f"last {window}: p50 {last['p50_ms']} ms, p95 {last['p95_ms']} ms\n"
        f"  API CPU per request, by {window}: {result['api_cpu_ms_per_request_per_window']} ms "
        f"(load average {result['load_average_at_end']})"
    )
    return 1 if result["wrong_answers"] else 0


if __name__ == "__main__":
    sys.exit(main())
