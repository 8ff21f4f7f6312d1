"""The end of a portal run: take the invoice files, check that the CFDI is this buyer's
and this ticket's, keep it, and end the task COMPLETED or FAILED/INVOICE_MISMATCH."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.async_api import Page

from autofactura.core.autofill.capture import capture
from autofactura.core.autofill.outcome import Reading, Signal
from autofactura.core.autofill.scan import PageView
from autofactura.core.cfdi.files import InvoiceFile
from autofactura.core.cfdi.parse import Cfdi, NotACfdi, parse_cfdi
from autofactura.core.cfdi.verify import Expected, mismatch_reason, verify
from autofactura.core.engine.run import TaskRun
from autofactura.core.tasks.status import FailureCode

if TYPE_CHECKING:
    from autofactura.core.autofill.engine import _Drive

EMAILED = "El portal envió la factura a tu correo; no mostró archivos para descargar."
NO_FILES = "El portal dijo que la factura está lista, pero no pudimos descargar el XML."


def _first_cfdi(files: list[InvoiceFile]) -> Cfdi | None:
    for item in files:
        if item.kind == "xml":
            try:
                return parse_cfdi(item.data)
            except NotACfdi:
                continue
    return None


async def finish(
    task_run: TaskRun, page: Page, view: PageView, reading: Reading | None, drive: _Drive
) -> bool:
    captured = await capture(page, view, drive.downloads_dir)
    if captured.names:
        await task_run.step("download", f"Descargamos: {', '.join(captured.names)}.")
    cfdi = _first_cfdi(captured.files)
    if cfdi is None:
        if reading is not None and reading.signal is Signal.EMAILED:
            if task_run.inbound_email:  # it went to us: wait for it, holding nothing
                await task_run.await_email(drive.engine)
            else:
                await task_run.complete(drive.engine, EMAILED)
            return True
        await task_run.fail(FailureCode.PORTAL_ERROR, NO_FILES, drive.engine)
        return True
    mismatches = verify(cfdi, Expected.of(drive.buyer, drive.purchase.amount))
    await task_run.keep_invoice(cfdi, mismatches, captured.files)
    if mismatches:
        await task_run.fail(FailureCode.INVOICE_MISMATCH, mismatch_reason(mismatches), drive.engine)
    else:
        await task_run.complete(drive.engine, f"Factura {cfdi.uuid} descargada y verificada.")
    return True
