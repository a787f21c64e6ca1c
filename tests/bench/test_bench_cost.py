"""The benchmark's cost estimate: the README's cost table comes from it."""

from __future__ import annotations

import pytest

from bench.report import PRICES_USD, cost_per_million


def test_cost_bills_the_measured_wall_time_at_the_configured_memory_and_the_measured_units() -> None:
    measured = {"1000": {"wall_ms": 500.0, "dynamodb_requests": {"rcu": 1000.0, "wcu": 26.0}}}

    cost = cost_per_million(measured, memory_mb=1024)

    row = cost["by_hosts"]["1000"]
    assert row["lambda"] == pytest.approx(0.5 * 1 * 16.6667 + 0.20, abs=0.01)  # 0.5 GB-s + the request
    assert row["dynamodb_reads"] == 125.0  # 1000 read units at $0.125 per million
    assert row["dynamodb_writes"] == 16.25  # 26 write units at $0.625 per million
    assert row["api_gateway"] == 3.5
    assert row["total"] == pytest.approx(sum(v for k, v in row.items() if k != "total"), abs=0.02)
    assert cost["prices_usd"] == PRICES_USD and cost["lambda_memory_mb"] == 1024
