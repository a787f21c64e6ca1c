"""publish_metrics: what a handler counted is published once, even when it fails; nothing counted,
nothing published and nothing warned."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from reassign_core.observability import publish_metrics


def test_counted_metrics_are_published_even_when_the_handler_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Test", service="test")

    @publish_metrics(metrics)
    def handler(event: Any, context: Any) -> None:
        metrics.add_metric(name="Tried", unit=MetricUnit.Count, value=1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler({}, None)

    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["Tried"] == [1.0]
    assert not metrics.metric_set  # the next invocation starts from nothing


def test_nothing_counted_publishes_and_warns_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = Metrics(namespace="Test", service="test")

    @publish_metrics(metrics)
    def handler(event: Any, context: Any) -> str:
        metrics.add_metadata(key="requestId", value="r-1")
        return "ok"

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools' "No application metrics to publish" would raise
        assert handler({}, None) == "ok"

    assert capsys.readouterr().out == ""
    assert not metrics.metadata_set  # nor does this invocation's metadata reach the next one
