"""`gasolinera`: a gas station's two pages: the ticket (station "E.S.", folio, the printed
"Web ID", date, optional time, amount) with a "Continuar" link, then the fiscal data."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused, parse_amount

NAME = "gasolinera"
BRAND = kit.Brand(
    "Petro Sur Gasolineras",
    Issuer("PSU990101JX6", "PETRO SUR"),
    "#d32f2f",
    css=".pair{display:flex;gap:10px;align-items:center;margin:8px 0}.pair label{width:220px;"
    "text-align:right;font-weight:bold}.pair input,.pair select{flex:1;padding:6px}"
    ".summary{background:#fff3e0;padding:10px;font-size:14px}",
    tagline="Facturación de combustible",
)
FIELDS = {
    "folio": "folio",
    "total": "importe",
    "rfc": "rfc",
    "name": "nombre",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "email",
}
_HOUR = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_WEB_ID = re.compile(r"[A-Za-z0-9]{4,12}")


def _pair(values: Mapping[str, str], name: str, label: str, hint: str = "") -> str:
    value = kit.esc(values.get(name, ""))
    return (
        f'<div class="pair"><label for="{name}">{label}</label>'
        f'<input id="{name}" name="{name}" value="{value}"{hint}></div>'
    )


def _ticket_page(values: Mapping[str, str], error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    return f"""<h2>Paso 1: datos de tu ticket de consumo</h2>
<p>Encuentra estos datos impresos en tu ticket de combustible.</p>{notice}
<form id="ticket" method="post" action="ticket">
{_pair(values, "estacion", "No. de Estación (E.S.)", ' maxlength="5"')}
{_pair(values, "folio", "Folio")}
{_pair(values, "webid", "Web ID")}
{_pair(values, "fecha", "Fecha (dd/mm/aaaa)")}
{_pair(values, "hora", "Hora (hh:mm, opcional)")}
{_pair(values, "importe", "Importe")}
</form>
<p><a href="#" id="continuar" class="button"
 onclick="document.getElementById('ticket').submit(); return false;">Continuar</a></p>"""


def _fiscal_page(
    token: str, ticket: Mapping[str, str], values: Mapping[str, str], error: str = ""
) -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    regimes = [(c, f"{c} {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} {t}") for c, t in kit.cfdi_uses()]
    return f"""<h2>Paso 2: datos de facturación</h2>
<p class="summary">E.S. {kit.esc(ticket["estacion"])} · Folio {kit.esc(ticket["folio"])} ·
Web ID {kit.esc(ticket["webid"])} · Importe ${parse_amount(ticket["importe"]) or 0:,.2f}</p>{notice}
<form method="post" action="facturar"><input type="hidden" name="t" value="{token}">
{_pair(values, "rfc", "RFC")}{_pair(values, "nombre", "Nombre / Razón social")}
{_pair(values, "cp", "Código postal")}
<div class="pair"><label for="regimen">Régimen fiscal</label><select id="regimen" name="regimen">
{kit.options(regimes, values.get("regimen", ""), "Seleccionar")}</select></div>
<div class="pair"><label for="uso">Uso CFDI</label><select id="uso" name="uso">
{kit.options(uses, values.get("uso", ""), "Seleccionar")}</select></div>
{_pair(values, "email", "Correo electrónico")}
<p><button type="submit">Facturar</button></p></form>"""


def _read_ticket(values: Mapping[str, str]) -> dict[str, str]:
    ticket = {key: values.get(key, "").strip() for key in ("estacion", "folio", "webid", "hora")}
    if not ticket["estacion"].isdigit():
        raise kit.InputError("Captura el número de estación (E.S.) impreso en el ticket.")
    if not ticket["folio"]:
        raise kit.InputError("Captura el folio del ticket.")
    if not _WEB_ID.fullmatch(ticket["webid"]):
        raise kit.InputError("El Web ID es obligatorio: lo encuentras impreso en tu ticket.")
    if ticket["hora"] and not _HOUR.fullmatch(ticket["hora"]):
        raise kit.InputError("La hora debe tener el formato hh:mm.")
    day = kit.read_dmy(values, "fecha", "La fecha debe tener el formato dd/mm/aaaa.")
    if parse_amount(values.get("importe", "")) is None:
        raise kit.InputError("Captura el importe del ticket.")
    return {**ticket, "fecha": day, "importe": values["importe"]}


def routes(ledger: Ledger) -> list[BaseRoute]:
    tickets: dict[str, dict[str, str]] = {}

    async def entry(request: Request) -> Response:
        return kit.page(BRAND, "Facturación", _ticket_page({}))

    async def ticket(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            found = _read_ticket(values)
            ledger.check_ticket(NAME, found["folio"], parse_amount(found["importe"]))
        except kit.InputError as error:
            return kit.page(BRAND, "Facturación", _ticket_page(values, kit.esc(str(error))))
        except Refused as refused:
            return kit.page(
                BRAND, "Facturación", _ticket_page(values, kit.refusal_html(NAME, refused))
            )
        token = secrets.token_urlsafe(12)
        tickets[token] = found
        return RedirectResponse(f"/{NAME}/datos?t={token}", status_code=303)

    async def fiscal(request: Request) -> Response:
        token = request.query_params.get("t", "")
        if token not in tickets:
            return RedirectResponse(f"/{NAME}/", status_code=303)
        return kit.page(BRAND, "Datos fiscales", _fiscal_page(token, tickets[token], {}))

    async def submit(request: Request) -> Response:
        values = await kit.form_data(request)
        token = values.get("t", "")
        found = tickets.get(token)
        if found is None:
            return RedirectResponse(f"/{NAME}/", status_code=303)
        extra = {"Web ID": found["webid"], **({"Hora": found["hora"]} if found["hora"] else {})}
        try:
            invoice = kit.read_request(
                {**values, **found},
                FIELDS,
                day=found["fecha"],
                store=found["estacion"],
                extra=extra,
            )
            stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer)
        except kit.InputError as error:
            return kit.page(
                BRAND, "Datos fiscales", _fiscal_page(token, found, values, kit.esc(str(error)))
            )
        except Refused as refused:
            message = kit.refusal_html(NAME, refused, "Descargar factura emitida")
            return kit.page(BRAND, "Datos fiscales", _fiscal_page(token, found, values, message))
        body = f"""<h2>Factura generada</h2><p class="ok">UUID: {stamp.uuid}</p>
<p><a class="button" href="{kit.cfdi_url(NAME, stamp, "pdf")}">PDF</a>
<a class="button" href="{kit.cfdi_url(NAME, stamp, "xml")}">XML</a></p>"""
        return kit.page(BRAND, "Factura generada", body)

    return [
        Route("/", entry),
        Route("/ticket", ticket, methods=["POST"]),
        Route("/datos", fiscal),
        Route("/facturar", submit, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
