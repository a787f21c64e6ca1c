"""Answers that carry e-mail addresses are `Cache-Control: no-store`: no cache along the way (a
proxy, the browser) keeps them. Through the local API: gateway, authorizer, function."""

from __future__ import annotations

from typing import Any

import pytest

from local.gateway import LocalApi
from tests.factories import API_VERSION, OWNER_KEY, base_dataset

HEADERS = {"Authorization": f"Bearer {OWNER_KEY}", "cal-api-version": API_VERSION}


@pytest.fixture
def api(store: Any, local_api: LocalApi) -> LocalApi:
    store.load(base_dataset())
    local_api.clear_authorizer_cache()
    return local_api


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v2/bookings/b-1/reassign", None),
        ("POST", "/v2/bookings/b-1/reassign/4", '{"reason": "swap"}'),
        ("GET", "/v2/bookings/b-1/reassignment-candidates", None),
    ],
)
def test_answers_with_e_mail_addresses_are_not_stored(
    api: LocalApi, method: str, path: str, body: str | None
) -> None:
    headers = {**HEADERS, "Content-Type": "application/json"} if body else HEADERS

    response = api.handle(method, path, headers, body)

    assert response.status == 200, response.body
    assert "@" in response.body.decode()
    assert response.headers["Cache-Control"] == "no-store"
