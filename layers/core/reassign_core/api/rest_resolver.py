"""The REST resolver a function routes with: a request is checked in the order the API promises
(its API version first, then its input's shape, a body read as JSON only), and every error is
answered with the error envelope (see http_errors)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType

from reassign_core.api.api_version import has_supported_version
from reassign_core.api.http_errors import BODY_BEYOND_LIMITS, register_error_handlers
from reassign_core.domain.errors import InvalidRequest, ReassignError, UnsupportedApiVersion

JSON = "application/json"


def is_json_content_type(content_type: str) -> bool:
    """`application/json` in any case, with parameters (charset) or none. Other types, `+json`
    ones included, are not read: the API documents one body type."""
    return content_type.split(";", 1)[0].strip().lower() == JSON


class _RequestChecks(OpenAPIRequestValidationMiddleware):
    """Powertools' validation of a route's declared input, with the API version checked before it
    and a body taken as JSON only (Powertools would also read form and multipart bodies, and a
    multipart type without a boundary would escape it as a bare ValueError)."""

    def __init__(self, versioned: bool) -> None:
        super().__init__()
        self.versioned = versioned

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response:
        if self.versioned and not has_supported_version(app.current_event):
            raise UnsupportedApiVersion
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> dict[str, Any]:  # only called for routes that take a body
        content_type = app.current_event.headers.get("content-type", "").strip()
        if content_type and not is_json_content_type(content_type):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": "not JSON"}],
            )
        try:
            body: dict[str, Any] = self._parse_json_data(app)
        except (RecursionError, ValueError):  # nested too deeply; an integer past Python's 4,300 digits
            raise InvalidRequest(BODY_BEYOND_LIMITS) from None
        return body


def no_store(app: Any, next_middleware: NextMiddleware) -> Response:
    """Route middleware for answers that carry e-mail addresses: no cache along the way keeps them."""
    response = next_middleware(app)
    response.headers["Cache-Control"] = "no-store"
    return response


class _ExactRoutes(APIGatewayRestResolver):
    """Routes match the whole path: Powertools ends its patterns with `$`, which also matches before
    a final newline, so `/webhooks/%0A` would reach the `/webhooks` route."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = r"^{}/*\Z") -> re.Pattern[str]:
        compiled: re.Pattern[str] = ApiGatewayResolver._compile_regex(rule, base_regex)
        return re.compile(compiled.pattern, re.DOTALL) if rule == ".*" else compiled  # the catch-all


def rest_resolver(
    logger: Logger,
    *,
    versioned: bool,
    error_headers: Mapping[str, str] | None = None,
    unmatched: Callable[[str, str], ReassignError | None] | None = None,
) -> APIGatewayRestResolver:
    """A resolver whose routes' input is validated from their declarations.

    versioned: every route requires the `cal-api-version` header (and declares it as
    `cal_api_version: ApiVersion`, for the OpenAPI document); a wrong or missing one is the
    only problem reported, whatever else is wrong with the request.
    unmatched: see register_error_handlers.
    """
    app = _ExactRoutes(enable_validation=True)
    # Powertools runs this middleware first on every route, before any middleware of ours.
    if not isinstance(
        getattr(app, "_request_validation_middleware", None), OpenAPIRequestValidationMiddleware
    ):
        raise RuntimeError("this Powertools version validates requests elsewhere: update rest_resolver")
    app._request_validation_middleware = _RequestChecks(versioned)
    register_error_handlers(app, logger, error_headers, unmatched)
    return app
