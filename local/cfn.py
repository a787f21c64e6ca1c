"""Read just enough of a SAM template.yaml to run the service locally.

What it understands: CloudFormation short tags, Parameters (their Default, or an override),
Conditions, Ref/GetAtt/Sub/Join/If/Select/Split/FindInMap, SAM Globals, Serverless APIs with
their authorizers and gateway responses, Serverless functions (code, handler, merged
environment, layers) with their Api events, and DynamoDB tables. Locally a table's name is its
TableName, else its logical id; a function's name is its logical id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
IMPLICIT_API = "ServerlessRestApi"  # what SAM names the API of Api events without RestApiId

_FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
_TABLE_TYPES = {"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"}
_LAYER_TYPES = {"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"}


class TemplateError(Exception):
    """The template uses something this reader cannot resolve locally."""


# ------------------------------------------------------------------ YAML with CFN short tags


class CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that turns `!Ref X` into {"Ref": "X"}, `!Sub s` into {"Fn::Sub": s}, ..."""


def _construct_tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        doc = yaml.load(f, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(doc, dict):
        raise TemplateError(f"{path}: not a template")
    return doc


# ------------------------------------------------------------------ intrinsic functions

_NO_VALUE = object()  # what Ref AWS::NoValue resolves to: the enclosing key/item disappears


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key.startswith("Fn::")


def as_str(value: Any) -> str:
    """CloudFormation's string form of a scalar (booleans are lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Resolver:
    """Evaluates intrinsic functions against parameter values and local resource names."""

    def __init__(self, doc: Mapping[str, Any], parameters: Mapping[str, Any], region: str) -> None:
        self.resources: Mapping[str, Any] = doc.get("Resources") or {}
        self.conditions: Mapping[str, Any] = doc.get("Conditions") or {}
        self.mappings: Mapping[str, Any] = doc.get("Mappings") or {}
        self.parameters = parameters
        self.region = region
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "local",
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/local/local",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if isinstance(value, dict):
            if _is_intrinsic(value):
                ((name, arg),) = value.items()
                return self._intrinsic(name, arg)
            out = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not _NO_VALUE}
        return value

    def resource_type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if isinstance(resource, dict) else None

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.physical_name(name)
        raise TemplateError(f"Ref to unknown name {name!r}")

    def physical_name(self, logical_id: str) -> str:
        props = self.resources[logical_id].get("Properties") or {}
        explicit = props.get("TableName") or props.get("FunctionName")
        return as_str(self.resolve(explicit)) if explicit else logical_id

    def get_att(self, logical_id: str, attribute: str) -> str:
        rtype = self.resource_type(logical_id)
        if rtype is None:
            raise TemplateError(f"GetAtt on unknown resource {logical_id!r}")
        name, region = self.physical_name(logical_id), self.region
        if rtype in _FUNCTION_TYPES and attribute == "Arn":
            return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
        if rtype in _TABLE_TYPES and attribute == "Arn":
            return f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"
        if rtype in _TABLE_TYPES and attribute == "StreamArn":
            return f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}/stream/local"
        # Nothing local depends on other attributes; a recognisable placeholder is enough.
        return f"arn:aws:local:{region}:{ACCOUNT_ID}:{logical_id}/{attribute}"

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self._condition_value(self.conditions[name]))

    def _condition_value(self, expr: Any) -> Any:
        if isinstance(expr, dict) and set(expr) == {"Condition"}:
            return self.condition(expr["Condition"])
        return self.resolve(expr)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):  # ${!Literal} stays as ${Literal}
                return "${" + expr[1:] + "}"
            if expr in variables:
                return as_str(variables[expr])
            if "." in expr and expr not in self.pseudo:
                logical_id, attribute = expr.split(".", 1)
                return self.get_att(logical_id, attribute)
            return as_str(self.ref(expr))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _intrinsic(self, name: str, arg: Any) -> Any:
        if name == "Ref":
            return self.ref(arg)
        if name == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical_id, self.resolve(attribute))
        if name == "Fn::Sub":
            return self._sub(arg)
        if name == "Fn::Join":
            delimiter, items = arg
            return as_str(delimiter).join(as_str(v) for v in self.resolve(items))
        if name == "Fn::If":
            condition, if_true, if_false = arg
            return self.resolve(if_true if self.condition(condition) else if_false)
        if name == "Fn::Equals":
            left, right = (as_str(self.resolve(v)) for v in arg)
            return left == right
        if name == "Fn::Not":
            return not self._condition_value(arg[0])
        if name == "Fn::And":
            return all(self._condition_value(v) for v in arg)
        if name == "Fn::Or":
            return any(self._condition_value(v) for v in arg)
        if name == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, text = self.resolve(arg)
            return as_str(text).split(delimiter)
        if name == "Fn::FindInMap":
            map_name, top, second = self.resolve(arg)[:3]
            try:
                return self.mappings[map_name][top][second]
            except KeyError:
                raise TemplateError(f"Fn::FindInMap: no {map_name}.{top}.{second}") from None
        raise TemplateError(f"{name} is not supported locally")


# ------------------------------------------------------------------ the model


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


# ------------------------------------------------------------------ parsing


def _merge_globals(glob: Any, local: Any) -> Any:
    """SAM's Globals rule: maps merge (resource wins), lists concatenate, scalars: resource wins."""
    both_maps = isinstance(glob, dict) and isinstance(local, dict)
    if both_maps and not (_is_intrinsic(glob) or _is_intrinsic(local)):
        merged = dict(glob)
        for key, value in local.items():
            merged[key] = _merge_globals(glob[key], value) if key in glob else value
        return merged
    if isinstance(glob, list) and isinstance(local, list):
        return glob + local
    return local


def _parameter_values(doc: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in (doc.get("Parameters") or {}).items():
        if name in overrides:
            value: Any = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            continue  # a Ref to it fails with a clear error; unused ones do not matter
        kind = str(spec.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            value = value if isinstance(value, list) else [v.strip() for v in as_str(value).split(",")]
        else:
            value = as_str(value)
        values[name] = value
    return values


def _logical_id_of(raw: Any, resolver: Resolver) -> str | None:
    """The logical id behind `!Ref X`, `!GetAtt X.Arn` or a local function ARN/name."""
    if isinstance(raw, dict) and "Ref" in raw:
        return str(raw["Ref"])
    if isinstance(raw, dict) and "Fn::GetAtt" in raw:
        arg = raw["Fn::GetAtt"]
        return str(arg[0] if isinstance(arg, list) else arg.split(".", 1)[0])
    value = as_str(resolver.resolve(raw))
    name = value.rsplit(":function:", 1)[-1].split(":", 1)[0]
    functions = [i for i in resolver.resources if resolver.resource_type(i) in _FUNCTION_TYPES]
    return next((i for i in functions if resolver.physical_name(i) == name), None)


def _authorizer(name: str, spec: Mapping[str, Any], resolver: Resolver) -> Authorizer | None:
    function_id = _logical_id_of(spec.get("FunctionArn"), resolver)
    if function_id is None:
        return None  # Cognito/IAM authorizers cannot run locally
    payload = str(resolver.resolve(spec.get("FunctionPayloadType", "TOKEN"))).upper()
    identity = resolver.resolve(spec.get("Identity") or {})
    if payload == "TOKEN":
        headers: list[str] = [identity.get("Header", "Authorization")]
    else:
        headers = list(identity.get("Headers") or [])
    return Authorizer(
        name=name,
        function_id=function_id,
        payload_type=payload,
        identity_headers=tuple(headers),
        identity_query_strings=tuple(identity.get("QueryStrings") or []),
        ttl_seconds=int(identity.get("ReauthorizeEvery", 300)),
    )


def _gateway_responses(spec: Mapping[str, Any]) -> dict[str, GatewayResponse]:
    responses: dict[str, GatewayResponse] = {}
    for response_type, body in (spec or {}).items():
        status = body.get("StatusCode")
        parameters = body.get("ResponseParameters") or {}
        responses[response_type] = GatewayResponse(
            response_type=response_type,
            status_code=int(status) if status is not None else None,
            templates={str(k): str(v) for k, v in (body.get("ResponseTemplates") or {}).items()},
            headers={str(k): as_str(v) for k, v in (parameters.get("Headers") or {}).items()},
        )
    return responses


def _api(logical_id: str, props: Mapping[str, Any], resolver: Resolver) -> Api:
    auth = props.get("Auth") or {}
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        authorizer = _authorizer(name, spec, resolver)
        if authorizer is not None:
            authorizers[name] = authorizer
    default = auth.get("DefaultAuthorizer")
    return Api(
        logical_id=logical_id,
        stage=as_str(resolver.resolve(props.get("StageName", "Prod"))),
        default_authorizer=str(resolver.resolve(default)) if default else None,
        authorizers=authorizers,
        gateway_responses=_gateway_responses(resolver.resolve(props.get("GatewayResponses") or {})),
    )


def _layer_paths(raw_layers: list[Any], resolver: Resolver, root: Path) -> tuple[Path, ...]:
    paths = []
    for raw in raw_layers:
        logical_id = raw.get("Ref") if isinstance(raw, dict) else None
        if logical_id and resolver.resource_type(logical_id) in _LAYER_TYPES:
            props = resolver.resources[logical_id].get("Properties") or {}
            content = props.get("ContentUri") or props.get("Content")
            if isinstance(content, str):
                paths.append((root / content).resolve())
    return tuple(paths)  # layers published elsewhere (ARNs) are the developer's venv's business


def _function(
    logical_id: str, props: Mapping[str, Any], resolver: Resolver, root: Path
) -> tuple[Function, list[tuple[str, dict[str, Any]]]]:
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: only a local CodeUri path can run locally")
    variables = (props.get("Environment") or {}).get("Variables") or {}
    env = {name: as_str(value) for name, value in resolver.resolve(variables).items()}
    api_events = [
        (name, event.get("Properties") or {})
        for name, event in (props.get("Events") or {}).items()
        if event.get("Type") == "Api"
    ]
    function = Function(
        logical_id=logical_id,
        code_uri=(root / code_uri).resolve(),
        handler=str(props.get("Handler", "app.lambda_handler")),
        env=env,
        timeout_seconds=int(resolver.resolve(props.get("Timeout", 3))),
        memory_mb=int(resolver.resolve(props.get("MemorySize", 128))),
        layer_paths=_layer_paths(props.get("Layers") or [], resolver, root),
    )
    return function, api_events


def _table(logical_id: str, rtype: str, props: Mapping[str, Any], resolver: Resolver) -> Table:
    props = resolver.resolve(props)
    name = resolver.physical_name(logical_id)
    if rtype == "AWS::Serverless::SimpleTable":
        key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = {"String": "S", "Number": "N", "Binary": "B"}[key.get("Type", "String")]
        return Table(
            logical_id,
            name,
            key_schema=[{"AttributeName": key["Name"], "KeyType": "HASH"}],
            attribute_definitions=[{"AttributeName": key["Name"], "AttributeType": kind}],
        )

    def index(spec: Mapping[str, Any]) -> dict[str, Any]:
        # Capacity settings mean nothing on an on-demand local table.
        return {k: spec[k] for k in ("IndexName", "KeySchema", "Projection") if k in spec}

    ttl = props.get("TimeToLiveSpecification") or {}
    return Table(
        logical_id,
        name,
        key_schema=props["KeySchema"],
        attribute_definitions=props["AttributeDefinitions"],
        global_indexes=[index(i) for i in props.get("GlobalSecondaryIndexes") or []],
        local_indexes=[index(i) for i in props.get("LocalSecondaryIndexes") or []],
        stream_view_type=(props.get("StreamSpecification") or {}).get("StreamViewType"),
        ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") in (True, "true", "True") else None,
    )


def load_template(
    path: str | Path = "template.yaml",
    parameter_overrides: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
) -> Template:
    """Parse a SAM template into what the local gateway, invoke and table set-up need."""
    path = Path(path).resolve()
    root = path.parent
    doc = load_yaml(path)
    resolver = Resolver(doc, _parameter_values(doc, parameter_overrides or {}), region)
    globals_ = doc.get("Globals") or {}

    apis: dict[str, Api] = {}
    functions: dict[str, Function] = {}
    tables: dict[str, Table] = {}
    events: list[tuple[Function, str, dict[str, Any]]] = []
    for logical_id, resource in (doc.get("Resources") or {}).items():
        rtype = resource.get("Type")
        props = resource.get("Properties") or {}
        if rtype == "AWS::Serverless::Api":
            apis[logical_id] = _api(logical_id, _merge_globals(globals_.get("Api") or {}, props), resolver)
        elif rtype == "AWS::Serverless::Function":
            merged = _merge_globals(globals_.get("Function") or {}, props)
            function, api_events = _function(logical_id, merged, resolver, root)
            functions[logical_id] = function
            events += [(function, name, event) for name, event in api_events]
        elif rtype in _TABLE_TYPES:
            tables[logical_id] = _table(logical_id, rtype, props, resolver)

    routes: dict[str, list[Route]] = {}
    for function, name, event in events:
        api_id = _logical_id_of(event["RestApiId"], resolver) if "RestApiId" in event else IMPLICIT_API
        if api_id is None or (api_id not in apis and api_id != IMPLICIT_API):
            raise TemplateError(f"{function.logical_id}.{name}: unknown RestApiId")
        if api_id not in apis:  # SAM's implicit API: stage Prod, no authorizers
            apis[api_id] = _api(api_id, globals_.get("Api") or {}, resolver)
        api = apis[api_id]
        authorizer = (event.get("Auth") or {}).get("Authorizer", api.default_authorizer)
        if authorizer in ("NONE", "AWS_IAM"):
            authorizer = None
        if authorizer is not None and authorizer not in api.authorizers:
            raise TemplateError(f"{function.logical_id}.{name}: unknown authorizer {authorizer!r}")
        routes.setdefault(api_id, []).append(
            Route(
                api_id=api_id,
                stage=api.stage,
                method=str(event["Method"]).upper(),
                resource="/" + str(event["Path"]).strip("/"),
                function_id=function.logical_id,
                authorizer=authorizer,
            )
        )
    apis = {api_id: replace(api, routes=tuple(routes.get(api_id, ()))) for api_id, api in apis.items()}
    return Template(path=path, region=region, apis=apis, functions=functions, tables=tables)


# ------------------------------------------------------------------ tables


def ensure_tables(client: Any, template: Template) -> None:
    """Create the template's tables that do not exist yet (on demand), and switch their TTL on."""
    existing: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for table in template.tables.values():
        if table.name not in existing:
            client.create_table(**table.create_table_args())
    waiter = client.get_waiter("table_exists")
    for table in template.tables.values():
        waiter.wait(TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        if table.ttl_attribute:
            status = client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
            if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                client.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )
