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
import contextlib
import cProfile
import gc
import importlib.util
import io
import itertools
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(ROOT / "layers" / "core")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench import calls as bench_calls  # noqa: E402
from bench import coldstart  # noqa: E402
from bench.datasets import generate  # noqa: E402
from local.lambda_runtime import LambdaContext  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"


def _lambda_context() -> LambdaContext:
    return LambdaContext(
        function_name="ReassignFunction",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ReassignFunction",
        aws_request_id="bench",
        timeout_seconds=10,
    )


BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILD_SOURCES = ("template.yaml", "functions", "layers")
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
    "cold_start": "median wall time of fresh python3.13 -I -S processes on the sam build output (see "
    "bench/coldstart.py); stages_cpu_ms: minimum CPU of cumulative import stages",
}
GOAL_ROUND_TRIPS = 4
GOAL_CPU_MS = 50.0
GOAL_COLD_START_RATIO = 1.6
LINEAR_SLACK = 1.25  # "no worse than linear": CPU ratio between sizes <= host ratio x this


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the store --------------------------------------------------------------------------------


@contextlib.contextmanager
def store_process() -> Iterator[str]:
    """moto DynamoDB in its own process; yields its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.store_server"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the DynamoDB store process did not start")
        yield url
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def reset_store(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


# --- the function under test ------------------------------------------------------------------


def auto_reassign_event(booking_uid: str, actor_id: int) -> dict[str, Any]:
    """POST /bookings/{uid}/reassign as API Gateway (REST, v1 proxy) sends it after the authorizer."""
    path = f"/bookings/{booking_uid}/reassign"
    headers = {"cal-api-version": "2024-08-13", "Content-Type": "application/json"}
    return {
        "resource": "/bookings/{bookingUid}/reassign",
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"bookingUid": booking_uid},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/bookings/{bookingUid}/reassign",
            "httpMethod": "POST",
            "path": f"/v2{path}",
            "stage": "v2",
            "requestId": f"bench-{booking_uid}",
            "accountId": "123456789012",
            "apiId": "bench",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"userId": str(actor_id), "authMethod": "apiKey", "principalId": str(actor_id)},
        },
        "body": None,
        "isBase64Encoded": False,
    }


class Function:
    """The reassign handler, loaded from its source, its logs and metrics sent to /dev/null."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update(env)
        self._sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the benchmark
        with contextlib.redirect_stdout(self._sink):
            spec = importlib.util.spec_from_file_location(
                "bench_reassign_app", ROOT / "functions/reassign/app.py"
            )
            assert spec is not None and spec.loader is not None
            self.module: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.module)
        from reassign_core import runtime

        self.runtime = runtime

    def reassign(self, booking_uid: str, actor_id: int) -> dict[str, Any]:
        with contextlib.redirect_stdout(self._sink):
            response = self.module.lambda_handler(
                auto_reassign_event(booking_uid, actor_id), _lambda_context()
            )
        if response.get("statusCode") != 200:
            raise RuntimeError(
                f"reassigning {booking_uid} failed: {response.get('statusCode')} {response.get('body')}"
            )
        return json.loads(response["body"])


def patient(client: Any, read_timeout: float = 120.0) -> None:
    """Raise the service client's read timeout (2 s) for the benchmark only: the emulator answers one
    request at a time, so at 1000 hosts a BatchGetItem can wait seconds in its queue, which real
    DynamoDB (serving them in parallel) would not make it do. Retries and everything else unchanged."""
    from urllib3.util import Timeout

    session = client._endpoint.http_session
    session._timeout = Timeout(connect=session._timeout.connect_timeout, read=read_timeout)
    session._manager.connection_pool_kw["timeout"] = session._timeout


