"""The body a receiver gets: the event object as JSON, or the webhook's payload template filled in.

A template is text in which every `{{path}}` is replaced by the value at that dotted path of the
event object (`{{triggerEvent}}`, `{{payload.newHost.name}}`, `{{payload.attendees.0.email}}`),
as raw text: strings unquoted, numbers as digits; a missing path (or null) becomes an empty string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def value_at(data: Any, path: str) -> Any:
    current = data
    for step in path.split("."):
        if isinstance(current, Mapping) and step in current:
            current = current[step]
        elif isinstance(current, list) and step.isdigit() and int(step) < len(current):
            current = current[int(step)]
        else:
            return None
    return current


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def fill_template(template: str, data: Mapping[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda match: _as_text(value_at(data, match.group(1))), template)


def render_body(event: Mapping[str, Any], template: str | None) -> bytes:
    if template is not None:
        return fill_template(template, event).encode("utf-8")
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
