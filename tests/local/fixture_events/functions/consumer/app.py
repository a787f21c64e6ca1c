"""Toy consumers: log every batch (to the file EVENT_LOG names) and fail as each record asks."""

from __future__ import annotations

import json
import os
from typing import Any


def _log(kind: str, names: list[str]) -> None:
    with open(os.environ["EVENT_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"kind": kind, "names": names}) + "\n")


def stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    images = [r["dynamodb"]["NewImage"] for r in event["Records"]]
    names = [i["PK"]["S"] for i in images]
    _log("stream", names)
    if any(i.get("fail", {}).get("S") == "raise" for i in images):
        raise RuntimeError("asked to fail")
    failed = [
        r["dynamodb"]["SequenceNumber"]
        for r, i in zip(event["Records"], images, strict=True)
        if i.get("fail", {}).get("S") == "report"
    ]
    return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}


def queue(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bodies = [r["body"] for r in event["Records"]]
    _log("queue", bodies)
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"
        ]
    }
