"""One OS process of the cross-process race: a thread pool of direct invocations of the real handler.

    python -m tests.concurrency.race_worker RESULT.json READY_FILE GO_FILE THREADS PER_THREAD OFFSET UID...

The store is the parent's embedded DynamoDB (DYNAMODB_ENDPOINT_URL and table names come from the
environment). It signals READY_FILE once imported and waits for GO_FILE, so both processes start
racing at the same moment; each answer is written to RESULT.json as [uid, answer].
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers" / "core"), str(ROOT)]

from reassign_core import runtime  # noqa: E402
from tests.concurrency.harness import patient_service  # noqa: E402
from tests.factories import LambdaContext  # noqa: E402


def main(argv: list[str]) -> int:
    result, ready, go = (Path(a) for a in argv[:3])
    threads, per_thread, offset = (int(a) for a in argv[3:6])
    uids = argv[6:]
    spec = importlib.util.spec_from_file_location("reassign_app", ROOT / "functions" / "reassign" / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    service, _ = patient_service(os.environ["DYNAMODB_ENDPOINT_URL"])
    runtime.reassign_service = lambda: service  # see patient_service: the races are under test

    def worker(index: int) -> list[tuple[str, dict]]:
        done = []
        for step in range(per_thread):
            uid = uids[(offset + index + step) % len(uids)]
            done.append((uid, app.lambda_handler({"bookingUid": uid, "actorUserId": 1}, LambdaContext())))
        return done

    ready.touch()
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            return 2
        time.sleep(0.005)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        answers = [a for batch in pool.map(worker, range(threads)) for a in batch]
    result.write_text(json.dumps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
