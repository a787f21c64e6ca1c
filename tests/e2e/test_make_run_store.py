"""`make run` prints its embedded DynamoDB's endpoint, and the load command it prints there loads a
file into the store the running API serves (README, Your own data)."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT
from tests.factories import API_VERSION, OWNER_KEY, base_dataset

STARTUP_SECONDS = 90


@pytest.fixture
def running_api() -> Iterator[list[str]]:
    """`python -m local.gateway` as `make run` starts it (embedded store, demo data, port of its
    own); yields the banner's lines."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'core'}:{ROOT}", "PYTHONUNBUFFERED": "1"}
    env.pop("DYNAMODB_ENDPOINT_URL", None)  # the test session's store is not this one
    process = subprocess.Popen(
        [sys.executable, "-m", "local.gateway", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    output = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in output], daemon=True).start()
    banner: list[str] = []
    try:
        while not banner or not banner[-1].startswith("Embedded DynamoDB:"):
            banner.append(lines.get(timeout=STARTUP_SECONDS).rstrip("\n"))
        yield banner
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_printed_load_command_loads_into_the_running_api(running_api: list[str], tmp_path: Path) -> None:
    api = re.search(r"Local API \(no Docker\) on (http://127\.0\.0\.1:\d+/v2)", "\n".join(running_api))
    store_line = running_api[-1]
    printed = re.fullmatch(
        r"Embedded DynamoDB: (http://127\.0\.0\.1:\d+)  "
        r"\(load into it: make load DATA=file\.json ENDPOINT=(\S+)\)",
        store_line,
    )
    assert api and printed, running_api
    assert printed.group(1) == printed.group(2)

    data = tmp_path / "mine.json"
    data.write_text(json.dumps(base_dataset()))
    loaded = subprocess.run(
        ["make", "--no-print-directory", "load", f"DATA={data}", f"ENDPOINT={printed.group(2)}"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},  # no AWS_* variables
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]

    # The file's own key and booking now answer through the running API.
    answer = requests.get(
        f"{api.group(1)}/bookings/b-1/reassignment-candidates",
        headers={"Authorization": f"Bearer {OWNER_KEY}", "cal-api-version": API_VERSION},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["bookingUid"] == "b-1"
