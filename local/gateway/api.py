"""The template's APIs served in-process, one request at a time or many at once.

Per request, as API Gateway (REST) does: match the stage and route (else the
MISSING_AUTHENTICATION_TOKEN response); check the authorizer's identity sources (else
UNAUTHORIZED without calling it); run the Lambda authorizer in-process, with its result cache
keyed on the identity sources, and evaluate its policy against the method ARN (ACCESS_DENIED,
or a 500 when it fails or answers garbage); build the REST v1 proxy event; run the function
in-process; turn its proxy result into the HTTP response (502 when it raised or answered
garbage). Gateway responses are rendered from the template's GatewayResponses.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from local import http_server
from local.cfn import Api, Template, load_template
from local.gateway.authorizer import Authorizers
from local.gateway.exchange import GatewayError, Request, Response, log
from local.gateway.proxy import proxy_event, proxy_response
from local.gateway.responses import gateway_response, integration_failure
from local.gateway.routing import method_arn, route_request
from local.lambda_runtime import FunctionError, FunctionPool, apply_env, caller_settings_only
from local.sync_secret import use_local_sync_secret

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class LocalApi:
    """The template's APIs, served in-process. Thread-safe: requests may run concurrently.

    Sets the functions' environment process-wide (see local.lambda_runtime.apply_env), with
    DYNAMODB_ENDPOINT_URL=endpoint_url (None: the default AWS endpoint), and loads every
    function once (warm=False: on first use).
    """

    def __init__(
        self,
        template_path: str | Path = "template.yaml",
        endpoint_url: str | None = None,
        *,
        template: Template | None = None,
        clock: Callable[[], float] = time.time,
        warm: bool = True,
    ) -> None:
        self.template = caller_settings_only(template or load_template(template_path))
        self.endpoint_url = endpoint_url
        self.clock = clock
        apply_env(self.template, endpoint_url)
        use_local_sync_secret()  # deployed, the sync function reads its secret from Secrets Manager
        self.pools = {
            name: FunctionPool(function, self.template.region)
            for name, function in self.template.functions.items()
        }
        self.authorizers = Authorizers(self.pools, clock)
        if warm:
            self.warm()

    @property
    def default_api(self) -> Api:
        return next(iter(self.template.apis.values()))

    def warm(self) -> None:
        """Load every function once: import errors show at start, not on the first request.

        Integration functions first: modules they share with the authorizer (the core layer)
        are imported once per process, and module-level state there (a Powertools child
        logger binds to the service named in the environment at import) should be theirs.
        """
        integrations = [r.function_id for r in self.template.routes()]
        for name in sorted(self.pools, key=lambda n: n not in integrations):
            self.pools[name].warm()

    def clear_authorizer_cache(self) -> None:
        self.authorizers.clear_cache()

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: str | bytes | None = None,
        source_ip: str = "127.0.0.1",
    ) -> Response:
        """One request, e.g. handle("POST", "/v2/bookings/b-1/reassign?x=1", {...}) -> Response."""
        raw_path, _, query = path.partition("?")
        raw_path = raw_path if raw_path.startswith("/") else "/" + raw_path
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        data = body.encode() if isinstance(body, str) else body or b""
        request = Request(
            method.upper(), raw_path, query, pairs, data, source_ip, str(uuid.uuid4()), self.clock()
        )
        started = time.monotonic()
        response = self._dispatch(request)
        log(
            f"{request.method} {raw_path} -> {response.status} ({(time.monotonic() - started) * 1000:.0f} ms)"
        )
        return response

    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
        """Serve over real HTTP from a daemon thread: (base URL incl. the stage, stop function)."""
        base, stop = http_server.serve_in_thread(self.handle, host, port)
        return f"{base}/{self.default_api.stage}", stop

    # -------------------------------------------------------------- the request path

    def _dispatch(self, request: Request) -> Response:
        segments = request.raw_path.split("/")[1:]
        api = next((a for a in self.template.apis.values() if segments and segments[0] == a.stage), None)
        resource = ""
        try:
            if api is None:
                raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
            route, params = route_request(api, request.method, [unquote(s) for s in segments[1:]])
            resource = route.resource
            if len(request.body) > MAX_BODY_BYTES:
                raise GatewayError("REQUEST_TOO_LARGE", "Request Too Long")
            event = proxy_event(api, route, params, request)
            if route.authorizer is not None:
                authorizer = api.authorizers[route.authorizer]
                arn = method_arn(self.template.region, api, request)
                event["requestContext"]["authorizer"] = self.authorizers.authorize(
                    authorizer, arn, event, request
                )
        except GatewayError as error:
            return gateway_response(api or self.default_api, error, request, resource)
        return self._integrate(route.function_id, event, request)

    def _integrate(self, function_id: str, event: dict[str, Any], request: Request) -> Response:
        try:
            result = self.pools[function_id].invoke(event, request.request_id)
        except FunctionError as error:
            log(f"{function_id} raised {error.payload['errorType']}:")
            log("".join(error.payload["stackTrace"]))
            return integration_failure(request)
        response = proxy_response(result)
        if response is None:
            log(f"{function_id}: malformed Lambda proxy response: {json.dumps(result)[:500]}")
            return integration_failure(request)
        status, headers, body = response
        headers.setdefault("Content-Type", "application/json")  # API Gateway's default
        headers.add("x-amzn-RequestId", request.request_id)
        return Response(status, headers, body)
