"""The handlers' init phase: settings read and checked, the client made before the first request,
what init built frozen out of later collections, and collection back on for the requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.cfn import Template

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = "http://127.0.0.1:1"  # never called: the client is only made

# A fresh process: freezing is process-wide, and Lambda imports a handler exactly once.
PROBE = r"""
import gc, json, sys
sys.path[:0] = sys.argv[1:]
collections_during_import = []
def count(phase, info):
    # From app's `import gc` on: compiling app.py (no .pyc in the sources) may collect before it.
    if phase == "start" and "gc" in vars(sys.modules.get("app", sys)):
        collections_during_import.append(info)
gc.callbacks.append(count)
import app
gc.callbacks.clear()
from reassign_core import runtime
made = ("reassign_service", "credential_store", "dynamodb_client")
settings = runtime.reassign_settings if "reassign" in sys.argv[1] else runtime.authorizer_settings
endpoint = settings().endpoint_url
print(json.dumps({
    "collections_during_import": len(collections_during_import),
    "collection_on": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "made": {name: getattr(runtime, name).cache_info().currsize for name in made},
    "endpoint": runtime.dynamodb_client(endpoint).meta.endpoint_url,
}))
"""


FUNCTIONS = {"reassign": "ReassignFunction", "authorizer": "AuthorizerFunction"}


def start(function: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import a handler in a fresh process with exactly this function environment (plus a region)."""
    # Nothing of the test session's environment leaks in: only what the process needs to run.
    inherited = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function), str(ROOT / "layers" / "core")],
        env={**inherited, **env, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("function", "made_at_init"),
    [("reassign", "reassign_service"), ("authorizer", "credential_store")],
)
def test_init_phase_makes_the_client_and_freezes_what_it_built(
    template: Template, function: str, made_at_init: str
) -> None:
    env = template.functions[FUNCTIONS[function]].env
    done = start(function, {**env, "DYNAMODB_ENDPOINT_URL": ENDPOINT})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.splitlines()[-1])

    assert report["collections_during_import"] == 0
    assert report["collection_on"] is True
    # Modules, classes, models and the client: tens of thousands of objects no collection walks again.
    assert report["frozen"] > 20_000
    assert report["made"][made_at_init] == 1
    assert report["made"]["dynamodb_client"] == 1
    assert report["endpoint"] == ENDPOINT  # made from the function's environment


@pytest.mark.parametrize(
    ("function", "required"),
    [
        ("reassign", "DATA_TABLE"),
        ("reassign", "OUTBOX_TABLE"),
        ("reassign", "IDEMPOTENCY_TABLE"),
        ("authorizer", "CREDENTIALS_TABLE"),
    ],
)
def test_a_function_missing_a_required_setting_fails_at_start_naming_it(
    template: Template, function: str, required: str
) -> None:
    env = {k: v for k, v in template.functions[FUNCTIONS[function]].env.items() if k != required}

    done = start(function, {**env, "DYNAMODB_ENDPOINT_URL": ENDPOINT})

    assert done.returncode != 0
    assert "SettingsError" in done.stderr
    assert f"{required} is not set" in done.stderr
