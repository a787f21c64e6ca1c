"""The API version the versioned routes require (checked by rest_resolver before their input)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

SupportedVersion = Literal["2024-08-13"]
API_VERSION: str = get_args(SupportedVersion)[0]
HEADER = "cal-api-version"

# How a route declares the header, so that the OpenAPI document shows the one accepted value.
ApiVersion = Annotated[SupportedVersion, Header(alias=HEADER, description=f"Must be {API_VERSION}")]


def has_supported_version(event: BaseProxyEvent) -> bool:
    """Exactly one `cal-api-version` header, with the supported value (a repeated header is
    refused the same way, even when every copy is right: the request is ambiguous)."""
    values = [
        value
        for name, listed in (event.raw_event.get("multiValueHeaders") or {}).items()
        if name.lower() == HEADER
        for value in (listed or [])
    ]
    if len(values) > 1:
        return False
    return event.headers.get(HEADER) == API_VERSION  # header names are case-insensitive here
