"""The headers of every delivery attempt, signatures included.

Two signatures over the same raw body, so receivers written for either convention verify it:
- `X-Cal-Signature-256`: Cal.com's, the lowercase hex HMAC-SHA256 of the body keyed with the
  secret string exactly as given (a `whsec_` prefix included);
- Standard Webhooks 1.0: `webhook-signature` = `v1,` + base64 HMAC-SHA256 of
  `{webhook-id}.{webhook-timestamp}.{body}`, keyed as `standard_webhooks_key` says.
`webhook-id` and `webhook-timestamp` are sent even without a secret, so receivers can de-duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from reassign_core.webhooks.subscriptions import standard_webhooks_key

CAL_SIGNATURE = "X-Cal-Signature-256"
CAL_WEBHOOK_VERSION = "2021-10-20"


def cal_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhooks_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def delivery_headers(secret: str | None, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Cal-Webhook-Version": CAL_WEBHOOK_VERSION,
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret is not None:
        headers[CAL_SIGNATURE] = cal_signature(secret, body)
        headers["webhook-signature"] = standard_signature(secret, event_id, timestamp, body)
    return headers
