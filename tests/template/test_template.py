"""Static checks of template.yaml (and the build files it points at).

`sam validate --lint` proves the template is well formed; these tests pin down what it
must *say*: routes, auth, table safety settings, least-privilege IAM, error envelopes.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.cfn import CfnLoader, load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


# --------------------------------------------------------------------------- loader
# The template is read with the local tools' loader, which understands CloudFormation short tags.


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return load_yaml(path)


def test_loader_turns_short_tags_into_long_form() -> None:
    doc = yaml.load(
        "a: !Ref X\nb: !GetAtt T.Arn\nc: !Sub 'x-${Y}'\nd: !If [C, 1, 2]\ne: !Not [!Equals [a, b]]\n",
        Loader=CfnLoader,
    )
    assert doc == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["T", "Arn"]},
        "c": {"Fn::Sub": "x-${Y}"},
        "d": {"Fn::If": ["C", 1, 2]},
        "e": {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]},
    }


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def tpl() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(tpl: dict[str, Any]) -> dict[str, Any]:
    res = tpl["Resources"]
    assert isinstance(res, dict)
    return res


def of_type(resources: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def props(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    assert logical_id in resources, f"missing resource {logical_id}"
    p = resources[logical_id].get("Properties", {})
    assert isinstance(p, dict)
    return p


def fn_prop(tpl: dict[str, Any], logical_id: str, name: str) -> Any:
    """A function property, falling back to Globals.Function like SAM does."""
    p = tpl["Resources"][logical_id]["Properties"]
    if name in p:
        return p[name]
    return tpl.get("Globals", {}).get("Function", {}).get(name)


def fn_env(tpl: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """Environment variables as SAM merges them (Globals first, function overrides)."""
    merged: dict[str, Any] = {}
    merged.update(tpl.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    merged.update(tpl["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def iam_statements(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM policy statement anywhere below node (policies, roles, trust documents)."""
    found = []
    for path, value in walk(node):
        if isinstance(value, dict) and "Statement" in value:
            for i, st in enumerate(as_list(value["Statement"])):
                found.append((f"{path}/Statement[{i}]", st))
    return found


