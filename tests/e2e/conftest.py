"""The local API (template-driven gateway, real authorizer and function) over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway import LocalApi
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def local_api(dynamo: Any) -> Iterator[tuple[LocalApi, str]]:
    api = LocalApi(ROOT / "template.yaml", dynamo.endpoint_url)
    url, stop = api.serve_in_thread()
    yield api, url
    stop()


@pytest.fixture
def base_url(local_api: tuple[LocalApi, str], store: Any) -> str:
    api, url = local_api
    api.clear_authorizer_cache()  # each test loads its own credentials
    return url
