"""Fixtures for the local tooling's tests: the toy template, an embedded store, a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.cfn import Template, load_template
from local.dynamo import EmbeddedDynamoDB

HERE = Path(__file__).resolve().parent
FIXTURE_TEMPLATE = HERE / "fixture" / "template.yaml"
REAL_TEMPLATE = HERE.parent.parent / "template.yaml"


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
