"""The agent engine with a scripted chat model, plugged in with
AUTOFACTURA_EXTRA_ENGINES=tests.support.agents:scripted_agent. The ticket's folio picks
the script (its part after the last "-"); each task's model is kept in CHATS by folio so
a test can read every prompt it was sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.scripted_chat import ScriptedChat, done, index_of, step

from autofactura.core.agent.engine import AgentEngine
from autofactura.core.engine.run import TaskRun

CHATS: dict[str, ScriptedChat] = {}
# Filled by tests that need a URL only they know (a server outside the vendor's domain).
OUTSIDE: dict[str, str] = {}


def _click(text: str, goal: str) -> Callable[[str], dict[str, Any]]:
    return lambda prompt: step({"click": {"index": index_of(prompt, text)}}, goal=goal)


def _scripts(folio: str) -> list[Any]:
    kind = folio.rsplit("-", 1)[-1]
    if kind == "PROSA":  # the prose says: store tickets start with T → "Sucursal"
        return [
            _click("Sucursal", "El ticket empieza con T: compra en tienda"),
            step({"fill_fiscal_data": {}}, goal="Llenar los datos"),
            _click("Facturar", "Timbrar"),
            done("Listo"),
        ]
    if kind == "CLASICO":  # a one-page form: fill it, stamp it
        return [
            step({"fill_fiscal_data": {}}, goal="Llenar los datos"),
            _click("Facturar", "Timbrar"),
            done("Listo"),
        ]
    if kind == "FUERA":
        return [
            step({"navigate": {"url": OUTSIDE[folio], "new_tab": False}}, goal="Salir"),
            _click("Sucursal", "Seguir en el portal"),
            done("No pude", success=False),
        ]
    if kind == "ESPERA":
        return [step({"wait": {"seconds": 1}}, goal=f"Esperar {n}") for n in range(30)]
    return [done("Sin guion", success=False)]


def scripted_agent() -> AgentEngine:
    def chat(task_run: TaskRun) -> ScriptedChat:
        folio = str(task_run.ticket["folio"])
        CHATS[folio] = ScriptedChat(_scripts(folio))
        return CHATS[folio]

    return AgentEngine(chat)
