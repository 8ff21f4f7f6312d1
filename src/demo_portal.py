"""A demo vendor invoicing portal served by the app at /demo/portal/ (AUTOFACTURA_DEMO_PORTAL;
on except in production), so a newcomer sees a whole run right after `make run`.

It "stamps" what it receives into a CFDI 4.0 XML that our parser reads, with a random UUID
and no real seal: a demo file with no fiscal value, kept in memory only."""

from __future__ import annotations

import html
import threading
import uuid
from collections import OrderedDict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qsl
from xml.sax.saxutils import quoteattr

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autofactura.core.fiscal.catalogs import CFDI_USES, TAX_SYSTEMS

PREFIX = "/demo/portal"
ISSUER_RFC = "DEM010101AA1"
ISSUER_NAME = "TIENDA DE DEMOSTRACION (SIN VALIDEZ FISCAL)"
MAX_KEPT = 500  # invoices kept in memory, oldest dropped first
_CENT = Decimal("0.01")
# (form name, label): the same labels real portals use, so autofill reads them as usual.
TICKET = [
    ("folio", "Folio del ticket"),
    ("fecha", "Fecha de compra (dd/mm/aaaa)"),
    ("total", "Total"),
]
RECEPTOR = [
    ("rfc", "RFC"),
    ("razon_social", "Nombre o razón social"),
    ("codigo_postal", "Código postal"),
]
_STYLE = (
    "body{font:15px system-ui,sans-serif;max-width:640px;margin:0 auto;padding:12px;color:#222}"
    "header{background:#6a1b9a;color:#fff;padding:10px 14px;border-radius:8px}"
    "label{display:block;margin-top:10px;font-weight:600}input,select{width:100%;padding:8px;"
    "box-sizing:border-box}button{margin-top:16px;padding:10px 18px}.error{color:#b00020}"
    "fieldset{margin:12px 0;border:1px solid #ddd}"
)


class _Issued:
    """The demo's stamped invoices by UUID, bounded, shared by the request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: OrderedDict[str, bytes] = OrderedDict()

    def keep(self, cfdi_uuid: str, xml: bytes) -> None:
        with self._lock:
            self._files[cfdi_uuid] = xml
            while len(self._files) > MAX_KEPT:
                self._files.popitem(last=False)

    def get(self, cfdi_uuid: str) -> bytes | None:
        with self._lock:
            return self._files.get(cfdi_uuid)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="es"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head><body><header><strong>Tienda de demostración</strong>"
        " · Portal de facturación (demo de autofactura)</header>"
        f"{body}</body></html>"
    )
    return HTMLResponse(document, status)


def _input(values: dict[str, str], name: str, label: str) -> str:
    value = html.escape(values.get(name, ""))
    return (
        f'<label for="{name}">{label}</label>'
        f'<input type="text" id="{name}" name="{name}" value="{value}">'
    )


def _select(values: dict[str, str], name: str, label: str, pairs: list[tuple[str, str]]) -> str:
    chosen = values.get(name, "")
    options = ['<option value="">-- Seleccione --</option>'] + [
        f'<option value="{code}"{" selected" if code == chosen else ""}>'
        f"{code} - {html.escape(text)}</option>"
        for code, text in pairs
    ]
    control = f'<select id="{name}" name="{name}">{"".join(options)}</select>'
    return f'<label for="{name}">{label}</label>{control}'


def _form(values: dict[str, str], error: str = "") -> str:
    regimes = [(code, item.description) for code, item in TAX_SYSTEMS.items()]
    uses = [(code, item.description) for code, item in CFDI_USES.items()]
    notice = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return f"""<h1>Facturación de tickets</h1>{notice}
