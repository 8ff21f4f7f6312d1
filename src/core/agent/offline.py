"""browser-use, kept offline and quiet: no telemetry, cloud sync, version check or extension
download, no rewiring of our logging. Import browser_use only through `load()`."""

from __future__ import annotations

import os
from pathlib import Path

_SETTINGS = {
    "ANONYMIZED_TELEMETRY": "false",
    "BROWSER_USE_CLOUD_SYNC": "false",
    "BROWSER_USE_VERSION_CHECK": "false",
    "BROWSER_USE_CLOUD_HINTS": "false",
    "BROWSER_USE_SETUP_LOGGING": "false",
    "BROWSER_USE_DISABLE_EXTENSIONS": "1",
}


def quiet() -> None:
    """Set browser-use's switches before its first import (they are read at import time)."""
    for name, value in _SETTINGS.items():
        os.environ.setdefault(name, value)


def prepare(config_dir: Path) -> None:
    """Also keep its config files under our data dir instead of ~/.config."""
    quiet()
    os.environ.setdefault("BROWSER_USE_CONFIG_DIR", str(config_dir))
