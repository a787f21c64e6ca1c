"""Read just enough of a SAM template.yaml to run the service locally.

What it understands: CloudFormation short tags, Parameters (their Default, or an override),
Conditions, the intrinsic functions (see intrinsics), SAM Globals, Serverless APIs with their
authorizers and gateway responses, Serverless functions (code, handler, merged environment,
layers) with their Api events, and DynamoDB tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from local.cfn.intrinsics import Resolver, as_str, is_intrinsic
from local.cfn.model import (
    DEFAULT_REGION,
    FUNCTION_TYPES,
    LAYER_TYPES,
    TABLE_TYPES,
    Api,
    Authorizer,
    Function,
    GatewayResponse,
    Route,
    Table,
    Template,
    TemplateError,
)
from local.cfn.yaml_tags import load_yaml

IMPLICIT_API = "ServerlessRestApi"  # what SAM names the API of Api events without RestApiId


def _merge_globals(glob: Any, local: Any) -> Any:
    """SAM's Globals rule: maps merge (resource wins), lists concatenate, scalars: resource wins."""
    both_maps = isinstance(glob, dict) and isinstance(local, dict)
    if both_maps and not (is_intrinsic(glob) or is_intrinsic(local)):
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
    functions = [i for i in resolver.resources if resolver.resource_type(i) in FUNCTION_TYPES]
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
        if logical_id and resolver.resource_type(logical_id) in LAYER_TYPES:
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
        elif rtype in TABLE_TYPES:
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
