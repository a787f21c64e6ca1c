"""API Gateway's routing: a request's stage and resource path to one of the template's routes, and
the ARN of the method it invokes (what an authorizer's policy is judged against)."""

from __future__ import annotations

import hashlib

from local.cfn import ACCOUNT_ID, Api, Route
from local.gateway.exchange import GatewayError, Request


def api_id(api: Api) -> str:
    """A stable stand-in for the API's generated id."""
    return hashlib.sha256(api.logical_id.encode()).hexdigest()[:10]


def route_request(api: Api, method: str, segments: list[str]) -> tuple[Route, dict[str, str]]:
    """The route for these (decoded) path segments below the stage, and its path parameters."""
    candidates = []
    for route in api.routes:
        params = route.match(segments)
        if params is not None and route.method in (method, "ANY"):
            candidates.append((route.specificity(), route.method == "ANY", route, params))
    if not candidates:  # unknown path, or a known one with another method: the same answer
        raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
    _, _, route, params = min(candidates, key=lambda c: (c[0], c[1]))
    return route, params


def method_arn(region: str, api: Api, request: Request) -> str:
    resource_path = request.raw_path.split("/", 2)[2] if request.raw_path.count("/") >= 2 else ""
    return (
        f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api_id(api)}/"
        f"{api.stage}/{request.method}/{resource_path}"
    )
