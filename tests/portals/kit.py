"""What the local portals share: the page scaffold, form parsing and checks, SAT option lists,
and the download and "consulta" routes of an issued invoice."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from autofactura.core.fiscal.catalogs import CFDI_USES, TAX_SYSTEMS
from tests.portals.ledger import InvoiceRequest, Issuer, Ledger, Refused, Stamp, parse_amount

esc = html.escape
MONTHS = (
    "Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre"
).split()
_RFC = re.compile(r"[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}")
_ZIP = re.compile(r"[0-9]{5}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BASE_CSS = """
*{box-sizing:border-box} body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#222;
background:#f3f3f3} header.top{display:flex;align-items:center;gap:14px;padding:12px 24px;
color:#fff;background:var(--brand)} header.top .logo{font:bold 22px Georgia,serif;
border:2px solid #fff;border-radius:50%;width:44px;height:44px;display:flex;
align-items:center;justify-content:center} header.top nav{margin-left:auto;font-size:13px}
main{max-width:860px;margin:24px auto;background:#fff;padding:24px 32px;
box-shadow:0 1px 4px rgba(0,0,0,.15)} footer{text-align:center;font-size:12px;color:#777;
padding:18px} footer a{color:#777} .error{color:#b00020;background:#fdecea;padding:10px;
border:1px solid #f5c2c0;margin:10px 0} .ok{color:#155724;background:#d4edda;padding:10px}
button,.button{background:var(--brand);color:#fff;border:0;padding:9px 20px;cursor:pointer;
font-size:15px;text-decoration:none;display:inline-block}
"""


@dataclass(frozen=True)
class Brand:
    """A vendor's look: name on the header, CFDI issuer, color and its own style rules."""

    name: str
    issuer: Issuer
    color: str
    css: str = ""
    tagline: str = "Facturación electrónica"


def page(brand: Brand, title: str, body: str, *, script: str = "", status: int = 200) -> Response:
    """A full HTML page in the vendor's look; `script` goes at the end of the body."""
    initials = "".join(word[0] for word in brand.name.split()[:2])
    document = f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(brand.name)}</title>
<style>:root{{--brand:{brand.color}}}{_BASE_CSS}{brand.css}</style></head>
<body><header class="top"><span class="logo">{esc(initials)}</span>
<div><strong>{esc(brand.name)}</strong><br><small>{esc(brand.tagline)}</small></div>
<nav>Inicio &nbsp;·&nbsp; Facturación &nbsp;·&nbsp; Preguntas frecuentes</nav></header>
<main>{body}</main>
<footer>© {date.today().year} {esc(brand.issuer.name)} · RFC {brand.issuer.rfc} ·
<a href="#">Aviso de privacidad</a> · <a href="#">Términos y condiciones</a></footer>
{script}</body></html>"""
    return HTMLResponse(document, status_code=status)


async def form_data(request: Request) -> dict[str, str]:
    """An urlencoded form body (the portals upload no files), last value of a name wins."""
    return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))


def options(pairs: Iterable[tuple[str, str]], selected: str = "", placeholder: str = "") -> str:
    """<option> tags; `placeholder` becomes a first option with an empty value."""
    tags = [f'<option value="">{esc(placeholder)}</option>'] if placeholder else []
    for value, text in pairs:
        mark = " selected" if value == selected and value else ""
        tags.append(f'<option value="{esc(value)}"{mark}>{esc(text)}</option>')
    return "".join(tags)


def tax_systems() -> list[tuple[str, str]]:
    """(c_RegimenFiscal code, SAT description) for every regime a receptor may declare."""
    return [(code, system.description) for code, system in TAX_SYSTEMS.items()]


def cfdi_uses(tax_system: str = "") -> list[tuple[str, str]]:
    """(c_UsoCFDI code, description), only the uses valid with `tax_system` when given."""
    return [
        (code, use.description)
        for code, use in CFDI_USES.items()
        if not tax_system or tax_system in use.tax_systems
    ]


def parse_dmy(text: str) -> str | None:
    """dd/mm/aaaa (or dd-mm-aaaa) as an ISO date, None when it is not a real date."""
    match = re.fullmatch(r"\s*(\d{1,2})[/-](\d{1,2})[/-](\d{4})\s*", text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


class InputError(ValueError):
    """A field the buyer left empty or wrote in a shape the portal refuses."""


def read_dmy(values: Mapping[str, str], name: str, message: str) -> str:
    """The dd/mm/aaaa field `name` as an ISO date; InputError(message) when it is not one."""
    day = parse_dmy(values.get(name, ""))
    if day is None:
        raise InputError(message)
    return day


async def json_data(request: Request) -> dict[str, str] | None:
    """A JSON object body as strings, None when the body is not one."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else None


