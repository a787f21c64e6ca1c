"""One exchange with the local API Gateway: the request as the client sent it, and the response."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from werkzeug.datastructures import Headers

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Response(NamedTuple):
    status: int
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Request:
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

    @property
    def request_time(self) -> str:
        return format_request_time(self.epoch)


class GatewayError(Exception):
    """Answer with this gateway response (see responses) instead of calling the integration."""

    def __init__(self, response_type: str, message: str | None) -> None:
        super().__init__(response_type)
        self.response_type = response_type
        self.message = message


def format_request_time(epoch: float) -> str:
    """$context.requestTime: 24/Nov/2026:10:00:00 +0000 (English month, whatever the locale)."""
    t = time.gmtime(epoch)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{clock} +0000"


def header_maps(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's `headers` (the last value wins) and `multiValueHeaders` of name/value pairs."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
