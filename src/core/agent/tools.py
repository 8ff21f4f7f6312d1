"""The agent's own actions: they reuse the deterministic engine, so the model spends its
steps on navigation and choices, never on typing the buyer's data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autofactura.core.agent.secrets import redact
from autofactura.core.autofill.outcome import read_page

if TYPE_CHECKING:
    from autofactura.core.agent.engine import AgentRun

# browser-use's defaults that must not run here: `extract` sends raw page text to the
# model with no redaction; the file and script actions have no business on a portal.
EXCLUDED = [
    "search",
    "extract",
    "evaluate",
    "write_file",
    "replace_file",
    "read_file",
    "upload_file",
    "save_as_pdf",
    "screenshot",
]


def build_tools(run: AgentRun) -> Any:
    from browser_use import ActionResult, Tools

    tools: Tools[Any] = Tools(exclude_actions=EXCLUDED)

    @tools.action(
        "Fill every ticket and buyer field the current page shows (RFC, razón social, código "
        "postal, régimen, uso de CFDI, correo, folio, fecha, total…). No arguments needed."
    )
    async def fill_fiscal_data(note: str = "") -> ActionResult:
        filled = await run.fill_page()
        return ActionResult(extracted_content=f"Campos llenados en esta página: {filled}.")

    @tools.action("Read what the portal answered on the current page.")
    async def read_outcome(note: str = "") -> ActionResult:
        view = await run.portal.settled(quick=True)
        reading = read_page(view.text, view.alerts)
        if reading is None:
            return ActionResult(extracted_content="La página no muestra un resultado todavía.")
        message = redact(reading.message, run.secrets)
        return ActionResult(extracted_content=f"{reading.signal.value}: {message}")

    @tools.action(
        "Download the invoice the page shows (XML/PDF), verify it and finish the task. Use it "
        "only when the page shows the invoice or its download buttons."
    )
    async def capture_invoice(note: str = "") -> ActionResult:
        done = await run.capture()
        if done:
            return ActionResult(is_done=True, success=True, extracted_content="Factura obtenida.")
        return ActionResult(error="Esta página no ofrece la factura para descargar.")

    return tools