FIELD_LABELS = {
    "folio": "Folio",
    "total": "Total",
    "rfc": "RFC",
    "name": "Razón social",
    "zip": "Código postal",
    "tax_system": "Régimen fiscal",
    "cfdi_use": "Uso de CFDI",
    "email": "Correo electrónico",
}


def read_request(
    values: Mapping[str, str],
    fields: Mapping[str, str],
    *,
    day: str = "",
    store: str = "",
    extra: Mapping[str, str] | None = None,
) -> InvoiceRequest:
    """The invoice request from form `values`; `fields` maps FIELD_LABELS keys to form names.

    Raises InputError with the message the portal shows."""
    got = {key: values.get(name, "").strip() for key, name in fields.items()}
    for key, label in FIELD_LABELS.items():
        if key in fields and not got[key]:
            raise InputError(f"El campo {label} es obligatorio.")
    total = parse_amount(got["total"])
    if total is None:
        raise InputError("El total debe ser un importe válido, por ejemplo 1234.50")
    rfc = got["rfc"].upper()
    if not _RFC.fullmatch(rfc):
        raise InputError("El RFC no tiene un formato válido.")
    if not _ZIP.fullmatch(got["zip"]):
        raise InputError("El código postal debe tener 5 dígitos.")
    if got.get("email") and not _EMAIL.fullmatch(got["email"]):
        raise InputError("El correo electrónico no es válido.")
    if got["tax_system"] not in TAX_SYSTEMS or got["cfdi_use"] not in CFDI_USES:
        raise InputError("Selecciona el régimen fiscal y el uso de CFDI.")
    return InvoiceRequest(
        folio=got["folio"],
        total=total,
        rfc=rfc,
        name=" ".join(got["name"].upper().split()),
        zip=got["zip"],
        tax_system=got["tax_system"],
        cfdi_use=got["cfdi_use"],
        email=got.get("email", ""),
        date=day,
        store=store,
        extra=dict(extra or {}),
    )


def cfdi_url(portal: str, stamp: Stamp, ext: str) -> str:
    return f"/{portal}/cfdi/{stamp.uuid}.{ext}"


def download_links(portal: str, stamp: Stamp, xml: str = "XML", pdf: str = "PDF") -> str:
    """Two plain links to the stamped files, "XML · PDF"."""
    return (
        f'<a href="{cfdi_url(portal, stamp, "xml")}">{xml}</a> · '
        f'<a href="{cfdi_url(portal, stamp, "pdf")}">{pdf}</a>'
    )


def refusal_html(portal: str, refused: Refused, link_text: str = "Consulta tu factura") -> str:
    """The message, and for an invoiced ticket a link to the invoice already issued."""
    message = esc(refused.message)
    if refused.existing is None:
        return message
    href = f"/{portal}/consulta/{refused.existing.uuid}"
    return f'{message} <a href="{href}" class="lookup">{esc(link_text)}</a>'


def invoice_routes(ledger: Ledger, portal: str, brand: Brand) -> list[BaseRoute]:
    """cfdi/<uuid>.xml|pdf (attachments; ?inline=1 for `<a download>` links) and consulta/<uuid>."""

    async def download(request: Request) -> Response:
        stamp = ledger.find(portal, request.path_params["uuid"])
        ext = request.path_params["ext"]
        if stamp is None or ext not in ("xml", "pdf"):
            return Response("No encontrado", status_code=404)
        body, kind = (
            (stamp.xml, "application/xml") if ext == "xml" else (stamp.pdf, "application/pdf")
        )
        headers = {}
        if not request.query_params.get("inline"):
            headers["Content-Disposition"] = f'attachment; filename="{stamp.uuid}.{ext}"'
        return Response(body, media_type=kind, headers=headers)

    async def lookup(request: Request) -> Response:
        stamp = ledger.find(portal, request.path_params["uuid"])
        if stamp is None:
            return page(
                brand, "Consulta", '<p class="error">Factura no encontrada.</p>', status=404
            )
        body = f"""<h1>Consulta de factura</h1>
<p>Ticket <b>{esc(stamp.folio)}</b> facturado a <b>{esc(stamp.data.rfc)}</b>.
Folio fiscal (UUID): <code>{stamp.uuid}</code></p>
<p><a class="button" href="{cfdi_url(portal, stamp, "xml")}">Descargar XML</a>
<a class="button" href="{cfdi_url(portal, stamp, "pdf")}">Descargar PDF</a></p>"""
        return page(brand, "Consulta de factura", body)

    return [
        Route("/cfdi/{uuid}.{ext}", download),
        Route("/consulta/{uuid}", lookup),
    ]
