"""Lambda authorizers as API Gateway runs them: the identity sources checked, the authorizer function
called (TOKEN or REQUEST payload), its answer cached per identity for ReauthorizeEvery seconds, and
its policy judged against each request's method ARN as IAM would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from local.cfn import Authorizer
from local.gateway.exchange import GatewayError, Request, log
from local.lambda_runtime import FunctionError, FunctionPool


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


class Authorizers:
    """Runs the template's Lambda authorizers, with API Gateway's result cache. Thread-safe."""

    def __init__(self, pools: Mapping[str, FunctionPool], clock: Callable[[], float]) -> None:
        self.pools = pools
        self.clock = clock  # injectable, so tests can expire the cache
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerResult]] = {}
        self._cache_lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def authorize(
        self, authorizer: Authorizer, method_arn: str, event: dict[str, Any], request: Request
    ) -> dict[str, Any]:
        """The requestContext.authorizer for an allowed request; raises GatewayError otherwise."""
        identity = [request.header(h) or "" for h in authorizer.identity_headers]
        query = event["queryStringParameters"] or {}
        identity += [query.get(q, "") for q in authorizer.identity_query_strings]
        # With caching on, API Gateway refuses a request lacking an identity source itself.
        if authorizer.ttl_seconds > 0 and not all(identity):
            raise GatewayError("UNAUTHORIZED", "Unauthorized")

        key = (authorizer.name, tuple(identity))
        now = self.clock()
        with self._cache_lock:
            cached = self._cache.get(key)
        latency = 0
        if cached is not None and cached[0] > now:
            result = cached[1]
        else:
            started = time.monotonic()
            result = self._call(authorizer, method_arn, event, request)
            latency = int((time.monotonic() - started) * 1000)
            if authorizer.ttl_seconds > 0:
                with self._cache_lock:
                    self._cache[key] = (now + authorizer.ttl_seconds, result)

        decision = result.decision(method_arn)  # a cached policy is judged against this request's ARN
        if decision == "Deny":
            raise GatewayError(
                "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny"
            )
        if decision != "Allow":
            raise GatewayError("ACCESS_DENIED", "User is not authorized to access this resource")
        return {**result.context, "principalId": result.principal_id, "integrationLatency": latency}

    def _call(
        self, authorizer: Authorizer, method_arn: str, event: dict[str, Any], request: Request
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
                raise GatewayError("UNAUTHORIZED", "Unauthorized") from error
            log(f"authorizer {authorizer.function_id} failed: {error.payload['errorType']}")
            log("".join(error.payload["stackTrace"]))
            raise GatewayError("AUTHORIZER_FAILURE", None) from error
        try:
            return AuthorizerResult.parse(raw)
        except PolicyError as error:
            log(f"authorizer {authorizer.function_id} answered an unusable policy: {error}")
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None) from error
