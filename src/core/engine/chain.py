"""The engine chain for a task. Engines land in later issues; extra engines can be plugged
in with AUTOFACTURA_EXTRA_ENGINES (dotted `module:factory` paths, comma-separated)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from autofactura.core.config import Settings
from autofactura.core.engine.protocol import Engine


def _load(path: str) -> Engine:
    module_name, _, attribute = path.partition(":")
    factory: Callable[[], Engine] = getattr(importlib.import_module(module_name), attribute)
    return factory()


def build_chain(settings: Settings) -> list[Engine]:
    return [_load(path) for path in settings.extra_engine_list]
