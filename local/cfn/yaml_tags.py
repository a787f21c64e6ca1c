"""Reading a template's YAML, CloudFormation's short tags (!Ref, !Sub, !GetAtt, ...) included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from local.cfn.model import TemplateError


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
