"""The Lambda proxy integration (REST, payload 1.0): the event API Gateway sends the function, field
for field, and the HTTP response it makes of the function's result."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.datastructures import Headers

from local.cfn import ACCOUNT_ID, Api, Route
from local.gateway.exchange import Request, header_maps
from local.gateway.routing import api_id

_RESULT_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def proxy_event(api: Api, route: Route, params: dict[str, str], request: Request) -> dict[str, Any]:
    """The event for this request (requestContext.authorizer is added once an authorizer allowed it)."""
    pairs = list(request.headers)
    present = {name.lower() for name, _ in pairs}
    for name, value in (("X-Forwarded-For", request.source_ip), ("X-Forwarded-Proto", "http")):
        if name.lower() not in present:
            pairs.append((name, value))
    headers, multi_headers = header_maps(pairs)
    query, multi_query = header_maps(parse_qsl(request.query, keep_blank_values=True))
    host = (request.header("Host") or "localhost").split(":")[0]
    path = unquote(request.raw_path[len(api.stage) + 1 :]) or "/"
    request_context = {
        "resourceId": hashlib.sha256(route.resource.encode()).hexdigest()[:6],
        "resourcePath": route.resource,
        "httpMethod": request.method,
        "extendedRequestId": request.request_id[:16],
        "requestTime": request.request_time,
        "path": f"/{api.stage}{path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": api.stage,
        "domainPrefix": host.split(".")[0],
        "requestTimeEpoch": int(request.epoch * 1000),
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": api_id(api),
    }
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": request.body.decode("utf-8", "replace") if request.body else None,
        "isBase64Encoded": False,
    }


def proxy_response(result: Any) -> tuple[int, Headers, bytes] | None:
    """(status, headers, body) from a proxy integration result; None when API Gateway would 502."""
    if not isinstance(result, dict) or not set(result) <= _RESULT_KEYS:
        return None
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        return None
    if any(isinstance(v, dict | list) for v in single.values()):
        return None
    if any(not isinstance(v, list) for v in multi.values()):
        return None
    headers = Headers()
    # Both given: merged; for a name in both, multiValueHeaders wins.
    for name, values in multi.items():
        for value in values:
            headers.add(name, _scalar(value))
    for name, value in single.items():
        if name not in multi and value is not None:
            headers.add(name, _scalar(value))
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        return None
    data = (body or "").encode()
    if result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            return None
    return status, headers, data


def _scalar(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
