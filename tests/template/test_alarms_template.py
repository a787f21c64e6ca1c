"""Alarms as template.yaml declares them: each watches the right metric of this stack's resources
and notifies the stack's SNS topic, which an optional e-mail address is subscribed to."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.template.reading import of_type, props

ALARM = "AWS::CloudWatch::Alarm"


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its single metric, or every MetricStat of its metric math."""
    if "MetricName" in alarm:
        return [
            {
                "Namespace": alarm["Namespace"],
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm.get("Dimensions", []),
            }
        ]
    return [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]


def watched(alarm: dict[str, Any], dimension: str) -> set[str]:
    """The logical ids the alarm's metrics name in the given dimension (`!Ref X` or `!GetAtt X.Y`)."""
    found = set()
    for metric in metric_stats(alarm):
        for d in metric.get("Dimensions", []):
            if d["Name"] == dimension:
                value = d["Value"]
                found.add(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])
    return found


def test_every_alarm_notifies_the_stacks_topic_on_alarm_and_recovery(resources: dict[str, Any]) -> None:
    alarms = of_type(resources, ALARM)
    assert len(alarms) >= 8
    for name in alarms:
        p = props(resources, name)
        assert p["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert p["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert p["TreatMissingData"] == "notBreaching", name  # no traffic is not an incident
        assert p["AlarmDescription"].rstrip(".").endswith(".md"), name  # says where to read on
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"


def test_the_e_mail_subscription_exists_only_when_an_address_is_given(tpl: dict[str, Any]) -> None:
    parameter = tpl["Parameters"]["AlarmEmail"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("") and pattern.match("ops@example.com") and not pattern.match("not an address")
    assert tpl["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    subscription = tpl["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert tpl["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


def test_5xx_of_this_api_alarm_at_the_first_one(resources: dict[str, Any]) -> None:
    p = props(resources, "Api5xxAlarm")
    assert (p["Namespace"], p["MetricName"], p["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Sum")
    api = props(resources, "ReassignApi")
    assert p["Dimensions"] == [
        {"Name": "ApiName", "Value": api["Name"]},
        {"Name": "Stage", "Value": api["StageName"]},
    ]
    assert (p["ComparisonOperator"], p["Threshold"]) == ("GreaterThanThreshold", 0)


def test_stage_throttling_is_counted_from_the_access_log(resources: dict[str, Any]) -> None:
    metric_filter = props(resources, "ApiThrottledMetricFilter")
    assert metric_filter["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
    # The access log's errorType is API Gateway's gateway-response type: THROTTLED for its 429s.
    access_log = props(resources, "ReassignApi")["AccessLogSetting"]["Format"]
    assert '"errorType":"$context.error.responseType"' in access_log
    assert metric_filter["FilterPattern"] == '{ $.errorType = "THROTTLED" }'
    (transformation,) = metric_filter["MetricTransformations"]
    alarm = props(resources, "ApiThrottledAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        transformation["MetricNamespace"],
        transformation["MetricName"],
    )
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 0)


def test_throttles_of_every_function_alarm(resources: dict[str, Any]) -> None:
    alarm = props(resources, "LambdaThrottlesAlarm")
    assert {(m["Namespace"], m["MetricName"]) for m in metric_stats(alarm)} == {("AWS/Lambda", "Throttles")}
    assert watched(alarm, "FunctionName") == set(of_type(resources, "AWS::Serverless::Function"))
    assert alarm["Threshold"] == 0


@pytest.mark.parametrize(
    ("alarm_name", "metric"),
    [
        ("DynamoReadThrottleAlarm", "ReadThrottleEvents"),
        ("DynamoWriteThrottleAlarm", "WriteThrottleEvents"),
        ("DynamoReadCapacityAlarm", "ConsumedReadCapacityUnits"),
        ("DynamoWriteCapacityAlarm", "ConsumedWriteCapacityUnits"),
    ],
)
def test_dynamodb_throttling_and_consumed_capacity_of_every_table_alarm(
    resources: dict[str, Any], alarm_name: str, metric: str
) -> None:
    alarm = props(resources, alarm_name)
    assert {(m["Namespace"], m["MetricName"]) for m in metric_stats(alarm)} == {("AWS/DynamoDB", metric)}
    assert watched(alarm, "TableName") == set(of_type(resources, "AWS::DynamoDB::Table"))
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]  # the alarm judges one series
    ids = {m["Id"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert set(re.findall(r"\b[a-z]\d+\b", returned["Expression"])) == ids  # the sum leaves none out
    if "Capacity" in alarm_name:
        assert alarm["Threshold"] == {"Ref": "CapacityAlarmUnitsPerSecond"}
    else:
        assert alarm["Threshold"] == 0


def test_alarm_metric_math_stays_within_cloudwatchs_ten_metrics(resources: dict[str, Any]) -> None:
    for name, alarm in of_type(resources, ALARM).items():
        assert len(metric_stats(alarm["Properties"])) <= 10, name
