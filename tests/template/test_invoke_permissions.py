"""Direct invocation is trusted by IAM alone (docs/api.md): nothing in the stack lets a principal
other than the API invoke the reassign function, so the only way in without a credential is a
permission an operator grants on purpose."""

from __future__ import annotations

import json
from typing import Any

from tests.template.reading import iam_statements, props

REASSIGN = "ReassignFunction"


def _names_reassign(value: Any) -> bool:
    return f'"{REASSIGN}"' in json.dumps(value) or f'"{REASSIGN}.' in json.dumps(value)


def _of_type(translated: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in translated["Resources"].items() if v["Type"] == type_}


def test_only_the_api_may_invoke_the_reassign_function(translated: dict[str, Any]) -> None:
    permissions = {
        name: resource["Properties"]
        for name, resource in _of_type(translated, "AWS::Lambda::Permission").items()
        if _names_reassign(resource["Properties"]["FunctionName"])
    }

    assert len(permissions) == 4, sorted(permissions)  # one per route it serves
    for name, permission in permissions.items():
        assert permission["Action"] == "lambda:InvokeFunction", name
        assert permission["Principal"] == "apigateway.amazonaws.com", name
        source = permission["SourceArn"]["Fn::Sub"]
        assert source[0].startswith("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/"), (
            name
        )
        assert source[1]["__ApiId__"] == {"Ref": "ReassignApi"}, name
        assert "SourceAccount" not in permission and "PrincipalOrgID" not in permission, name


def test_the_reassign_function_has_no_other_way_in(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    assert not _of_type(translated, "AWS::Lambda::Url")
    assert "FunctionUrlConfig" not in props(resources, REASSIGN)
    events = props(resources, REASSIGN)["Events"]
    assert {e["Type"] for e in events.values()} == {"Api"}
    assert {json.dumps(e["Properties"]["RestApiId"]) for e in events.values()} == {'{"Ref": "ReassignApi"}'}


def test_no_role_in_the_stack_may_invoke_a_function(translated: dict[str, Any]) -> None:
    statements = iam_statements(translated["Resources"])
    assert statements
    for where, statement in statements:
        actions = statement.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            assert not str(action).lower().startswith("lambda:invoke"), f"{where}: {action}"
