"""What the local tools need of a template: its APIs (routes, authorizers, gateway responses),
functions and tables, already resolved. Locally a table's name is its TableName, else its logical
id; a function's name is its logical id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
TABLE_TYPES = {"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"}
LAYER_TYPES = {"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"}


class TemplateError(Exception):
    """The template uses something this reader cannot resolve locally."""


@dataclass(frozen=True)
class Authorizer:
    name: str
    function_id: str
    payload_type: str  # "REQUEST" or "TOKEN"
    identity_headers: tuple[str, ...]
    identity_query_strings: tuple[str, ...]
    ttl_seconds: int  # ReauthorizeEvery; 0 disables the result cache


@dataclass(frozen=True)
class GatewayResponse:
    response_type: str
    status_code: int | None
    templates: dict[str, str]  # content type -> template
    headers: dict[str, str]  # header name -> mapping expression, e.g. "'application/json'"


@dataclass(frozen=True)
class Route:
    api_id: str
    stage: str
    method: str  # upper case; "ANY" matches every method
    resource: str  # the resource path template, e.g. /bookings/{bookingUid}/reassign
    function_id: str
    authorizer: str | None  # name in the API's authorizers; None when the route is open

    @property
    def segments(self) -> list[str]:
        return [s for s in self.resource.split("/") if s]

    def specificity(self) -> tuple[int, ...]:
        """API Gateway prefers literal segments over {param}, and {param} over {proxy+}."""
        return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in self.segments)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters when the (already decoded) path segments fit this resource, else None."""
        params: dict[str, str] = {}
        template = self.segments
        for i, part in enumerate(template):
            if part.startswith("{") and part.endswith("+}"):
                rest = segments[i:]
                if not rest or any(not s for s in rest):
                    return None
                params[part[1:-2]] = "/".join(rest)
                return params
            if i >= len(segments) or not segments[i]:
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[i]
            elif part != segments[i]:
                return None
        return params if len(segments) == len(template) else None


@dataclass(frozen=True)
class Api:
    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, Authorizer]
    gateway_responses: dict[str, GatewayResponse]
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path
    handler: str  # "module.function", module relative to code_uri
    env: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    layer_paths: tuple[Path, ...]  # local content of the layers this template builds

    @property
    def handler_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class Table:
    logical_id: str
    name: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    global_indexes: list[dict[str, Any]] = field(default_factory=list)
    local_indexes: list[dict[str, Any]] = field(default_factory=list)
    stream_view_type: str | None = None
    ttl_attribute: str | None = None

    def create_table_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "TableName": self.name,
            "KeySchema": self.key_schema,
            "AttributeDefinitions": self.attribute_definitions,
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.global_indexes:
            args["GlobalSecondaryIndexes"] = self.global_indexes
        if self.local_indexes:
            args["LocalSecondaryIndexes"] = self.local_indexes
        if self.stream_view_type:
            args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view_type}
        return args


@dataclass(frozen=True)
class Template:
    path: Path
    region: str
    apis: dict[str, Api]
    functions: dict[str, Function]
    tables: dict[str, Table]

    def table_names(self) -> dict[str, str]:
        """Logical id -> local table name (the mapping the dataset loader takes)."""
        return {logical_id: table.name for logical_id, table in self.tables.items()}

    def routes(self) -> list[Route]:
        return [route for api in self.apis.values() for route in api.routes]
