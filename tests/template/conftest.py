"""The template as written, its resources, and the CloudFormation SAM makes of it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.template.reading import load_template


@pytest.fixture(scope="module")
def tpl() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(tpl: dict[str, Any]) -> dict[str, Any]:
    res = tpl["Resources"]
    assert isinstance(res, dict)
    return res


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
