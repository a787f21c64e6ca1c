"""Docker-free local tooling: template reader, embedded DynamoDB, local API gateway, local invoke.

The shared package (reassign_core) lives in a Lambda layer; on Lambda the layer puts it on the
path, here this does, so `python -m local.<tool>` works from a plain checkout.
"""

import sys
from pathlib import Path

_CORE = str(Path(__file__).resolve().parent.parent / "layers" / "core")
if _CORE not in sys.path:
    sys.path.insert(0, _CORE)
