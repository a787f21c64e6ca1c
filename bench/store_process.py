"""The benchmark's DynamoDB: moto in a process of its own (bench.store_server), so that its CPU
is never counted as the service's; started, emptied between sizes, and stopped."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

from bench import ROOT


@contextlib.contextmanager
def store_process() -> Iterator[str]:
    """moto DynamoDB in its own process; yields its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.store_server"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the DynamoDB store process did not start")
        yield url
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def reset_store(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
