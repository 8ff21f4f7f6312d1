"""`autofactura worker`'s parent process: dramatiq's own supervisor (restarts, signals),
logging through our handler like every other process (run with --skip-logging)."""

from __future__ import annotations

import sys

from dramatiq.cli import main

from autofactura.core.config import load_settings
from autofactura.core.observability.logs import configure_logging

if __name__ == "__main__":
    configure_logging(load_settings())
    sys.exit(main())  # type: ignore[no-untyped-call]  # dramatiq ships no annotations here
