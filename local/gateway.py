"""A Docker-free stand-in for `sam local start-api`, driven by template.yaml.

    python -m local.gateway [--port 3000] [--host 127.0.0.1] [--data FILE] [--endpoint-url URL]
                            [--template template.yaml]

Per request, as API Gateway (REST) does: match the stage and route (else the
MISSING_AUTHENTICATION_TOKEN response); check the authorizer's identity sources (else
UNAUTHORIZED without calling it); run the Lambda authorizer in-process, with its result cache
keyed on the identity sources, and evaluate its policy against the method ARN (ACCESS_DENIED,
or a 500 when it fails or answers garbage); build the REST v1 proxy event; run the function
in-process; turn its proxy result into the HTTP response (502 when it raised or answered
garbage). Gateway responses are rendered from the template's GatewayResponses.

The store is an embedded DynamoDB seeded with --data (default: the demo dataset), or the
DynamoDB at --endpoint-url (tables ensured; data loaded only when --data is given).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from fnmatch import fnmatchcase
from http import HTTPStatus
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from werkzeug.datastructures import Headers
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wsgi import get_input_stream

from local import event_sources
from local.cfn import ACCOUNT_ID, Api, Authorizer, Route, Template, load_template
from local.dynamo import EmbeddedDynamoDB, prepare_store, use_dummy_credentials
from local.invoke import DEMO_DATA, FunctionError, FunctionPool, apply_env, is_loopback

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
_PROXY_RESULT_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def format_request_time(epoch: float) -> str:
    """$context.requestTime: 24/Nov/2026:10:00:00 +0000 (English month, whatever the locale)."""
    t = time.gmtime(epoch)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{clock} +0000"


def render_template(template: str, variables: Mapping[str, str]) -> str:
    """Substitute $context.x / ${context.x} / $!{context.x}; unknown context variables render empty."""

    def replace(match: re.Match[str]) -> str:
        return variables.get(match.group(1) or match.group(2), "")

    pattern = r"\$!?\{(context(?:\.\w+)+)\}|\$!?(context(?:\.[A-Za-z_]\w*)+)"
    return re.sub(pattern, replace, template)


# ------------------------------------------------------------------ authorizer policies


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: `*` and `?` wildcards, applied per ARN component."""
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != len(arn_parts):
        return False
    return all(fnmatchcase(a, p.replace("[", "[[]")) for p, a in zip(pattern_parts, arn_parts, strict=True))


def _action_matches(actions: Any, wanted: str = "execute-api:Invoke") -> bool:
    items = [actions] if isinstance(actions, str) else actions
    return any(fnmatchcase(wanted.lower(), str(a).lower().replace("[", "[[]")) for a in items)


