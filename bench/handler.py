"""The reassign function under test: its handler loaded from the source as Lambda loads it, called
with the API Gateway event of an auto reassignment, its logs and metrics sent to /dev/null."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from types import ModuleType
from typing import Any

from bench import ROOT
from local.lambda_runtime import LambdaContext


def _lambda_context() -> LambdaContext:
    return LambdaContext(
        function_name="ReassignFunction",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ReassignFunction",
        aws_request_id="bench",
        timeout_seconds=10,
    )


def auto_reassign_event(
    booking_uid: str, actor_id: int, route: str = "reassign", method: str = "POST"
) -> dict[str, Any]:
    """POST /bookings/{uid}/reassign (or another of the booking's routes: `route`, `method`) as API
    Gateway (REST, v1 proxy) sends it after the authorizer."""
    path = f"/bookings/{booking_uid}/{route}"
    headers = {"cal-api-version": "2024-08-13", "Content-Type": "application/json"}
    return {
        "resource": f"/bookings/{{bookingUid}}/{route}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"bookingUid": booking_uid},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": f"/bookings/{{bookingUid}}/{route}",
            "httpMethod": method,
            "path": f"/v2{path}",
            "stage": "v2",
            "requestId": f"bench-{booking_uid}",
            "accountId": "123456789012",
            "apiId": "bench",
            "identity": {"sourceIp": "127.0.0.1"},
            # The credential named as the authorizer names it: each request is counted (rate limit).
            "authorizer": {
                "userId": str(actor_id),
                "authMethod": "apiKey",
                "credentialId": f"bench-key-of-{actor_id}",
                "principalId": str(actor_id),
            },
        },
        "body": None,
        "isBase64Encoded": False,
    }


class Function:
    """The reassign handler, loaded from its source, its logs and metrics sent to /dev/null."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update(env)
        self._sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the benchmark
        with contextlib.redirect_stdout(self._sink):
            spec = importlib.util.spec_from_file_location(
                "bench_reassign_app", ROOT / "functions/reassign/app.py"
            )
            assert spec is not None and spec.loader is not None
            self.module: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.module)
        from reassign_core import runtime

        self.runtime = runtime

    def reassign(self, booking_uid: str, actor_id: int) -> dict[str, Any]:
        return self._call(auto_reassign_event(booking_uid, actor_id))

    def read(self, route: str, booking_uid: str, actor_id: int) -> dict[str, Any]:
        """GET one of the booking's read routes: `reassignment-candidates` or `reassignments`."""
        return self._call(auto_reassign_event(booking_uid, actor_id, route, "GET"))

    def _call(self, event: dict[str, Any]) -> dict[str, Any]:
        response = self._respond(event)
        if response.get("statusCode") != 200:
            status, body = response.get("statusCode"), response.get("body")
            raise RuntimeError(f"{event['httpMethod']} {event['path']} failed: {status} {body}")
        return json.loads(response["body"])

    def answer(self, booking_uid: str, actor_id: int) -> dict[str, Any]:
        """The handler's whole answer to an auto reassignment, whatever its status."""
        return self._respond(auto_reassign_event(booking_uid, actor_id))

    def _respond(self, event: dict[str, Any]) -> dict[str, Any]:
        with contextlib.redirect_stdout(self._sink):
            response: dict[str, Any] = self.module.lambda_handler(event, _lambda_context())
        return response


def patient(client: Any, read_timeout: float = 120.0) -> None:
    """Raise the service client's read timeout (2 s) for the benchmark only: the emulator answers one
    request at a time, so at 1000 hosts a BatchGetItem can wait seconds in its queue, which real
    DynamoDB (serving them in parallel) would not make it do. Retries and everything else unchanged."""
    from urllib3.util import Timeout

    session = client._endpoint.http_session
    session._timeout = Timeout(connect=session._timeout.connect_timeout, read=read_timeout)
    session._manager.connection_pool_kw["timeout"] = session._timeout
