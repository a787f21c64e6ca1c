"""Docker-free local tooling, one job per module:

    cfn/            reading template.yaml: short tags, intrinsic functions, the resolved model, tables
    dynamo          the embedded DynamoDB (moto, served on 127.0.0.1)
    store_setup     the store a tool runs against: embedded and seeded, or a DynamoDB at a URL
    lambda_runtime  a template's function run in-process, as Lambda runs it
    gateway/        API Gateway (REST) emulation: routing, proxy events, authorizers, gateway responses
    http_server     a request handler served over HTTP
    invoke          `python -m local.invoke` (make invoke)
    openapi         docs/openapi.json from the reassign function's routes (make openapi)

A runner of the template's event sources (streams, queues) belongs beside gateway/, on lambda_runtime.

The shared package (reassign_core) lives in a Lambda layer; on Lambda the layer puts it on the
path, here this does, so `python -m local.<tool>` works from a plain checkout.
"""

import sys
from pathlib import Path

_CORE = str(Path(__file__).resolve().parent.parent / "layers" / "core")
if _CORE not in sys.path:
    sys.path.insert(0, _CORE)
