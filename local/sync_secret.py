"""The Cal.com webhook secret the local tools give the sync function (deployed, it comes from
Secrets Manager): CALCOM_SYNC_SECRET when set, else a fixed demo secret."""

from __future__ import annotations

import os

DEMO_SYNC_SECRET = "local-demo-calcom-sync-secret"  # noqa: S105 - a fixed local secret, by design


def use_local_sync_secret() -> tuple[str, str]:
    """Set CALCOM_SYNC_SECRET for this process (the sync function reads it); (secret, its source)."""
    chosen = os.environ.get("CALCOM_SYNC_SECRET")
    os.environ["CALCOM_SYNC_SECRET"] = chosen or DEMO_SYNC_SECRET
    source = "from CALCOM_SYNC_SECRET" if chosen else "demo secret; set CALCOM_SYNC_SECRET to choose one"
    return os.environ["CALCOM_SYNC_SECRET"], source
