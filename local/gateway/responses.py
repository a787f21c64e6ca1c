"""API Gateway's own answers: the template's gateway responses (status, headers, body template with
$context variables) for a request refused before its integration, and the fixed 502 of an
integration that failed."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers

from local.cfn import ACCOUNT_ID, Api
from local.gateway.exchange import GatewayError, Request, Response
from local.gateway.routing import api_id

# Gateway response type -> (default status, x-amzn-ErrorType), for the types raised locally.
_RESPONSE_TYPES: dict[str, tuple[int, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "MissingAuthenticationTokenException"),
    "UNAUTHORIZED": (401, "UnauthorizedException"),
    "ACCESS_DENIED": (403, "AccessDeniedException"),
    "AUTHORIZER_FAILURE": (500, "AuthorizerConfigurationException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "AuthorizerConfigurationException"),
    "REQUEST_TOO_LARGE": (413, "RequestTooLargeException"),
}
_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'  # API Gateway's own default


def render_template(template: str, variables: Mapping[str, str]) -> str:
    """Substitute $context.x / ${context.x} / $!{context.x}; unknown context variables render empty."""

    def replace(match: re.Match[str]) -> str:
        return variables.get(match.group(1) or match.group(2), "")

    pattern = r"\$!?\{(context(?:\.\w+)+)\}|\$!?(context(?:\.[A-Za-z_]\w*)+)"
    return re.sub(pattern, replace, template)


def gateway_response(api: Api, error: GatewayError, request: Request, route_resource: str) -> Response:
    default_status, error_type = _RESPONSE_TYPES[error.response_type]
    specific = api.gateway_responses.get(error.response_type)
    fallback = api.gateway_responses.get("DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX")
    chosen = specific or fallback
    # A status set on DEFAULT_4XX/5XX applies to every response of its class without its own.
    status = (specific and specific.status_code) or (fallback and fallback.status_code) or default_status
    templates = chosen.templates if chosen and chosen.templates else {"application/json": _DEFAULT_TEMPLATE}
    content_type = "application/json" if "application/json" in templates else next(iter(templates))
    variables = {
        "context.requestId": request.request_id,
        "context.extendedRequestId": request.request_id[:16],
        "context.requestTime": request.request_time,
        "context.requestTimeEpoch": str(int(request.epoch * 1000)),
        "context.path": request.raw_path,
        "context.resourcePath": route_resource,
        "context.httpMethod": request.method,
        "context.stage": api.stage,
        "context.apiId": api_id(api),
        "context.accountId": ACCOUNT_ID,
        "context.identity.sourceIp": request.source_ip,
        "context.identity.userAgent": request.header("User-Agent") or "",
        "context.error.message": error.message or "",
        "context.error.messageString": json.dumps(error.message),  # a JSON literal: "..." or null
        "context.error.responseType": error.response_type,
    }
    headers = Headers([("Content-Type", content_type)])
    for name, expression in (chosen.headers if chosen else {}).items():
        value = _mapping_value(expression, request)
        if value is not None:
            headers.set(name, value)
    headers.add("x-amzn-RequestId", request.request_id)
    headers.add("x-amzn-ErrorType", error_type)
    return Response(status, headers, render_template(templates[content_type], variables).encode())


def integration_failure(request: Request) -> Response:
    """A failed integration: 502 and API Gateway's fixed body (not a gateway response)."""
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request.request_id),
            ("x-amzn-ErrorType", "InternalServerErrorException"),
        ]
    )
    return Response(502, headers, b'{"message": "Internal server error"}')


def _mapping_value(expression: str, request: Request) -> str | None:
    """A gateway response header mapping: 'static' or method.request.header/querystring.X."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith("method.request.header."):
        return request.header(expression.removeprefix("method.request.header."))
    if expression.startswith("method.request.querystring."):
        return dict(parse_qsl(request.query)).get(expression.removeprefix("method.request.querystring."))
    return None
