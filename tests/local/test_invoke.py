"""local.lambda_runtime (pools, context, env) and local.invoke, the `sam local invoke` analogue."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.cfn import Function, Template
from local.dynamo import EmbeddedDynamoDB
from local.lambda_runtime import FunctionError, FunctionPool, apply_env, load_handler

from .conftest import FIXTURE_TEMPLATE, REAL_TEMPLATE

ROOT = REAL_TEMPLATE.parent


def test_apply_env(toy_template: Template) -> None:
    apply_env(toy_template, "http://127.0.0.1:1")
    assert os.environ["DYNAMODB_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert os.environ["DATA_TABLE"] == "DataTable"
    assert os.environ["CREDENTIALS_TABLE"] == "v9-credentials"
    assert os.environ["AWS_SAM_LOCAL"] == "true"
    assert os.environ["AWS_REGION"] == os.environ["AWS_DEFAULT_REGION"]
    apply_env(toy_template, None)
    assert "DYNAMODB_ENDPOINT_URL" not in os.environ


def test_each_load_is_a_fresh_module(toy_template: Template) -> None:
    function = toy_template.functions["EchoFunction"]
    first, second = load_handler(function), load_handler(function)
    assert first is not second
    assert first.__globals__["STATE"] is not second.__globals__["STATE"]
    assert first.__module__ != second.__module__


def test_a_handler_failing_mid_init_leaves_collection_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real handlers switch collection off while they import; a failed import must not leave it off.
    (tmp_path / "app.py").write_text("import gc\ngc.disable()\nraise RuntimeError('init failed')\n")
    function = Function(
        logical_id="FailingFunction",
        code_uri=tmp_path,
        handler="app.lambda_handler",
        env={},
        timeout_seconds=3,
        memory_mb=128,
        layer_paths=(),
    )
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_handler puts the code's folder first

    try:
        with pytest.raises(RuntimeError, match="init failed"):
            load_handler(function)
        assert gc.isenabled()
    finally:
        gc.enable()  # the rest of the session collects even if this test fails


def test_pool_invoke_round_trips_json(toy_template: Template) -> None:
    pool = FunctionPool(toy_template.functions["BrokenFunction"], "us-east-1")
    assert pool.invoke({"pathParameters": {"mode": "fine"}}) == {"statusCode": 200, "body": "fine"}
    with pytest.raises(FunctionError) as raised:
        pool.invoke({"pathParameters": {"mode": "raise"}}, request_id="req-1")
    assert raised.value.payload["errorType"] == "ValueError"
    assert raised.value.payload["errorMessage"] == "kaput"
    assert raised.value.payload["requestId"] == "req-1"
    with pytest.raises(FunctionError) as raised:
        pool.invoke({"pathParameters": {"mode": "not-json"}})  # Lambda could not serialise it either
    assert raised.value.payload["errorType"] == "TypeError"


def _run_invoke(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.invoke", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _invoke_toy(
    store: EmbeddedDynamoDB, event: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`local.invoke` on the toy template's BrokenFunction, against the given store."""
    return _run_invoke(
        "--function",
        "BrokenFunction",
        "--event",
        event,
        "--template",
        str(FIXTURE_TEMPLATE),
        "--endpoint-url",
        store.endpoint_url,
        stdin=stdin,
    )


def test_cli_prints_the_result_as_the_last_stdout_line(tmp_path: Path, store: EmbeddedDynamoDB) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pathParameters": {"mode": "fine"}}))
    done = _invoke_toy(store, str(event))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"statusCode": 200, "body": "fine"})
    # The template's tables were ensured in the given store (no data given: none loaded).
    assert "DataTable" in store.client().list_tables()["TableNames"]


def test_cli_function_error(store: EmbeddedDynamoDB) -> None:
    done = _invoke_toy(store, "-", stdin=json.dumps({"pathParameters": {"mode": "raise"}}))
    assert done.returncode == 1
    error = json.loads(done.stdout.strip().splitlines()[-1])
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "kaput")


def test_cli_function_logs_go_to_stderr(tmp_path: Path, store: EmbeddedDynamoDB) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pathParameters": {"mode": "print"}}))
    done = _invoke_toy(store, str(event))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [json.dumps({"statusCode": 200, "body": "print"})]
    assert "a log line on stdout" in done.stderr


def test_cli_unknown_function(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    done = _run_invoke(
        "--function",
        "Nope",
        "--event",
        str(event),
        "--template",
        str(FIXTURE_TEMPLATE),
        "--endpoint-url",
        "http://127.0.0.1:9",
    )
    assert done.returncode != 0
    assert "EchoFunction" in done.stderr
