"""What template.yaml must say about the webhooks: event sources, queues, alarms, least privilege."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.template.reading import (
    ROOT,
    WEBHOOK_FUNCTIONS,
    as_list,
    fn_env,
    fn_prop,
    function_statements,
    load_template,
    props,
)


@pytest.fixture(scope="module")
def tpl() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(tpl: dict[str, Any]) -> dict[str, Any]:
    return dict(tpl["Resources"])


def test_webhook_functions_build_like_the_others(tpl: dict[str, Any], resources: dict[str, Any]) -> None:
    for fn, code_dir in WEBHOOK_FUNCTIONS.items():
        assert (
            fn_prop(tpl, fn, "Runtime") == "python3.13"
            and fn_prop(tpl, fn, "Handler") == "app.lambda_handler"
        )
        assert str(fn_prop(tpl, fn, "CodeUri")).rstrip("/") == code_dir
        assert resources[fn]["Metadata"]["BuildMethod"] == "makefile"
        makefile = (ROOT / code_dir / "Makefile").read_text(encoding="utf-8")
        assert re.search(rf"^build-{fn}:", makefile, re.MULTILINE) and "$(COMPILE_313)" in makefile
    # A delivery attempt may take 10 s: the functions that make one have room for it.
    assert int(fn_prop(tpl, "DeliveryFunction", "Timeout")) > 10
    assert int(fn_prop(tpl, "WebhooksFunction", "Timeout")) > 10


def test_the_fan_out_reads_the_outbox_stream_with_partial_failures_bisect_and_an_on_failure_queue(
    resources: dict[str, Any],
) -> None:
    (source,) = props(resources, "FanoutFunction")["Events"].values()
    assert source["Type"] == "DynamoDB"
    p = source["Properties"]
    assert p["Stream"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    assert p["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert p["BisectBatchOnFunctionError"] is True
    assert 0 < int(p["MaximumRetryAttempts"]) <= 10 and int(p["BatchSize"]) > 1
    assert "MaximumBatchingWindowInSeconds" in p
    assert p["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["FanoutFailureQueue", "Arn"]},
    }


def test_deliveries_go_through_a_queue_redriven_to_a_dead_letter_queue_with_an_alarm(
    resources: dict[str, Any],
) -> None:
    (source,) = props(resources, "DeliveryFunction")["Events"].values()
    assert source["Type"] == "SQS" and source["Properties"]["Queue"] == {
        "Fn::GetAtt": ["DeliveryQueue", "Arn"]
    }
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = props(resources, "DeliveryQueue")
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "Arn"]}
    # More receives than the at most 10 attempts the retry delays allow: the function moves the
    # exhausted ones itself; the redrive catches what it cannot handle at all.
    assert int(queue["RedrivePolicy"]["maxReceiveCount"]) > 10
    assert int(queue["VisibilityTimeout"]) >= 6 * int(props(resources, "DeliveryFunction")["Timeout"])
    for name in ("DeliveryQueue", "DeliveryDeadLetterQueue", "FanoutFailureQueue"):
        assert props(resources, name)["SqsManagedSseEnabled"] is True
    for alarm, queue_name in (
        ("DeliveryDeadLetterAlarm", "DeliveryDeadLetterQueue"),
        ("FanoutFailureAlarm", "FanoutFailureQueue"),
    ):
        p = props(resources, alarm)
        assert p["MetricName"] == "ApproximateNumberOfMessagesVisible" and p["Threshold"] == 0
        assert p["Dimensions"][0]["Value"] == {"Fn::GetAtt": [queue_name, "QueueName"]}


def test_retry_delays_come_from_a_parameter_that_bounds_them(tpl: dict[str, Any]) -> None:
    parameter = tpl["Parameters"]["WebhookRetryDelays"]
    assert parameter["Default"] == "30,120,600,3600,21600"
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("1,1") and pattern.match("") and not pattern.match(",".join(["1"] * 10))
    assert fn_env(tpl, "DeliveryFunction")["WEBHOOK_RETRY_DELAYS"] == {"Ref": "WebhookRetryDelays"}
    for fn in WEBHOOK_FUNCTIONS:  # only make run may allow http:// and loopback receivers
        assert "WEBHOOK_ALLOW_LOCAL_URLS" not in fn_env(tpl, fn)
        assert "SQS_ENDPOINT_URL" not in fn_env(tpl, fn) and "DYNAMODB_ENDPOINT_URL" not in fn_env(tpl, fn)


def test_the_webhooks_table_keeps_the_delivery_log_30_days(resources: dict[str, Any]) -> None:
    p = props(resources, "WebhooksTable")
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            "WebhooksFunction",
            {
                "WebhooksTable": {
                    "GetItem",
                    "Query",
                    "PutItem",
                    "UpdateItem",
                    "DeleteItem",
                    "ConditionCheckItem",
                },
                "DataTable": {"GetItem", "Query", "UpdateItem"},  # UpdateItem: RATE# counters only
                "CredentialsTable": {"GetItem"},
            },
        ),
        (
            "FanoutFunction",
            {
                "WebhooksTable": {"Query"},
                "DataTable": {"BatchGetItem"},
                "DeliveryQueue": {"SendMessage", "GetQueueUrl"},
            },
        ),
        (
            "DeliveryFunction",
            {
                "WebhooksTable": {"BatchGetItem", "UpdateItem"},
                "DeliveryQueue": {"ChangeMessageVisibility", "GetQueueUrl"},
                "DeliveryDeadLetterQueue": {"SendMessage", "GetQueueUrl"},
            },
        ),
    ],
)
def test_least_privilege(resources: dict[str, Any], function: str, expected: dict[str, set[str]]) -> None:
    granted: dict[str, set[str]] = {}
    for statement in function_statements(resources, function):
        assert statement["Effect"] == "Allow"
        (resource,) = as_list(statement["Resource"])
        target, attribute = resource["Fn::GetAtt"]
        assert attribute == "Arn"
        actions = {a.split(":", 1)[1] for a in as_list(statement["Action"])}
        assert "Scan" not in actions and not any("*" in a for a in actions)
        granted.setdefault(target, set()).update(actions)
        if target.endswith("Table"):  # every table grant is limited to the key prefixes used
            assert "dynamodb:LeadingKeys" in statement["Condition"]["ForAllValues:StringLike"]
    assert granted == expected
