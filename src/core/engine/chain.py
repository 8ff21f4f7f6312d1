"""The engine chain for a task: preflight, the built-in engines named in
AUTOFACTURA_ENGINES (the agent only when an LLM is configured), then any extra engines
(dotted `module:factory` paths in AUTOFACTURA_EXTRA_ENGINES). After the last one, the
buyer: an engine that is last asks them instead of giving up."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from autofactura.core.agent.llm import configured
from autofactura.core.config import Settings
from autofactura.core.engine.preflight import PreflightEngine
from autofactura.core.engine.protocol import Engine

BUILT_IN = {
    "playbook": "autofactura.core.playbooks.replay:PlaybookEngine",
    "autofill": "autofactura.core.autofill.engine:AutofillEngine",
    "agent": "autofactura.core.agent.engine:AgentEngine",
}


def _load(path: str) -> Engine:
    module_name, _, attribute = path.partition(":")
    factory: Callable[[], Engine] = getattr(importlib.import_module(module_name), attribute)
    return factory()


def build_chain(settings: Settings) -> list[Engine]:
    names = [n for n in settings.engine_list if n != "agent" or configured(settings)]
    built_in = [_load(BUILT_IN[name]) for name in names]
    extra = [_load(path) for path in settings.extra_engine_list]
    return [PreflightEngine(), *built_in, *extra]
