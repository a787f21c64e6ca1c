"""The `faults` fixture: a fault injector on the functions' DynamoDB client, removed after the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reassign_core import runtime
from tests.faults.injection import Faults


@pytest.fixture
def faults(dynamo: Any) -> Iterator[Faults]:
    injector = Faults(runtime.dynamodb_client(runtime.reassign_settings().endpoint_url))
    yield injector
    injector.close()
