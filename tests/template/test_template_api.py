"""template.yaml's API: routes, stage, access log, the authorizer, and gateway responses in the
error envelope (also as SAM translates them)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template.reading import props


def test_routes_are_on_reassign_function_and_api(resources: dict[str, Any]) -> None:
    events = props(resources, "ReassignFunction")["Events"]
    routes = set()
    for event in events.values():
        assert event["Type"] == "Api"
        p = event["Properties"]
        assert p["RestApiId"] == {"Ref": "ReassignApi"}
        routes.add((p["Method"].upper(), p["Path"]))
    assert routes == {
        ("POST", "/bookings/{bookingUid}/reassign"),
        ("POST", "/bookings/{bookingUid}/reassign/{userId}"),
        ("GET", "/bookings/{bookingUid}/reassignment-candidates"),
        ("GET", "/bookings/{bookingUid}/reassignments"),
    }
    # Nobody else is routed: the authorizer is only reachable as an authorizer.
    assert "Events" not in props(resources, "AuthorizerFunction")


def test_api_stage_tracing_and_throttling(resources: dict[str, Any]) -> None:
    assert resources["ReassignApi"]["Type"] == "AWS::Serverless::Api"
    api = props(resources, "ReassignApi")
    assert api["StageName"] == "v2"
    assert api["TracingEnabled"] is True
    settings = api["MethodSettings"]
    assert any(
        s.get("ResourcePath") == "/*"
        and s.get("HttpMethod") == "*"
        and s.get("ThrottlingRateLimit") == {"Ref": "ThrottleRateLimit"}
        and s.get("ThrottlingBurstLimit") == {"Ref": "ThrottleBurstLimit"}
        for s in settings
    ), settings


def test_access_log_goes_to_a_retained_log_group_and_never_logs_the_token(resources: dict[str, Any]) -> None:
    access = props(resources, "ReassignApi").get("AccessLogSetting")
    if access is None:
        pytest.skip("no access logging configured")
    group = access["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in props(resources, group)
    assert "$context.requestId" in access["Format"]
    assert "authorization" not in access["Format"].lower().replace("$context.authorizer", "")


def test_request_authorizer_on_authorization_header(resources: dict[str, Any]) -> None:
    auth = props(resources, "ReassignApi")["Auth"]
    default = auth["DefaultAuthorizer"]
    assert default == "TokenAuthorizer"
    authorizer = auth["Authorizers"][default]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    identity = authorizer["Identity"]
    assert identity["Headers"] == ["Authorization"]
    assert 0 < int(identity["ReauthorizeEvery"]) <= 60  # the documented revocation delay
    # No route may opt out of the authorizer.
    for event in props(resources, "ReassignFunction")["Events"].values():
        assert "Auth" not in event["Properties"] or event["Properties"]["Auth"].get("Authorizer") in (
            None,
            default,
        )


CONTEXT_SAMPLES = {
    "$context.requestTime": "24/Nov/2026:10:00:00 +0000",
    "$context.stage": "v2",
    "$context.resourcePath": "/bookings/{bookingUid}/reassign",
    "$context.httpMethod": "POST",
    "$context.requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "$context.error.messageString": '"msg"',
    "$context.error.message": "msg",
}


EXPECTED_GATEWAY_RESPONSES = {
    # type: (status code or None to keep API Gateway's, error code, message after substitution)
    "UNAUTHORIZED": (401, "UnauthorizedException", "Unauthorized"),
    "ACCESS_DENIED": (403, "ForbiddenException", "You do not have permission to reassign this booking"),
    "THROTTLED": (429, "TooManyRequestsException", "Too many requests"),
    "MISSING_AUTHENTICATION_TOKEN": (
        404,
        "NotFoundException",
        "No such route or booking: check the method and path (a booking uid never contains a slash)",
    ),
    "REQUEST_TOO_LARGE": (413, "PayloadTooLargeException", "Request body too large"),
    "DEFAULT_4XX": (None, "BadRequestException", "msg"),
    "DEFAULT_5XX": (500, "InternalServerErrorException", "Internal server error"),
}


def render_gateway_template(template: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(0)
        assert name in CONTEXT_SAMPLES, f"unexpected context variable {name} in {template!r}"
        return CONTEXT_SAMPLES[name]

    return re.sub(r"\$context(?:\.[A-Za-z][A-Za-z0-9]*)+", sub, template)


def test_render_gateway_template_rejects_broken_json() -> None:
    # The helper must not hide a quoted messageString (which would yield ""msg"").
    bad = '{"message":"$context.error.messageString"}'
    with pytest.raises(json.JSONDecodeError):
        json.loads(render_gateway_template(bad))


@pytest.mark.parametrize("response_type", sorted(EXPECTED_GATEWAY_RESPONSES))
def test_gateway_response_uses_spec_envelope(resources: dict[str, Any], response_type: str) -> None:
    status, code, message = EXPECTED_GATEWAY_RESPONSES[response_type]
    responses = props(resources, "ReassignApi")["GatewayResponses"]
    assert response_type in responses
    response = responses[response_type]
    if status is None:
        assert "StatusCode" not in response, "DEFAULT_4XX must keep API Gateway's own status"
    else:
        assert int(response["StatusCode"]) == status
    assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/json'"
    templates = response["ResponseTemplates"]
    assert set(templates) == {"application/json"}

    template = templates["application/json"]
    # Nothing a caller can shape goes into the JSON unescaped; no stray space from YAML folding.
    assert "$context.path" not in template and "$context.identity" not in template
    assert ", " not in template and ": " not in template.replace(message, "")
    body = json.loads(render_gateway_template(template))
    unknown_route = response_type == "MISSING_AUTHENTICATION_TOKEN"
    assert body == {
        "status": "error",
        "timestamp": CONTEXT_SAMPLES["$context.requestTime"],
        "path": "/v2" if unknown_route else "/v2/bookings/{bookingUid}/reassign",
        "error": {"code": code, "message": message, "details": {}},
    }


def test_401_asks_for_a_bearer_token(resources: dict[str, Any]) -> None:
    headers = props(resources, "ReassignApi")["GatewayResponses"]["UNAUTHORIZED"]["ResponseParameters"][
        "Headers"
    ]
    assert headers["WWW-Authenticate"] == "'Bearer'"


def test_translated_api_secures_both_routes_with_request_authorizer(translated: dict[str, Any]) -> None:
    body = translated["Resources"]["ReassignApi"]["Properties"]["Body"]
    for path in ("/bookings/{bookingUid}/reassign", "/bookings/{bookingUid}/reassign/{userId}"):
        operation = body["paths"][path]["post"]
        assert operation["security"] == [{"TokenAuthorizer": []}]
        assert operation["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    schemes = body.get("components", {}).get("securitySchemes") or body["securityDefinitions"]
    authorizer = schemes["TokenAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    assert 0 < authorizer["authorizerResultTtlInSeconds"] <= 60

    gateway = body["x-amazon-apigateway-gateway-responses"]
    assert set(gateway) >= set(EXPECTED_GATEWAY_RESPONSES)
    for response in gateway.values():
        assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"

    stages = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert [s["Properties"]["StageName"] for s in stages] == ["v2"]
