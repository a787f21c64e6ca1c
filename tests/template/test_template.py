"""Static checks of template.yaml (and the build files it points at).

`sam validate --lint` proves the template is well formed; these tests pin down what it
must *say*: routes, auth, table safety settings, least-privilege IAM, error envelopes.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import yaml

from local.cfn import CfnLoader
from tests.template.reading import (
    EXPECTED_TABLES,
    FUNCTIONS,
    LAYERS,
    ROOT,
    WEBHOOK_FUNCTIONS,
    fn_env,
    fn_prop,
    of_type,
    props,
)


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


def test_functions_runtime_build_and_layers(tpl: dict[str, Any], resources: dict[str, Any]) -> None:
    functions = set(FUNCTIONS) | set(WEBHOOK_FUNCTIONS) | {"SyncFunction"}
    assert set(of_type(resources, "AWS::Serverless::Function")) == functions
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


def test_the_sync_route_is_signed_not_authorized_and_its_secret_generated(
    tpl: dict[str, Any], resources: dict[str, Any]
) -> None:
    event = fn_prop(tpl, "SyncFunction", "Events")["CalcomWebhook"]["Properties"]
    assert (event["Path"], event["Method"], event["Auth"]) == ("/sync/calcom", "post", {"Authorizer": "NONE"})
    secret = resources["CalcomSyncSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    statements = fn_prop(tpl, "SyncFunction", "Policies")[0]["Statement"]
    assert {s["Sid"]: s["Action"] for s in statements}["SyncSecret"] == ["secretsmanager:GetSecretValue"]
    assert "dynamodb:Scan" not in {a for s in statements for a in s["Action"]}
    assert {"CalcomWebhookUrl", "CalcomWebhookSecret"} <= set(tpl["Outputs"])