class InlineExecutor:
    """An executor that runs each task at once in the caller's thread (for a one-thread profile)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # handed over to .result(), as a pool would
            future.set_exception(error)
        return future

    def map(self, fn: Callable[..., Any], values: Iterable[Any]) -> Iterator[Any]:
        return iter([fn(v) for v in values])


# --- one size ---------------------------------------------------------------------------------


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
    for _ in range(args.reassignments):
        uid = next(uids)
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

    gc.unfreeze()
    result = summarize(hosts, samples, load_s, sum(written.values()), bookings)
    result["replay"] = replay(
        function, considered, samples[-1]["uid"], actor_id, 5, args.profile_out if profile else None
    )
    if not profile:
        result["replay"] = {
            k: v for k, v in result["replay"].items() if k in ("replay_cpu_ms", "self_time_by_area_ms")
        }
    return result


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


# --- profile ----------------------------------------------------------------------------------


def _where(filename: str) -> str:
    if "reassign_core" in filename or "functions/reassign" in filename:
        return "service"
    for marker, name in (
        ("botocore", "botocore"),
        ("urllib3", "urllib3"),
        ("boto3", "boto3"),
        ("aws_lambda_powertools", "powertools"),
        ("pydantic", "pydantic"),
    ):
        if f"/{marker}" in filename:
            return name
    return "stdlib/other"


def replay(
    function: Function, calls: list[bench_calls.Call], uid: str, actor_id: int, runs: int, out: Path | None
) -> dict[str, Any]:
    """The last measured reassignment again, its reads answered from memory (bench.calls.ReplayClient)
    and run inline in one thread: its CPU time is the service's alone (a cross-check of the hook-based
    figure), and its cProfile shows where that time goes."""
    from reassign_core.services.reassign import ReassignService
    from reassign_core.store.repository import ReassignRepository

    runtime = function.runtime
    settings = runtime.reassign_settings()
    repository = ReassignRepository(
        bench_calls.ReplayClient(calls),
        settings.data_table,
        settings.outbox_table,
        InlineExecutor(),  # type: ignore[arg-type]
    )
    inline = ReassignService(repository, max_attempts=1)
    original = runtime.reassign_service
    runtime.reassign_service = lambda: inline  # type: ignore[attr-defined]  # looked up per call
    profiler = cProfile.Profile()
    try:
        cpu = []
        for _ in range(runs):
            started = time.process_time()
            function.reassign(uid, actor_id)
            cpu.append((time.process_time() - started) * 1000)
        profiler.enable()
        function.reassign(uid, actor_id)
        profiler.disable()
    finally:
        runtime.reassign_service = original  # type: ignore[attr-defined]
    if out is not None:
        profiler.dump_stats(out)
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        filename, line, func = key
        short = filename.split("/site-packages/")[-1].split("/layers/core/")[-1].split(str(ROOT) + "/")[-1]
        return f"{short}:{line}({func})"

    by_area: dict[str, float] = {}
    for (filename, _, _), (_, _, tt, _, _) in raw.items():
        by_area[_where(filename)] = by_area.get(_where(filename), 0.0) + tt
    service_cumulative = sorted(
        ((ct, name(k)) for k, (_, _, _, ct, _) in raw.items() if _where(k[0]) == "service"), reverse=True
    )
    self_time = sorted(((tt, name(k)) for k, (_, _, tt, _, _) in raw.items()), reverse=True)
    return {
        "replay_cpu_ms": round(statistics.median(cpu), 2),
        "profiled_ms": round(sum(by_area.values()) * 1000, 1),
        "self_time_by_area_ms": {
            k: round(v * 1000, 1) for k, v in sorted(by_area.items(), key=lambda kv: -kv[1])
        },
        "cumulative_ms": {n: round(ct * 1000, 1) for ct, n in service_cumulative[:25]},
        "self_ms": {n: round(tt * 1000, 1) for tt, n in self_time[:25]},
    }


# --- build & cold start -----------------------------------------------------------------------


def _newest_source(root: Path) -> float:
    newest = 0.0
    for entry in BUILD_SOURCES:
        path = root / entry
        files = (
            [path]
            if path.is_file()
            else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        )
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def ensure_build(build_dir: Path) -> tuple[bool, list[str]]:
    """(usable, notes). Runs `sam build` when the output is missing or older than the sources."""
    notes: list[str] = []
    built = build_dir / "template.yaml"
    wanted = ["ReassignFunction", "CoreLayer", "DepsLayer"]
    fresh = (
        built.exists()
        and all((build_dir / w).is_dir() for w in wanted)
        and built.stat().st_mtime >= _newest_source(ROOT)
    )
    if fresh:
        return True, notes
    reason = "missing" if not built.exists() else "older than the sources"
    log(f"  sam build output is {reason}: running sam build")
    venv_bin = Path(sys.executable).parent
    sam = venv_bin / "sam"
    command = [str(sam) if sam.exists() else "sam", "build", "--template", "template.yaml"]
    if build_dir != BUILD_DIR:
        command += ["--build-dir", str(build_dir)]
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHON313": sys.executable,
        "SAM_CLI_TELEMETRY": "0",
    }
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        notes.append(f"sam build failed ({reason}): {done.stderr.strip()[-500:]}")
        return False, notes
    notes.append(f"sam build run by the benchmark (output was {reason})")
    return True, notes


def cold_start(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    from local.cfn import load_template

    build_dir = args.build_dir
    usable, notes = ensure_build(build_dir)
    template = load_template(ROOT / "template.yaml")
    function_env = {k: str(v) for k, v in template.functions["ReassignFunction"].env.items()}
    layout = coldstart.build_layout(build_dir) if usable else coldstart.source_layout(ROOT)
    work = coldstart.work_dir()
    try:
        result = coldstart.measure(layout, function_env, args.cold_runs, work)
    finally:
        coldstart.cleanup(work)
    result["notes"] = notes
    return result, (coldstart.artifacts(build_dir) if usable else {})


# --- report -----------------------------------------------------------------------------------


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
    function_env |= {
        name: table
        for name, table in {
            "DATA_TABLE": template.table_names()["DataTable"],
            "OUTBOX_TABLE": template.table_names()["OutboxTable"],
            "IDEMPOTENCY_TABLE": template.table_names()["IdempotencyTable"],
        }.items()
    }

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
    recorder = bench_calls.CallRecorder(latency=args.latency_ms / 1000)
    by_size: dict[str, dict[str, Any]] = {}
    with store_process() as url:
        log(f"DynamoDB (moto, own process) at {url}")
        function = Function({**function_env, "DYNAMODB_ENDPOINT_URL": url})
        client = function.runtime.dynamodb_client(function.runtime.reassign_settings().endpoint_url)
        patient(client)
        recorder.attach(client)
        for hosts in sizes:
            by_size[str(hosts)] = measure_size(
                hosts, function, recorder, url, args, profile=hosts == max(sizes)
            )
            r = by_size[str(hosts)]
            log(
                f"  {hosts} hosts: {r['round_trips']['median']} round trips, "
                f"{r['service_cpu_ms']['median']:.1f} ms service CPU, {r['wall_ms']:.0f} ms wall"
            )
    results["sizes"] = by_size
    results["sequential_round_trips"] = {k: v["round_trips"]["median"] for k, v in by_size.items()}
    results["dynamodb_requests"] = {k: v["dynamodb_requests"] for k, v in by_size.items()}
    results["service_cpu_ms"] = {k: v["service_cpu_ms"]["median"] for k, v in by_size.items()}
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
