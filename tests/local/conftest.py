"""Fixtures for the local tooling's tests: the toy template, an embedded store, a clean environment,
and the local API over the toy template with a clock the tests move."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.cfn import Template, load_template
from local.dynamo import EmbeddedDynamoDB
from local.gateway import LocalApi, Response

HERE = Path(__file__).resolve().parent
FIXTURE_TEMPLATE = HERE / "fixture" / "template.yaml"
REAL_TEMPLATE = HERE.parent.parent / "template.yaml"
NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """LocalApi/apply_env set the functions' variables process-wide: undo that after each test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def toy_template() -> Template:
    return load_template(FIXTURE_TEMPLATE)


@pytest.fixture(scope="session")
def local_store() -> Iterator[EmbeddedDynamoDB]:
    with EmbeddedDynamoDB() as db:
        yield db


@pytest.fixture
def store(local_store: EmbeddedDynamoDB) -> EmbeddedDynamoDB:
    """The embedded store, emptied (moto's state is per process: every server shares it)."""
    local_store.reset()
    return local_store


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(toy_template: Template, clock: Clock) -> LocalApi:
    return LocalApi(FIXTURE_TEMPLATE, None, template=toy_template, clock=clock)


def authorizer_module_calls(api: LocalApi) -> list[str]:
    calls: list[str] = []
    for handler in api.pools["AuthFunction"]._idle:
        calls += handler.__globals__["CALLS"]
    return calls


def post(api: LocalApi, path: str, token: str | None = "allow", **kwargs: Any) -> Response:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return api.handle("POST", path, headers, **kwargs)


def echoed(response: Response) -> dict[str, Any]:
    assert response.status == 200, response.body
    return response.json()  # type: ignore[no-any-return]
