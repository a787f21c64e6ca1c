"""Fixtures: a fault injector on the functions' DynamoDB client (removed after the test), and
botocore's retry backoffs recorded instead of slept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from reassign_core import runtime
from tests.faults.injection import Faults


@pytest.fixture
def faults(dynamo: Any) -> Iterator[Faults]:
    injector = Faults(runtime.dynamodb_client(runtime.reassign_settings().endpoint_url))
    yield injector
    injector.close()


@pytest.fixture
def botocore_backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=sleeps.append, time=time.time))
    return sleeps
