"""The last measured reassignment replayed from memory, inline in one thread: the service's CPU
with no botocore at all (a cross-check of the hook-based figure), and its profile."""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from bench import ROOT
from bench import calls as bench_calls
from bench.handler import Function


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
