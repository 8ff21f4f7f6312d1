"""The engine chain for a task: preflight, then any extra engines (dotted `module:factory`
paths in AUTOFACTURA_EXTRA_ENGINES), then the built-in ones named in AUTOFACTURA_ENGINES."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from autofactura.core.config import Settings
from autofactura.core.engine.preflight import PreflightEngine
from autofactura.core.engine.protocol import Engine

BUILT_IN = {"autofill": "autofactura.core.autofill.engine:AutofillEngine"}


def _load(path: str) -> Engine:
    module_name, _, attribute = path.partition(":")
    factory: Callable[[], Engine] = getattr(importlib.import_module(module_name), attribute)
    return factory()


def build_chain(settings: Settings) -> list[Engine]:
    extra = [_load(path) for path in settings.extra_engine_list]
    built_in = [_load(BUILT_IN[name]) for name in settings.engine_list]
    return [PreflightEngine(), *extra, *built_in]