def function_statements(resources: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    statements = []
    for policy in as_list(props(resources, logical_id).get("Policies", [])):
        assert isinstance(policy, dict) and "Statement" in policy, (
            f"{logical_id}: only inline policy documents allowed, got {policy!r}"
        )
        statements.extend(as_list(policy["Statement"]))
    return statements


def actions_by_resource(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """{table logical id: allowed actions}, from Allow statements on !GetAtt <Table>.Arn."""
    out: dict[str, set[str]] = {}
    for st in statements:
        assert st.get("Effect") == "Allow"
        for resource in as_list(st["Resource"]):
            assert isinstance(resource, dict) and "Fn::GetAtt" in resource, resource
            table, attribute = resource["Fn::GetAtt"]
            assert attribute == "Arn", resource
            out.setdefault(table, set()).update(as_list(st["Action"]))
    return out


EXPECTED_TABLES = {"DataTable", "CredentialsTable", "OutboxTable", "IdempotencyTable", "WebhooksTable"}
FUNCTIONS = {"ReassignFunction": "functions/reassign", "AuthorizerFunction": "functions/authorizer"}
# Checked by tests/template/test_webhooks_template.py (their timeouts and event sources differ).
WEBHOOK_FUNCTIONS = {
    "WebhooksFunction": "functions/webhooks",
    "FanoutFunction": "functions/fanout",
    "DeliveryFunction": "functions/delivery",
}
LAYERS = {"CoreLayer": "layers/core", "DepsLayer": "layers/deps"}


# --------------------------------------------------------------------------- parameters
def test_parameters_and_defaults(tpl: dict[str, Any]) -> None:
    params = tpl["Parameters"]
    assert params["Environment"]["Default"] == "dev"
    assert set(params["Environment"]["AllowedValues"]) == {"dev", "prod"}
    assert str(params["DeletionProtection"]["Default"]) == "false"
    assert {str(v) for v in params["DeletionProtection"]["AllowedValues"]} == {"true", "false"}
    assert int(params["LogRetentionDays"]["Default"]) == 30
    assert int(params["ThrottleRateLimit"]["Default"]) == 50
    assert int(params["ThrottleBurstLimit"]["Default"]) == 100
    assert params["LogLevel"]["Default"] == "INFO"


# --------------------------------------------------------------------------- API
def test_routes_are_on_reassign_function_and_api(resources: dict[str, Any]) -> None:
    events = props(resources, "ReassignFunction")["Events"]
    routes = set()
    for event in events.values():
        assert event["Type"] == "Api"
        p = event["Properties"]
        assert p["RestApiId"] == {"Ref": "ReassignApi"}
        routes.add((p["Method"].upper(), p["Path"]))
    assert routes == {
        ("POST", "/bookings/{bookingUid}/reassign"),
        ("POST", "/bookings/{bookingUid}/reassign/{userId}"),
    }
    # Nobody else is routed: the authorizer is only reachable as an authorizer.
    assert "Events" not in props(resources, "AuthorizerFunction")


def test_api_stage_tracing_and_throttling(resources: dict[str, Any]) -> None:
    assert resources["ReassignApi"]["Type"] == "AWS::Serverless::Api"
    api = props(resources, "ReassignApi")
    assert api["StageName"] == "v2"
    assert api["TracingEnabled"] is True
    settings = api["MethodSettings"]
    assert any(
        s.get("ResourcePath") == "/*"
        and s.get("HttpMethod") == "*"
        and s.get("ThrottlingRateLimit") == {"Ref": "ThrottleRateLimit"}
        and s.get("ThrottlingBurstLimit") == {"Ref": "ThrottleBurstLimit"}
        for s in settings
    ), settings


def test_access_log_goes_to_a_retained_log_group_and_never_logs_the_token(resources: dict[str, Any]) -> None:
    access = props(resources, "ReassignApi").get("AccessLogSetting")
    if access is None:
        pytest.skip("no access logging configured")
    group = access["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in props(resources, group)
    assert "$context.requestId" in access["Format"]
    assert "authorization" not in access["Format"].lower().replace("$context.authorizer", "")


def test_request_authorizer_on_authorization_header(resources: dict[str, Any]) -> None:
    auth = props(resources, "ReassignApi")["Auth"]
    default = auth["DefaultAuthorizer"]
    assert default == "TokenAuthorizer"
    authorizer = auth["Authorizers"][default]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    identity = authorizer["Identity"]
    assert identity["Headers"] == ["Authorization"]
    assert 0 < int(identity["ReauthorizeEvery"]) <= 300
    # No route may opt out of the authorizer.
    for event in props(resources, "ReassignFunction")["Events"].values():
        assert "Auth" not in event["Properties"] or event["Properties"]["Auth"].get("Authorizer") in (
            None,
            default,
        )


# Sample values API Gateway would substitute into gateway response templates.
CONTEXT_SAMPLES = {
    "$context.requestTime": "24/Nov/2026:10:00:00 +0000",
    "$context.path": "/v2/bookings/abc/reassign",
    "$context.httpMethod": "POST",
    "$context.requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "$context.error.messageString": '"msg"',
    "$context.error.message": "msg",
}

EXPECTED_GATEWAY_RESPONSES = {
    # type: (status code or None to keep API Gateway's, error code, message after substitution)
    "UNAUTHORIZED": (401, "UnauthorizedException", "Unauthorized"),
    "ACCESS_DENIED": (403, "ForbiddenException", "You do not have permission to reassign this booking"),
    "THROTTLED": (429, "TooManyRequestsException", "Too many requests"),
    "MISSING_AUTHENTICATION_TOKEN": (404, "NotFoundException", "Cannot POST /v2/bookings/abc/reassign"),
    "DEFAULT_4XX": (None, "BadRequestException", "msg"),
    "DEFAULT_5XX": (500, "InternalServerErrorException", "Internal server error"),
}


def render_gateway_template(template: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(0)
        assert name in CONTEXT_SAMPLES, f"unexpected context variable {name} in {template!r}"
        return CONTEXT_SAMPLES[name]

    return re.sub(r"\$context(?:\.[A-Za-z][A-Za-z0-9]*)+", sub, template)


def test_render_gateway_template_rejects_broken_json() -> None:
    # The helper must not hide a quoted messageString (which would yield ""msg"").
    bad = '{"message":"$context.error.messageString"}'
    with pytest.raises(json.JSONDecodeError):
        json.loads(render_gateway_template(bad))


@pytest.mark.parametrize("response_type", sorted(EXPECTED_GATEWAY_RESPONSES))
def test_gateway_response_uses_spec_envelope(resources: dict[str, Any], response_type: str) -> None:
    status, code, message = EXPECTED_GATEWAY_RESPONSES[response_type]
    responses = props(resources, "ReassignApi")["GatewayResponses"]
    assert response_type in responses
    response = responses[response_type]
    if status is None:
        assert "StatusCode" not in response, "DEFAULT_4XX must keep API Gateway's own status"
    else:
        assert int(response["StatusCode"]) == status
    assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/json'"
    templates = response["ResponseTemplates"]
    assert set(templates) == {"application/json"}

    body = json.loads(render_gateway_template(templates["application/json"]))
    assert body == {
        "status": "error",
        "timestamp": CONTEXT_SAMPLES["$context.requestTime"],
        "path": CONTEXT_SAMPLES["$context.path"],
        "error": {"code": code, "message": message, "details": {}},
    }


# --------------------------------------------------------------------------- tables
def test_exactly_the_expected_tables(resources: dict[str, Any]) -> None:
    assert set(of_type(resources, "AWS::DynamoDB::Table")) == EXPECTED_TABLES


@pytest.mark.parametrize("table", sorted(EXPECTED_TABLES))
def test_table_is_safe_and_on_demand(tpl: dict[str, Any], resources: dict[str, Any], table: str) -> None:
    p = props(resources, table)
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in p
    assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert p["SSESpecification"]["SSEEnabled"] is True
    assert "TableName" not in p, "explicit names prevent two stacks per account and replacements"

    protection = p["DeletionProtectionEnabled"]
    if "Ref" in protection:
        assert protection == {"Ref": "DeletionProtection"}
    else:
        condition, when_true, when_false = protection["Fn::If"]
        assert (when_true, when_false) == (True, False)
        assert tpl["Conditions"][condition] == {"Fn::Equals": [{"Ref": "DeletionProtection"}, "true"]}


def key_schema(p: dict[str, Any]) -> dict[str, tuple[str, str]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
    return {k["KeyType"]: (k["AttributeName"], types[k["AttributeName"]]) for k in p["KeySchema"]}


def test_table_keys(resources: dict[str, Any]) -> None:
    assert key_schema(props(resources, "DataTable")) == {"HASH": ("PK", "S"), "RANGE": ("SK", "S")}
    assert key_schema(props(resources, "CredentialsTable")) == {"HASH": ("PK", "S")}
    assert key_schema(props(resources, "OutboxTable")) == {"HASH": ("PK", "S")}
    assert key_schema(props(resources, "IdempotencyTable")) == {"HASH": ("id", "S")}
    for table in EXPECTED_TABLES:
        assert "GlobalSecondaryIndexes" not in props(resources, table)
        assert "LocalSecondaryIndexes" not in props(resources, table)


def test_ttl_and_outbox_stream(resources: dict[str, Any]) -> None:
    assert props(resources, "OutboxTable")["TimeToLiveSpecification"] == {
        "AttributeName": "expiresAt",
        "Enabled": True,
    }
    assert props(resources, "IdempotencyTable")["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }
    assert props(resources, "OutboxTable")["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    for table in ("DataTable", "CredentialsTable"):
        assert "TimeToLiveSpecification" not in props(resources, table)


# --------------------------------------------------------------------------- IAM
def test_no_wildcards_or_scan_in_any_iam_statement(tpl: dict[str, Any]) -> None:
    statements = iam_statements(tpl)
    assert len(statements) >= 4, "expected the functions' inline statements to be found"
    for where, st in statements:
        for action in as_list(st.get("Action", [])):
            assert isinstance(action, str)
            assert "*" not in action, f"{where}: wildcard action {action}"
            assert "scan" not in action.lower(), f"{where}: Scan is never needed ({action})"
        for resource in as_list(st.get("Resource", [])):
            assert "*" not in json.dumps(resource), f"{where}: wildcard resource {resource}"
        assert "NotAction" not in st and "NotResource" not in st, where


def test_no_sam_policy_templates_or_managed_policies_on_functions(resources: dict[str, Any]) -> None:
    for fn in of_type(resources, "AWS::Serverless::Function"):
        for policy in as_list(props(resources, fn).get("Policies", [])):
            assert isinstance(policy, dict), f"{fn}: managed policy {policy!r}"
            for key in policy:
                assert not re.search(r"(Crud|Read|Write|FullAccess)Policy$", key), f"{fn}: {key}"
            assert set(policy) <= {"Version", "Statement"}, f"{fn}: {sorted(policy)}"


def test_reassign_function_least_privilege(resources: dict[str, Any]) -> None:
    granted = actions_by_resource(function_statements(resources, "ReassignFunction"))
    assert granted == {
        "DataTable": {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        },
        "OutboxTable": {"dynamodb:PutItem"},
        "IdempotencyTable": {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        },
    }


def test_authorizer_can_only_get_credentials(resources: dict[str, Any]) -> None:
    statements = function_statements(resources, "AuthorizerFunction")
    assert actions_by_resource(statements) == {"CredentialsTable": {"dynamodb:GetItem"}}


# --------------------------------------------------------------------------- functions / layers
def test_functions_runtime_build_and_layers(tpl: dict[str, Any], resources: dict[str, Any]) -> None:
    assert set(of_type(resources, "AWS::Serverless::Function")) == set(FUNCTIONS) | set(WEBHOOK_FUNCTIONS)
    for fn, code_dir in FUNCTIONS.items():
        assert fn_prop(tpl, fn, "Runtime") == "python3.13"
        assert fn_prop(tpl, fn, "Architectures") == ["x86_64"]
        assert fn_prop(tpl, fn, "Handler") == "app.lambda_handler"
        assert fn_prop(tpl, fn, "Tracing") == "Active"
        assert int(fn_prop(tpl, fn, "MemorySize")) == 512
        assert int(fn_prop(tpl, fn, "Timeout")) == 10
        assert str(fn_prop(tpl, fn, "CodeUri")).rstrip("/") == code_dir
        assert resources[fn]["Metadata"]["BuildMethod"] == "makefile"
        layers = fn_prop(tpl, fn, "Layers")
        assert {"Ref": "CoreLayer"} in layers and {"Ref": "DepsLayer"} in layers


def test_function_environment(tpl: dict[str, Any]) -> None:
    reassign = fn_env(tpl, "ReassignFunction")
    assert reassign["DATA_TABLE"] == {"Ref": "DataTable"}
    assert reassign["OUTBOX_TABLE"] == {"Ref": "OutboxTable"}
    assert reassign["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert reassign["POWERTOOLS_SERVICE_NAME"] == "reassign"
    assert reassign["POWERTOOLS_METRICS_NAMESPACE"] == "BookingReassign"
    assert "CREDENTIALS_TABLE" not in reassign

    authorizer = fn_env(tpl, "AuthorizerFunction")
    assert authorizer["CREDENTIALS_TABLE"] == {"Ref": "CredentialsTable"}
    assert authorizer["POWERTOOLS_SERVICE_NAME"] == "authorizer"
    assert "DATA_TABLE" not in authorizer

    for env in (reassign, authorizer):
        assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
        # Local-only override; a deployed function must talk to real DynamoDB.
        assert "DYNAMODB_ENDPOINT_URL" not in env


def test_every_function_has_an_explicit_log_group_with_retention(resources: dict[str, Any]) -> None:
    groups = of_type(resources, "AWS::Logs::LogGroup")
    for fn in of_type(resources, "AWS::Serverless::Function"):
        matching = [
            g
            for g in groups.values()
            if g.get("Properties", {}).get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{fn}}}"}
        ]
        assert len(matching) == 1, f"{fn}: expected one log group named /aws/lambda/${{{fn}}}"
        assert matching[0]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_layers(resources: dict[str, Any]) -> None:
    assert set(of_type(resources, "AWS::Serverless::LayerVersion")) == set(LAYERS)
    for layer, content_dir in LAYERS.items():
        p = props(resources, layer)
        assert str(p["ContentUri"]).rstrip("/") == content_dir
        assert p["CompatibleRuntimes"] == ["python3.13"]
        assert resources[layer]["Metadata"]["BuildMethod"] == "makefile"


@pytest.mark.parametrize("logical_id", sorted({**FUNCTIONS, **LAYERS}))
def test_makefile_build_target_exists(logical_id: str) -> None:
    """sam build runs `make build-<LogicalId>` in the CodeUri/ContentUri folder."""
    makefile = ROOT / {**FUNCTIONS, **LAYERS}[logical_id] / "Makefile"
    text = makefile.read_text(encoding="utf-8")
    assert re.search(rf"^build-{logical_id}:", text, re.MULTILINE), f"{makefile}: no build-{logical_id}"
    assert "$(COMPILE_313)" in text, "precompiles with the shared build.mk recipe"
    assert "--invalidation-mode unchecked-hash" in (ROOT / "build.mk").read_text(encoding="utf-8")
    if logical_id == "DepsLayer":
        assert "--platform manylinux2014_x86_64" in text and "--python-version 3.13" in text
        assert "--no-deps" in text and "--only-binary=:all:" in text


# --------------------------------------------------------------------------- outputs / config
def test_outputs(tpl: dict[str, Any]) -> None:
    outputs = {k: v["Value"] for k, v in tpl["Outputs"].items()}
    assert outputs["ApiUrl"] == {
        "Fn::Sub": "https://${ReassignApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/v2"
    }
    values = list(outputs.values())
    for table in EXPECTED_TABLES:
        assert {"Ref": table} in values, f"no output for {table}"
    for fn in FUNCTIONS:
        assert {"Fn::GetAtt": [fn, "Arn"]} in values, f"no output for {fn}"
    assert {"Fn::GetAtt": ["OutboxTable", "StreamArn"]} in values


def test_samconfig_environments() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    assert config["default"]["deploy"]["parameters"]["stack_name"] == "booking-reassign-dev"
    assert config["dev"]["deploy"]["parameters"]["stack_name"] == "booking-reassign-dev"
    prod = config["prod"]["deploy"]["parameters"]
    assert prod["stack_name"] == "booking-reassign-prod"
    overrides = dict(kv.split("=", 1) for kv in prod["parameter_overrides"].split())
    assert overrides == {"Environment": "prod", "DeletionProtection": "true", "LogRetentionDays": "365"}
    for env in ("default", "dev", "prod"):
        assert config[env]["deploy"]["parameters"]["confirm_changeset"] is True


# --------------------------------------------------------------------------- SAM translation
@pytest.fixture(scope="module")
def translated(tpl: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation SAM generates (no AWS call: local code URIs replaced by fake S3)."""
    translator = pytest.importorskip("samtranslator.translator.transform")
    doc = copy.deepcopy(tpl)
    for resource in doc["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        out = translator.transform(doc, {}, NoManagedPolicies())
    assert isinstance(out, dict)
    return out


def test_translated_api_secures_both_routes_with_request_authorizer(translated: dict[str, Any]) -> None:
    body = translated["Resources"]["ReassignApi"]["Properties"]["Body"]
    for path in ("/bookings/{bookingUid}/reassign", "/bookings/{bookingUid}/reassign/{userId}"):
        operation = body["paths"][path]["post"]
        assert operation["security"] == [{"TokenAuthorizer": []}]
        assert operation["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    schemes = body.get("components", {}).get("securitySchemes") or body["securityDefinitions"]
    authorizer = schemes["TokenAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    assert 0 < authorizer["authorizerResultTtlInSeconds"] <= 300

    gateway = body["x-amazon-apigateway-gateway-responses"]
    assert set(gateway) >= set(EXPECTED_GATEWAY_RESPONSES)
    for response in gateway.values():
        assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"

    stages = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert [s["Properties"]["StageName"] for s in stages] == ["v2"]


def test_translated_roles_have_no_wildcards(translated: dict[str, Any]) -> None:
    roles = {k: v for k, v in translated["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
    assert {"ReassignFunctionRole", "AuthorizerFunctionRole"} <= set(roles)
    for name, role in roles.items():
        for where, st in iam_statements(role.get("Properties", {}).get("Policies", [])):
            assert "*" not in json.dumps(st.get("Action")), f"{name}{where}"
            assert "*" not in json.dumps(st.get("Resource")), f"{name}{where}"