class PolicyError(ValueError):
    """The authorizer answered something API Gateway cannot use (-> 500)."""


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    statements: tuple[dict[str, Any], ...]
    context: dict[str, str]  # already as API Gateway passes it on: strings, nulls dropped

    @classmethod
    def parse(cls, raw: Any) -> AuthorizerResult:
        if not isinstance(raw, dict) or not isinstance(raw.get("principalId"), str | int):
            raise PolicyError("no principalId")
        document = raw.get("policyDocument")
        if not isinstance(document, dict) or "Statement" not in document:
            raise PolicyError("no policyDocument.Statement")
        statements = document["Statement"]
        statements = [statements] if isinstance(statements, dict) else statements
        for st in statements:
            if not isinstance(st, dict) or st.get("Effect") not in ("Allow", "Deny"):
                raise PolicyError("a statement without Effect Allow/Deny")
            if not isinstance(st.get("Action"), str | list) or not isinstance(st.get("Resource"), str | list):
                raise PolicyError("a statement without Action/Resource")
        context: dict[str, str] = {}
        for key, value in (raw.get("context") or {}).items():
            if isinstance(value, dict | list):
                raise PolicyError(f"context.{key} is not a string, number or boolean")
            if value is not None:
                context[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return cls(str(raw["principalId"]), tuple(statements), context)

    def decision(self, method_arn: str) -> str:
        """Allow, Deny (explicit) or None (nothing allows it): a Deny wins, as in IAM."""
        allowed = False
        for st in self.statements:
            resources = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
            if _action_matches(st["Action"]) and any(arn_matches(str(r), method_arn) for r in resources):
                if st["Effect"] == "Deny":
                    return "Deny"
                allowed = True
        return "Allow" if allowed else "None"


# ------------------------------------------------------------------ requests and responses


class Response(NamedTuple):
    status: int
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class _Request:
    method: str
    raw_path: str  # as sent, percent-encoding included, without the query string
    query: str
    headers: list[tuple[str, str]]  # as sent: original case, repeats kept
    body: bytes
    source_ip: str
    request_id: str
    epoch: float

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


class _GatewayError(Exception):
    """Answer with this gateway response instead of calling the integration."""

    def __init__(self, response_type: str, message: str | None) -> None:
        super().__init__(response_type)
        self.response_type = response_type
        self.message = message


def _header_maps(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # the last value wins, as in API Gateway's `headers`
        multi.setdefault(name, []).append(value)
    return single, multi


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class LocalApi:
    """The template's APIs, served in-process. Thread-safe: requests may run concurrently.

    Sets the functions' environment process-wide (see local.invoke.apply_env), with
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
        self.template = template or load_template(template_path)
        self.endpoint_url = endpoint_url
        self.clock = clock
        apply_env(self.template, endpoint_url)
        self.pools = {
            name: FunctionPool(function, self.template.region)
            for name, function in self.template.functions.items()
        }
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerResult]] = {}
        self._cache_lock = threading.Lock()
        if warm:
            self.warm()

    # -------------------------------------------------------------- public API

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
        with self._cache_lock:
            self._cache.clear()

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
        request = _Request(
            method.upper(), raw_path, query, pairs, data, source_ip, str(uuid.uuid4()), self.clock()
        )
        started = time.monotonic()
        response = self._dispatch(request)
        _log(
            f"{request.method} {raw_path} -> {response.status} ({(time.monotonic() - started) * 1000:.0f} ms)"
        )
        return response

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        headers = environ.get("local.raw_headers") or [
            (key[5:].replace("_", "-").title(), value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        response = self.handle(
            environ["REQUEST_METHOD"],
            raw_uri,
            headers,
            get_input_stream(environ).read(),
            environ.get("REMOTE_ADDR", "127.0.0.1"),
        )
        headers_out = Headers(response.headers)
        headers_out.set("Content-Length", str(len(response.body)))  # else HTTP/1.1 falls back to chunked
        start_response(f"{response.status} {_reason(response.status)}", list(headers_out.items()))
        return [response.body]

    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
        """Serve over real HTTP from a daemon thread: (base URL incl. the stage, stop function)."""
        server = make_server(host, port, self.wsgi, threaded=True, request_handler=_RequestHandler)
        thread = threading.Thread(target=server.serve_forever, name="local-gateway", daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return f"http://{host}:{server.server_port}/{self.default_api.stage}", stop

    # -------------------------------------------------------------- the request path

    def _dispatch(self, request: _Request) -> Response:
        segments = request.raw_path.split("/")[1:]
        api = next((a for a in self.template.apis.values() if segments and segments[0] == a.stage), None)
        resource = ""
        try:
            if api is None:
                raise _GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
            route, params = self._route(api, request.method, [unquote(s) for s in segments[1:]])
            resource = route.resource
            if len(request.body) > MAX_BODY_BYTES:
                raise _GatewayError("REQUEST_TOO_LARGE", "Request Too Long")
            event = self._proxy_event(api, route, params, request)
            if route.authorizer is not None:
                authorizer = api.authorizers[route.authorizer]
                method_arn = self._method_arn(api, request)
                event["requestContext"]["authorizer"] = self._authorize(
                    authorizer, method_arn, event, request
                )
        except _GatewayError as error:
            return self._gateway_response(api or self.default_api, error, request, resource)
        return self._integrate(route.function_id, event, request)

    def _route(self, api: Api, method: str, segments: list[str]) -> tuple[Route, dict[str, str]]:
        candidates = []
        for route in api.routes:
            params = route.match(segments)
            if params is not None and route.method in (method, "ANY"):
                candidates.append((route.specificity(), route.method == "ANY", route, params))
        if not candidates:  # unknown path, or a known one with another method: the same answer
            raise _GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        _, _, route, params = min(candidates, key=lambda c: (c[0], c[1]))
        return route, params

    def _api_id(self, api: Api) -> str:
        return hashlib.sha256(api.logical_id.encode()).hexdigest()[:10]

    def _method_arn(self, api: Api, request: _Request) -> str:
        resource_path = request.raw_path.split("/", 2)[2] if request.raw_path.count("/") >= 2 else ""
        return (
            f"arn:aws:execute-api:{self.template.region}:{ACCOUNT_ID}:{self._api_id(api)}/"
            f"{api.stage}/{request.method}/{resource_path}"
        )

    def _proxy_event(
        self, api: Api, route: Route, params: dict[str, str], request: _Request
    ) -> dict[str, Any]:
        """The REST v1 proxy event, field for field (requestContext.authorizer comes later)."""
        pairs = list(request.headers)
        present = {name.lower() for name, _ in pairs}
        for name, value in (("X-Forwarded-For", request.source_ip), ("X-Forwarded-Proto", "http")):
            if name.lower() not in present:
                pairs.append((name, value))
        headers, multi_headers = _header_maps(pairs)
        query, multi_query = _header_maps(parse_qsl(request.query, keep_blank_values=True))
        host = (request.header("Host") or "localhost").split(":")[0]
        path = unquote(request.raw_path[len(api.stage) + 1 :]) or "/"
        request_context = {
            "resourceId": hashlib.sha256(route.resource.encode()).hexdigest()[:6],
            "resourcePath": route.resource,
            "httpMethod": request.method,
            "extendedRequestId": request.request_id[:16],
            "requestTime": format_request_time(request.epoch),
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
            "apiId": self._api_id(api),
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

    def _authorize(
        self, authorizer: Authorizer, method_arn: str, event: dict[str, Any], request: _Request
    ) -> dict[str, Any]:
        """The requestContext.authorizer for an allowed request; raises _GatewayError otherwise."""
        identity = [request.header(h) or "" for h in authorizer.identity_headers]
        query = event["queryStringParameters"] or {}
        identity += [query.get(q, "") for q in authorizer.identity_query_strings]
        # With caching on, API Gateway refuses a request lacking an identity source itself.
        if authorizer.ttl_seconds > 0 and not all(identity):
            raise _GatewayError("UNAUTHORIZED", "Unauthorized")

        key = (authorizer.name, tuple(identity))
        now = self.clock()  # injectable, so tests can expire the cache
        with self._cache_lock:
            cached = self._cache.get(key)
        latency = 0
        if cached is not None and cached[0] > now:
            result = cached[1]
        else:
            started = time.monotonic()
            result = self._call_authorizer(authorizer, method_arn, event, request)
            latency = int((time.monotonic() - started) * 1000)
            if authorizer.ttl_seconds > 0:
                with self._cache_lock:
                    self._cache[key] = (now + authorizer.ttl_seconds, result)

        decision = result.decision(method_arn)  # a cached policy is judged against this request's ARN
        if decision == "Deny":
            raise _GatewayError(
                "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny"
            )
        if decision != "Allow":
            raise _GatewayError("ACCESS_DENIED", "User is not authorized to access this resource")
        return {**result.context, "principalId": result.principal_id, "integrationLatency": latency}

    def _call_authorizer(
        self, authorizer: Authorizer, method_arn: str, event: dict[str, Any], request: _Request
    ) -> AuthorizerResult:
        if authorizer.payload_type == "TOKEN":
            token = request.header(authorizer.identity_headers[0]) or ""
            auth_event: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": token,
                "methodArn": method_arn,
            }
        else:
            auth_event = {"type": "REQUEST", "methodArn": method_arn} | {
                k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")
            }
        try:
            raw = self.pools[authorizer.function_id].invoke(auth_event)
        except FunctionError as error:
            if error.error_message == "Unauthorized":
                raise _GatewayError("UNAUTHORIZED", "Unauthorized") from error
            _log(f"authorizer {authorizer.function_id} failed: {error.payload['errorType']}")
            _log("".join(error.payload["stackTrace"]))
            raise _GatewayError("AUTHORIZER_FAILURE", None) from error
        try:
            return AuthorizerResult.parse(raw)
        except PolicyError as error:
            _log(f"authorizer {authorizer.function_id} answered an unusable policy: {error}")
            raise _GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None) from error

    def _integrate(self, function_id: str, event: dict[str, Any], request: _Request) -> Response:
        try:
            result = self.pools[function_id].invoke(event, request.request_id)
        except FunctionError as error:
            _log(f"{function_id} raised {error.payload['errorType']}:")
            _log("".join(error.payload["stackTrace"]))
            return self._internal_error(request)
        response = _proxy_response(result)
        if response is None:
            _log(f"{function_id}: malformed Lambda proxy response: {json.dumps(result)[:500]}")
            return self._internal_error(request)
        status, headers, body = response
        headers.setdefault("Content-Type", "application/json")  # API Gateway's default
        headers.add("x-amzn-RequestId", request.request_id)
        return Response(status, headers, body)

    def _internal_error(self, request: _Request) -> Response:
        """A failed integration: 502 and API Gateway's fixed body (not a gateway response)."""
        headers = Headers(
            [
                ("Content-Type", "application/json"),
                ("x-amzn-RequestId", request.request_id),
                ("x-amzn-ErrorType", "InternalServerErrorException"),
            ]
        )
        return Response(502, headers, b'{"message": "Internal server error"}')

    def _gateway_response(
        self, api: Api, error: _GatewayError, request: _Request, route_resource: str
    ) -> Response:
        default_status, error_type = _RESPONSE_TYPES[error.response_type]
        specific = api.gateway_responses.get(error.response_type)
        fallback = api.gateway_responses.get("DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX")
        chosen = specific or fallback
        # A status set on DEFAULT_4XX/5XX applies to every response of its class without its own.
        status = (specific and specific.status_code) or (fallback and fallback.status_code) or default_status
        templates = (
            chosen.templates if chosen and chosen.templates else {"application/json": _DEFAULT_TEMPLATE}
        )
        content_type = "application/json" if "application/json" in templates else next(iter(templates))
        variables = {
            "context.requestId": request.request_id,
            "context.extendedRequestId": request.request_id[:16],
            "context.requestTime": format_request_time(request.epoch),
            "context.requestTimeEpoch": str(int(request.epoch * 1000)),
            "context.path": request.raw_path,
            "context.resourcePath": route_resource,
            "context.httpMethod": request.method,
            "context.stage": api.stage,
            "context.apiId": self._api_id(api),
            "context.accountId": ACCOUNT_ID,
            "context.identity.sourceIp": request.source_ip,
            "context.identity.userAgent": request.header("User-Agent") or "",
            "context.error.message": error.message or "",
            "context.error.messageString": json.dumps(error.message),  # a JSON literal: "..." or null
            "context.error.responseType": error.response_type,
        }
        headers = Headers([("Content-Type", content_type)])
        for name, expression in (chosen.headers if chosen else {}).items():
            value = self._mapping_value(expression, request)
            if value is not None:
                headers.set(name, value)
        headers.add("x-amzn-RequestId", request.request_id)
        headers.add("x-amzn-ErrorType", error_type)
        return Response(status, headers, render_template(templates[content_type], variables).encode())

    @staticmethod
    def _mapping_value(expression: str, request: _Request) -> str | None:
        """A gateway response header mapping: 'static' or method.request.header/querystring.X."""
        if len(expression) >= 2 and expression[0] == expression[-1] == "'":
            return expression[1:-1]
        if expression.startswith("method.request.header."):
            return request.header(expression.removeprefix("method.request.header."))
        if expression.startswith("method.request.querystring."):
            return dict(parse_qsl(request.query)).get(expression.removeprefix("method.request.querystring."))
        return None


def _proxy_response(result: Any) -> tuple[int, Headers, bytes] | None:
    """(status, headers, body) from a proxy integration result; None when API Gateway would 502."""
    if not isinstance(result, dict) or not set(result) <= _PROXY_RESULT_KEYS:
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


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _RequestHandler(WSGIRequestHandler):
    """Keeps the request's headers as sent (case, repeats, underscores) for the event."""

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        environ["local.raw_headers"] = [(name, value) for name, value in self.headers.items()]
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # LocalApi.handle logs each request (without its headers: they carry secrets)


# ------------------------------------------------------------------ CLI


def demo_hint(data: Path | None) -> tuple[str | None, str | None]:
    """(an API key, a booking uid worth reassigning) from a dataset file, for the start banner."""
    if data is None or not data.exists():
        return None, None
    dataset = json.loads(data.read_text(encoding="utf-8"))
    keys = dataset.get("apiKeys") or []
    round_robin = {
        e.get("id") for e in dataset.get("eventTypes") or [] if e.get("schedulingType") == "ROUND_ROBIN"
    }
    bookings = dataset.get("bookings") or []
    good = [
        b
        for b in bookings
        if b.get("eventTypeId") in round_robin and b.get("status", "ACCEPTED") == "ACCEPTED"
    ]
    booking = (good or bookings or [{}])[0]
    return (keys[0].get("key") if keys else None), booking.get("uid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.gateway", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--data", help="dataset file to load (default with the embedded store: the demo data)"
    )
    parser.add_argument(
        "--endpoint-url", help="use this DynamoDB (AWS, DynamoDB Local) instead of an embedded one"
    )
    parser.add_argument("--template", default="template.yaml")
    args = parser.parse_args(argv)

    template = load_template(args.template)
    with ExitStack() as stack:
        data = Path(args.data) if args.data else None
        endpoint_url = args.endpoint_url
        if endpoint_url is None:
            endpoint_url = stack.enter_context(EmbeddedDynamoDB()).endpoint_url
            data = data or DEMO_DATA
            store = f"embedded DynamoDB seeded with {data}"
        else:
            if is_loopback(endpoint_url):
                use_dummy_credentials()
            store = f"DynamoDB at {endpoint_url}" + (f", loaded with {data}" if data else "")
        prepare_store(template, endpoint_url, data)
        template = event_sources.start(stack, template, endpoint_url)  # stream and queue consumers
        api = LocalApi(args.template, endpoint_url, template=template)
        server = make_server(args.host, args.port, api.wsgi, threaded=True, request_handler=_RequestHandler)
        shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        base = f"http://{shown_host}:{server.server_port}"
        lines = [f"Local API (no Docker) on {base}/{api.default_api.stage}  -  store: {store}"]
        lines += [
            f"  {r.method:4} {base}/{r.stage}{r.resource}  ->  {r.function_id}" for r in template.routes()
        ]
        key, uid = demo_hint(data)
        if key:
            lines.append(f"Demo API key: {key}")
        if key and uid:
            lines.append("Try:")
            lines.append(
                f"  curl -s -X POST {base}/{api.default_api.stage}/bookings/{uid}/reassign "
                f'-H "Authorization: Bearer {key}" -H "cal-api-version: 2024-08-13"'
            )
        print("\n".join(lines), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
