"""CloudFormation's intrinsic functions (Ref, GetAtt, Sub, Join, If, Select, Split, FindInMap and the
condition functions), evaluated against parameter values and the names resources have locally."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from local.cfn.model import ACCOUNT_ID, FUNCTION_TYPES, TABLE_TYPES, TemplateError

_NO_VALUE = object()  # what Ref AWS::NoValue resolves to: the enclosing key/item disappears


def is_intrinsic(value: Any) -> bool:
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
            if is_intrinsic(value):
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
        if rtype in FUNCTION_TYPES and attribute == "Arn":
            return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
        if rtype in TABLE_TYPES and attribute == "Arn":
            return f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"
        if rtype in TABLE_TYPES and attribute == "StreamArn":
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