<form method="post" action="{PREFIX}/facturar">
<fieldset><legend>Datos del ticket</legend>
{"".join(_input(values, n, lbl) for n, lbl in TICKET)}</fieldset>
<fieldset><legend>Datos fiscales</legend>
{"".join(_input(values, n, lbl) for n, lbl in RECEPTOR)}
{_select(values, "regimen_fiscal", "Régimen fiscal", regimes)}
{_select(values, "uso_cfdi", "Uso de CFDI", uses)}
{_input(values, "correo", "Correo electrónico")}</fieldset>
<button type="submit">Facturar</button></form>"""


def _read_date(raw: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError("La fecha debe tener el formato dd/mm/aaaa.")


def _read_total(raw: str) -> Decimal:
    try:
        total = Decimal(raw.replace("$", "").replace(",", "").strip()).quantize(_CENT)
    except InvalidOperation:
        raise ValueError("El total no es un importe válido.") from None
    if total <= 0:
        raise ValueError("El total debe ser mayor que cero.")
    return total


def demo_cfdi(values: dict[str, str], cfdi_uuid: str, total: Decimal, now: datetime) -> bytes:
    """A CFDI 4.0 with the receptor exactly as received; seal and certificate are demo text."""
    subtotal = (total / Decimal("1.16")).quantize(_CENT, ROUND_HALF_UP)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")

    def a(name: str) -> str:
        return quoteattr(values.get(name, "").strip())

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"
 xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="4.0" Serie="DEMO"
 Folio={a("folio")} Fecha="{stamp}" Sello="DEMO-SIN-VALIDEZ" NoCertificado="00000000000000000000"
 Certificado="DEMO" SubTotal="{subtotal}" Moneda="MXN" Total="{total}" TipoDeComprobante="I"
 Exportacion="01" MetodoPago="PUE" FormaPago="01" LugarExpedicion="06000">
 <cfdi:Emisor Rfc="{ISSUER_RFC}" Nombre="{ISSUER_NAME}" RegimenFiscal="601"/>
 <cfdi:Receptor Rfc={a("rfc")} Nombre={a("razon_social")}
  DomicilioFiscalReceptor={a("codigo_postal")}
  RegimenFiscalReceptor={a("regimen_fiscal")} UsoCFDI={a("uso_cfdi")}/>
 <cfdi:Conceptos><cfdi:Concepto ClaveProdServ="01010101" Cantidad="1" ClaveUnidad="ACT"
  Descripcion="Venta según ticket (demostración)" ValorUnitario="{subtotal}" Importe="{subtotal}"
  ObjetoImp="01"/></cfdi:Conceptos>
 <cfdi:Complemento><tfd:TimbreFiscalDigital Version="1.1" UUID="{cfdi_uuid}"
  FechaTimbrado="{stamp}" RfcProvCertif="DEM010101AA1" SelloCFD="DEMO-SIN-VALIDEZ"
  NoCertificadoSAT="00000000000000000000" SelloSAT="DEMO-SIN-VALIDEZ"/></cfdi:Complemento>
</cfdi:Comprobante>
""".encode()


def _missing(values: dict[str, str]) -> str | None:
    required = [
        *TICKET,
        *RECEPTOR,
        ("regimen_fiscal", "Régimen fiscal"),
        ("uso_cfdi", "Uso de CFDI"),
    ]
    for name, label in required:
        if not values.get(name, "").strip():
            return f"Falta el dato «{label.split(' (')[0]}»."
    return None


def demo_portal_routes() -> list[BaseRoute]:
    issued = _Issued()

    async def entry(_: Request) -> Response:
        return _page("Facturación", _form({}))

    async def submit(request: Request) -> Response:
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        values = {key: value[:200] for key, value in form}
        try:
            problem = _missing(values)
            if problem:
                raise ValueError(problem)
            _read_date(values["fecha"])
            total = _read_total(values["total"])
        except ValueError as error:
            return _page("Facturación", _form(values, str(error)), 400)
        cfdi_uuid = str(uuid.uuid4()).upper()
        issued.keep(cfdi_uuid, demo_cfdi(values, cfdi_uuid, total, datetime.now()))
        body = f"""<h1>Tu factura está lista</h1>
<p>Folio fiscal (UUID): <strong>{cfdi_uuid}</strong></p>
<p><a id="xml" href="{PREFIX}/cfdi/{cfdi_uuid}.xml">Descargar XML</a></p>
<p>Factura de demostración: no tiene validez fiscal.</p>"""
        return _page("Factura generada", body)

    async def download(request: Request) -> Response:
        cfdi_uuid = request.path_params["uuid"].upper()
        xml = issued.get(cfdi_uuid)
        if xml is None:
            return _page("No encontrada", "<p>Factura no encontrada.</p>", 404)
        disposition = f'attachment; filename="{cfdi_uuid}.xml"'
        return Response(
            xml, media_type="application/xml", headers={"content-disposition": disposition}
        )

    async def to_entry(_: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/")

    return [
        Route(PREFIX, to_entry),
        Route(f"{PREFIX}/", entry),
        Route(f"{PREFIX}/facturar", submit, methods=["POST"]),
        Route(f"{PREFIX}/cfdi/{{uuid}}.xml", download),
    ]
