"""Assertions shared by the tests of the function's answers."""

from __future__ import annotations

from typing import Any


def assert_error(
    body: dict[str, Any], code: str, message: str | None = None, path: str | None = None
) -> None:
    """body is the error envelope, with this code (and message and path, when given)."""
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert set(body) == {"status", "timestamp", "path", "error"}
    assert body["timestamp"].endswith("Z")
    if message is not None:
        assert body["error"]["message"] == message
    if path is not None:
        assert body["path"] == path
