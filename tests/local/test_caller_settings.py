"""`make run` applies the rate limits only when its own environment sets them, whatever the template says."""

from __future__ import annotations

import pytest

from local.cfn import load_template
from local.lambda_runtime import caller_settings_only
from tests.conftest import ROOT

LIMITED = ("ReassignFunction", "WebhooksFunction")


def test_the_templates_limits_are_dropped_unless_the_environment_sets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = load_template(ROOT / "template.yaml")
    assert all(template.functions[f].env["RATE_LIMIT_API_KEY"] == "120" for f in LIMITED)
    monkeypatch.delenv("RATE_LIMIT_API_KEY", raising=False)
    monkeypatch.delenv("RATE_LIMIT_ACCESS_TOKEN", raising=False)

    plain = caller_settings_only(template)
    assert not any("RATE_LIMIT_API_KEY" in plain.functions[f].env for f in LIMITED)
    assert (
        plain.functions["ReassignFunction"].env["DATA_TABLE"]
        == template.functions["ReassignFunction"].env["DATA_TABLE"]
    )

    monkeypatch.setenv("RATE_LIMIT_API_KEY", "5")
    limited = caller_settings_only(template)
    assert all(limited.functions[f].env["RATE_LIMIT_API_KEY"] == "5" for f in LIMITED)
    assert not any("RATE_LIMIT_ACCESS_TOKEN" in limited.functions[f].env for f in LIMITED)
    assert "RATE_LIMIT_API_KEY" not in limited.functions["AuthorizerFunction"].env
