"""python -m local.gateway: the local API over HTTP (see local.gateway.cli)."""

import sys

from local.gateway.cli import main

sys.exit(main())
