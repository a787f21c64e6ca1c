"""The benchmark's verdicts: what each goal is judged on, and what it reports beside it."""

from __future__ import annotations

from typing import Any

from bench.report import goals

SIZES = {
    hosts: {"round_trips": {"median": 4}, "service_cpu_ms": {"median": cpu}}
    for hosts, cpu in (("10", 3.0), ("100", 6.0), ("1000", 30.0))
}


def _cold(function_ms: float, init_ms: float, *, from_build: bool = True) -> dict[str, Any]:
    return {
        "layout": "sam build output",
        "from_build": from_build,
        "cold_start_ms": function_ms,
        "cold_start_baseline_ms": 300.0,
        "cpu_ms": function_ms,
        "baseline_cpu_ms": 300.0,
        "init_ms": init_ms,
        "baseline_init_ms": 200.0,
    }


def _cold_start_goal(cold: dict[str, Any]) -> dict[str, Any]:
    return next(g for g in goals(SIZES, cold) if g["goal"].startswith("cold start"))


def test_cold_start_is_judged_on_the_whole_process_and_reports_the_init_phase_beside_it() -> None:
    met = _cold_start_goal(_cold(function_ms=450.0, init_ms=340.0))
    assert met["pass"] is True
    assert met["observed"] == {"wall_ratio": 1.5, "cpu_ratio": 1.5, "init_ratio": 1.7}

    missed = _cold_start_goal(_cold(function_ms=510.0, init_ms=300.0))
    assert missed["pass"] is False
    assert missed["observed"]["init_ratio"] == 1.5


def test_cold_start_from_the_source_tree_never_passes() -> None:
    assert _cold_start_goal(_cold(function_ms=330.0, init_ms=250.0, from_build=False))["pass"] is False


def test_the_other_goals_hold_for_sizes_within_them() -> None:
    assert all(g["pass"] for g in goals(SIZES, None))


def _candidates_goal(median: int, most: int, written: int = 0) -> dict[str, Any]:
    preview = {
        "round_trips": {"median": median, "max": most},
        "dynamodb_requests": {"items_written": written},
    }
    sizes = {k: {**v, "read_routes": {"reassignment-candidates": preview}} for k, v in SIZES.items()}
    return next(g for g in goals(sizes, None) if g["goal"].startswith("candidates"))


def test_the_candidates_goal_is_judged_on_the_median_like_the_reassignment() -> None:
    assert _candidates_goal(median=3, most=4)["pass"] is True  # one late chunk now and then
    assert _candidates_goal(median=3, most=4)["observed"]["1000"] == {"median": 3, "max": 4}
    assert _candidates_goal(median=4, most=4)["pass"] is False  # no round trip saved
    assert _candidates_goal(median=3, most=3, written=1)["pass"] is False
