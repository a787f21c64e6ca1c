"""The reassign function called as API Gateway calls it, after the authorizer allowed the request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import API_VERSION, LambdaContext, http_event


@pytest.fixture
def call(reassign_app: Any, store: Any) -> Any:
    """call(path, ...) -> (status, parsed body, headers) of one REST request."""

    def send(
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        user_id: int | None = 1,
        api_version: str | None = API_VERSION,
    ) -> tuple[int, dict[str, Any], dict[str, Any]]:
        event = http_event(path, body, headers, user_id, api_version)
        response = reassign_app.lambda_handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"]), response.get("headers") or {}

    return send
