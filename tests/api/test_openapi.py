"""docs/openapi.json is generated from the code and describes every answer the API gives."""

from __future__ import annotations

import json

import pytest

from local import openapi
from local.dynamo import EmbeddedDynamoDB


@pytest.fixture(autouse=True)
def _function_environment(dynamo: EmbeddedDynamoDB) -> None:
    """Importing the handler creates its (cached) DynamoDB client: only with the test store's settings."""


def test_committed_openapi_document_is_current() -> None:
    assert openapi.DOCUMENT.read_text() == openapi.generate(), (
        "docs/openapi.json is stale: run `make openapi`"
    )


def test_every_route_documents_every_status_and_the_envelopes() -> None:
    document = json.loads(openapi.generate())

    for path in ("/bookings/{bookingUid}/reassign", "/bookings/{bookingUid}/reassign/{userId}"):
        responses = document["paths"][path]["post"]["responses"]
        assert set(responses) == {"200", "400", "401", "403", "404", "409", "422", "429", "500", "503"}
        assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SuccessEnvelope")
        assert responses["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    manual = document["paths"]["/bookings/{bookingUid}/reassign/{userId}"]["post"]
    user_id = next(p for p in manual["parameters"] if p["name"] == "userId")
    assert user_id["schema"]["type"] == "integer" and user_id["schema"]["exclusiveMinimum"] == 0
    assert (
        document["components"]["schemas"]["ReassignBody"]["properties"]["reason"]["anyOf"][0]["maxLength"]
        == 500
    )
