"""Cal.com's webhook signature: hex HMAC-SHA256 of the raw body with the subscription's secret."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def is_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Compared in constant time; a missing or empty signature is never valid."""
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())
