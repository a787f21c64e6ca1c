"""template.yaml's tables (safety settings, keys, TTL, the outbox stream) and least-privilege IAM."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template.reading import (
    EXPECTED_TABLES,
    actions_by_resource,
    as_list,
    function_statements,
    iam_statements,
    of_type,
    props,
)


def test_exactly_the_four_tables(resources: dict[str, Any]) -> None:
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
    # The data table's TTL removes the rate-limit counters, the only items carrying expiresAt.
    assert props(resources, "DataTable")["TimeToLiveSpecification"] == {
        "AttributeName": "expiresAt",
        "Enabled": True,
    }
    assert "TimeToLiveSpecification" not in props(resources, "CredentialsTable")


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


def test_translated_roles_have_no_wildcards(translated: dict[str, Any]) -> None:
    roles = {k: v for k, v in translated["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
    assert {"ReassignFunctionRole", "AuthorizerFunctionRole"} <= set(roles)
    for name, role in roles.items():
        for where, st in iam_statements(role.get("Properties", {}).get("Policies", [])):
            assert "*" not in json.dumps(st.get("Action")), f"{name}{where}"
            assert "*" not in json.dumps(st.get("Resource")), f"{name}{where}"
