"""`marco`: a hotel's branded page with the invoicing provider's form in an iframe (same origin,
another path): labels wrap their inputs, `<input type=date>`, selects with opaque ids, and
the download links inside the frame."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "marco"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # what <input type=date> submits
HOTEL = kit.Brand("Hotel Bahía Azul", Issuer("HBA120905TR4", "HOTEL BAHIA AZUL"), "#00838f")
PROVIDER = kit.Brand(
    "FacturaNet",
    HOTEL.issuer,
    "#37474f",
    css="main{margin:0;max-width:none;box-shadow:none}"
    " label{display:block;margin:9px 0;break-inside:avoid;"
    "font-size:14px} label input,label select{display:block;width:100%;padding:6px;"
    "margin-top:3px} .cols{columns:2;column-gap:28px}",
    tagline="Proveedor autorizado de certificación",
)
FIELDS = {
    "folio": "ticket_no",
    "total": "monto",
    "rfc": "receptor_rfc",
    "name": "receptor_nombre",
    "zip": "receptor_cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "receptor_email",
}


def _opaque(kind: str, code: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"facturanet:{kind}:{code}"))


REGIMES = {_opaque("regimen", code): (code, text) for code, text in kit.tax_systems()}
USES = {_opaque("uso", code): (code, f"{code} {text}") for code, text in kit.cfdi_uses()}


def _outer() -> Response:
    body = """<h1>Facturación de consumos</h1>
<p>Para facturar tu estancia o consumo en restaurante ingresa los datos de tu ticket.
El servicio es proporcionado por nuestro proveedor de facturación.</p>
<iframe src="/marco/fx/portal?emisor=HBA120905TR4" title="Portal de facturación"
 style="width:100%;height:900px;border:1px solid #ccc"></iframe>"""
    return kit.page(HOTEL, "Facturación", body)


def _field(values: Mapping[str, str], name: str, label: str, kind: str = "text") -> str:
    value = kit.esc(values.get(name, ""))
    step = ' step="0.01" min="0"' if kind == "number" else ""
    return f'<label>{label}<input type="{kind}" name="{name}" value="{value}"{step}></label>'


def _form(values: Mapping[str, str], error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    regimes = [(rid, text) for rid, (_, text) in REGIMES.items()]
    uses = [(uid, text) for uid, (_, text) in USES.items()]
    return f"""<h3>Emisión de CFDI 4.0 — HOTEL BAHIA AZUL</h3>{notice}
<form method="post" action="emitir"><div class="cols">
{_field(values, "ticket_no", "Folio del ticket")}
{_field(values, "fecha_consumo", "Fecha de consumo", "date")}
{_field(values, "monto", "Monto total", "number")}
{_field(values, "receptor_rfc", "RFC del receptor")}
{_field(values, "receptor_nombre", "Nombre, denominación o razón social")}
{_field(values, "receptor_cp", "Código postal del domicilio fiscal")}
<label>Régimen fiscal del receptor<select name="regimen">
{kit.options(regimes, values.get("regimen", ""), "Seleccione una opción")}</select></label>
<label>Uso del CFDI<select name="uso">
{kit.options(uses, values.get("uso", ""), "Seleccione una opción")}</select></label>
{_field(values, "receptor_email", "Correo electrónico", "email")}
</div><button type="submit">Emitir factura</button></form>"""


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def outer(request: Request) -> Response:
        return _outer()

    async def portal(request: Request) -> Response:
        return kit.page(PROVIDER, "Emisión", _form({}))

    async def emit(request: Request) -> Response:
        values = await kit.form_data(request)
        decoded = {
            **values,
            "regimen": REGIMES.get(values.get("regimen", ""), ("", ""))[0],
            "uso": USES.get(values.get("uso", ""), ("", ""))[0],
        }
        try:
            day = values.get("fecha_consumo", "")
            if not _ISO_DATE.fullmatch(day):
                raise kit.InputError("Indique la fecha de consumo.")
            invoice = kit.read_request(decoded, FIELDS, day=day)
            stamp = ledger.issue(NAME, invoice, issuer=HOTEL.issuer)
        except kit.InputError as error:
            return kit.page(PROVIDER, "Emisión", _form(values, kit.esc(str(error))))
        except Refused as refused:
            return kit.page(PROVIDER, "Emisión", _form(values, kit.refusal_html(NAME, refused)))
        body = f"""<h3>CFDI emitido</h3><p class="ok">Folio fiscal {stamp.uuid}</p>
<p>{kit.download_links(NAME, stamp)}</p>"""
        return kit.page(PROVIDER, "CFDI emitido", body)

    return [
        Route("/", outer),
        Route("/fx/portal", portal),
        Route("/fx/emitir", emit, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, HOTEL),
    ]
