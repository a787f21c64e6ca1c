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
        assert set(responses) == {"200", "400", "401", "403", "404", "409", "413", "422", "429", "500", "503"}
        assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SuccessEnvelope")
        assert responses["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    manual = document["paths"]["/bookings/{bookingUid}/reassign/{userId}"]["post"]
    user_id = next(p for p in manual["parameters"] if p["name"] == "userId")
    assert user_id["schema"]["type"] == "integer" and user_id["schema"]["exclusiveMinimum"] == 0
    assert (
        document["components"]["schemas"]["ReassignBody"]["properties"]["reason"]["anyOf"][0]["maxLength"]
        == 500
    )


def test_the_api_version_header_lists_its_one_value_and_retries_say_when() -> None:
    document = json.loads(openapi.generate())

    versioned = [
        (path, parameter)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "cal-api-version"
    ]
    assert len(versioned) == 4  # the two reassign routes and the two read routes
    for path, parameter in versioned:
        assert parameter["schema"]["enum"] == ["2024-08-13"] and "const" not in parameter["schema"], path
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("409", "503"):  # every 409 and 503 carries Retry-After
                if status in responses:
                    assert responses[status]["headers"]["Retry-After"]["schema"]["type"] == "integer"
            # API Gateway's 413 wherever a body can be sent; a body that is not JSON is a 400, not a 415.
            assert ("413" in responses) == (method in ("post", "patch")), (method, path)
            assert "415" not in responses


def test_retried_answers_keep_the_rate_limit_headers_and_refusals_before_counting_list_none() -> None:
    document = json.loads(openapi.generate())
    limit_headers = {
        "X-RateLimit-Limit-Default",
        "X-RateLimit-Remaining-Default",
        "X-RateLimit-Reset-Default",
    }

    for path, operations in document["paths"].items():
        if path.startswith("/sync/"):  # signed by Cal.com, never rate limited
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("409", "429", "503"):
                if status in responses:
                    headers = responses[status]["headers"]
                    assert limit_headers <= set(headers), (method, path, status)
                    assert headers["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
            for status in ("401", "403"):  # API Gateway's own refusals carry no X-RateLimit-*
                assert not limit_headers & set(responses[status].get("headers", {})), (method, path)
    sync = document["paths"]["/sync/calcom"]["post"]["responses"]
    assert sync["503"]["headers"]["Retry-After"]["schema"]["minimum"] == 1


def test_only_schemas_a_route_uses_are_listed_and_each_defines_what_it_requires() -> None:
    document = json.loads(openapi.generate())
    schemas = document["components"]["schemas"]
    text = openapi.DOCUMENT.read_text()

    assert "HTTPValidationError" not in schemas and "ResponseValidationError" not in schemas
    for name, schema in schemas.items():
        assert text.count(f'"#/components/schemas/{name}"') >= 1, name
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), name


def test_powertools_validation_error_schema_keeps_msg_when_a_route_refers_to_it() -> None:
    document = {
        "paths": {"/x": {"get": {"responses": {"400": {"$ref": "#/components/schemas/ValidationError"}}}}},
        "components": {
            "schemas": {
                "ValidationError": {
                    "properties": {"loc": {}, "type": {}},
                    "required": ["loc", "msg", "type"],
                },
                "HTTPValidationError": {
                    "properties": {"detail": {"$ref": "#/components/schemas/ValidationError"}}
                },
            }
        },
    }

    openapi._polish(document)

    assert list(document["components"]["schemas"]) == ["ValidationError"]
    assert document["components"]["schemas"]["ValidationError"]["properties"]["msg"]["type"] == "string"
