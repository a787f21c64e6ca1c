"""`make invoke` answers every sample event in events/ (a fresh process each, as `sam local invoke`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EVENTS = sorted((ROOT / "events").glob("*.json"))
# Which function each sample is for, by its name's first word; the reassign function otherwise.
FUNCTIONS = {
    "authorizer": "AuthorizerFunction",
    "sync": "SyncFunction",
    "fanout": "FanoutFunction",
    "delivery": "DeliveryFunction",
}


@pytest.mark.parametrize("event", EVENTS, ids=[e.stem for e in EVENTS])
def test_each_sample_event_gets_its_answer_on_the_last_stdout_line(event: object) -> None:
    function = FUNCTIONS.get(event.name.split("-", 1)[0], "ReassignFunction")  # type: ignore[attr-defined]

    done = subprocess.run(
        [sys.executable, "-m", "local.invoke", "--function", function, "--event", str(event)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if function in ("FanoutFunction", "DeliveryFunction"):  # a batch: nothing left to retry
        assert answer == {"batchItemFailures": []}
    elif function == "AuthorizerFunction":
        assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    elif "statusCode" in answer and "body" in answer:  # an API Gateway event: a proxy response
        assert answer["statusCode"] == 200
        assert json.loads(answer["body"])["status"] == "success"
    else:  # a direct invocation: the envelope plus statusCode
        assert (answer["statusCode"], answer["status"]) == (200, "success")
