"""template.yaml as written (short tags in long form), and helpers to look things up in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from local.cfn import load_yaml

ROOT = Path(__file__).resolve().parents[2]


TEMPLATE = ROOT / "template.yaml"


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return load_yaml(path)


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
