"""Writes docs/openapi.json: the API's OpenAPI document, generated from the functions' routes.

python -m local.openapi [--check]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from local.cfn import load_template
from local.dynamo import use_dummy_credentials
from local.lambda_runtime import apply_env
from reassign_core.api.envelopes import RETRY_AFTER_HEADER

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"


# The functions whose routes the document describes, in the order their paths appear.
DOCUMENTED_FUNCTIONS = ("reassign", "webhooks")


def _schema(function: str) -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

    spec = importlib.util.spec_from_file_location(
        f"{function}_openapi_app", ROOT / "functions" / function / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schema: dict[str, Any] = json.loads(
        module.app.get_openapi_json_schema(
            title="Booking reassignment API",
            version="2024-08-13",
            description="Cal.com API v2 compatible reassignment of round-robin bookings.",
            servers=[Server(url="/v2", description="the API Gateway stage (v2)")],
            security_schemes={
                "bearer": HTTPBearer(description="API key (cal_...) or managed-user access token")
            },
            security=[{"bearer": []}],
        )
    )
    return schema


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


# The sync function reads its raw body itself (the signature is over the exact bytes), so it has no
# resolver to generate its route from: the route is described here, by hand.
SYNC_PATHS: dict[str, Any] = {
    "/sync/calcom": {
        "post": {
            "operationId": "sync_calcom",
            "summary": "Apply a Cal.com webhook to the store",
            "description": "Cal.com's own webhook (docs/sync.md). No Bearer token: authenticated by "
            "X-Cal-Signature-256, the hex HMAC-SHA256 of the raw body with the stack's sync secret.",
            "security": [],
            "parameters": [
                {
                    "name": "X-Cal-Signature-256",
                    "in": "header",
                    "required": True,
                    "description": "hex HMAC-SHA256 of the raw body",
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CalcomWebhook"}}},
            },
            "responses": {
                "200": {
                    "description": "Applied, or acknowledged without a change (`applied: false`)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/SyncEnvelope"}}
                    },
                },
                "400": _error("Malformed body"),
                "401": _error("Missing or invalid signature"),
                "409": _error("The booking kept changing; Cal.com retries"),
                "413": _error("Body too large"),
                "503": _error("The store is busy; Cal.com retries"),
            },
        }
    }
}
SYNC_SCHEMAS: dict[str, Any] = {
    "CalcomWebhook": {
        "type": "object",
        "required": ["triggerEvent", "createdAt", "payload"],
        "properties": {
            "triggerEvent": {"type": "string", "examples": ["BOOKING_CREATED"]},
            "createdAt": {"type": "string", "format": "date-time"},
            "payload": {"type": "object"},
        },
    },
    "SyncEnvelope": {
        "type": "object",
        "required": ["status", "data"],
        "properties": {
            "status": {"type": "string", "enum": ["success"]},
            "data": {
                "type": "object",
                "required": ["applied", "triggerEvent", "uid"],
                "properties": {
                    "applied": {"type": "boolean"},
                    "triggerEvent": {"type": "string"},
                    "uid": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
        },
    },
}


# Answers every route may give that no handler declares: API Gateway's own, and the header that
# tells a client when to try again (every 409 and 503 carries it, docs/api.md).
TOO_LARGE = _error("The body is over API Gateway's 10 MB limit")
RETRIED_STATUSES = ("409", "503")
OPERATIONS_WITH_BODY = ("post", "put", "patch")


def _polish(schema: dict[str, Any]) -> None:
    """What Powertools generates, made true to the API (and to Redocly's recommended rules)."""
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            responses = operation["responses"]
            # Powertools adds a 422 to validated routes; these answer bad input with a 400.
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
            if method in OPERATIONS_WITH_BODY:
                responses.setdefault("413", TOO_LARGE)
            for status in RETRIED_STATUSES:
                if status in responses:
                    # Added to what the route documents (its X-RateLimit-* headers), not instead.
                    responses[status]["headers"] = {
                        **responses[status].get("headers", {}),
                        **RETRY_AFTER_HEADER,
                    }
            for parameter in operation.get("parameters", []):
                # A one-value Literal (cal-api-version) comes out as `const`: clients and linters
                # read the accepted values from `enum`.
                if "const" in parameter["schema"]:
                    parameter["schema"]["enum"] = [parameter["schema"].pop("const")]
    schemas = schema["components"]["schemas"]
    if "ValidationError" in schemas:  # Powertools' schema requires a `msg` it never defines
        schemas["ValidationError"]["properties"].setdefault("msg", {"title": "Message", "type": "string"})
    _drop_unreferenced(schemas, schema)


def _drop_unreferenced(schemas: dict[str, Any], document: dict[str, Any]) -> None:
    """Powertools lists its validation-error schemas whether or not a route refers to them."""
    while True:
        text = json.dumps({k: v for k, v in document.items() if k != "components"}) + json.dumps(schemas)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]


def generate() -> str:
    """The document. Imports the handlers, so the functions' environment must be set (see main)."""
    schema = _schema(DOCUMENTED_FUNCTIONS[0])
    for function in DOCUMENTED_FUNCTIONS[1:]:
        more = _schema(function)
        schema["paths"].update(more["paths"])
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            more.get("components", {}).get("schemas", {})
        )
    schema["paths"].update(SYNC_PATHS)
    schema["components"]["schemas"].update(SYNC_SCHEMAS)
    _polish(schema)
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is stale")
    args = parser.parse_args(argv)
    # Importing the handler reads its settings and creates its DynamoDB client, which needs a
    # region and credentials. The document itself never calls AWS.
    apply_env(load_template(ROOT / "template.yaml"), None, ["ReassignFunction"])
    use_dummy_credentials()
    document = generate()
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != document:
            print("docs/openapi.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(document)
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
