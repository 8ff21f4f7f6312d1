"""`clasico`: one server-rendered page, a `<label for>` on every field, SAT codes as option
values, links to the XML and PDF. `mismatch` is the same portal of a vendor whose system
stamps another total than the ticket's (a bug the engine must catch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

BRAND = kit.Brand(
    "Ferretería El Clavo",
    Issuer("FEC970512ABA", "FERRETERIA EL CLAVO"),
    "#c0392b",
    css="label{display:block;margin-top:12px;font-weight:bold} input,select{width:100%;"
    "padding:7px;border:1px solid #aaa} fieldset{border:1px solid #ddd;margin:14px 0}",
)
MISMATCH_BRAND = kit.Brand(
    "Abarrotes Don Chuy",
    Issuer("ADC850101GHA", "ABARROTES DON CHUY"),
    "#2e7d32",
    css="label{display:block;margin-top:10px} input,select{width:60%;padding:5px}",
    tagline="Facture su compra en línea",
)
FIELDS = {
    "folio": "folio",
    "total": "total",
    "rfc": "rfc",
    "name": "razon_social",
    "zip": "codigo_postal",
    "tax_system": "regimen_fiscal",
    "cfdi_use": "uso_cfdi",
    "email": "correo",
}


def labelled(values: Mapping[str, str], name: str, label: str, hint: str = "") -> str:
    """A text input with its `<label for>` (prosa's forms are built the same way)."""
    value = kit.esc(values.get(name, ""))
    return (
        f'<label for="{name}">{label}</label>'
        f'<input type="text" id="{name}" name="{name}" value="{value}"{hint}>'
    )


def receptor_fields(values: Mapping[str, str]) -> str:
    """The buyer's fiscal data, labelled, with selects whose values are SAT codes."""
    regimes = [(code, f"{code} - {text}") for code, text in kit.tax_systems()]
    uses = [(code, f"{code} - {text}") for code, text in kit.cfdi_uses()]
    return f"""{labelled(values, "rfc", "RFC", ' maxlength="13"')}
{labelled(values, "razon_social", "Nombre o razón social")}
{labelled(values, "codigo_postal", "Código postal", ' maxlength="5"')}
<label for="regimen_fiscal">Régimen fiscal</label>
<select id="regimen_fiscal" name="regimen_fiscal">
{kit.options(regimes, values.get("regimen_fiscal", ""), "-- Seleccione --")}</select>
<label for="uso_cfdi">Uso de CFDI</label>
<select id="uso_cfdi" name="uso_cfdi">
{kit.options(uses, values.get("uso_cfdi", ""), "-- Seleccione --")}</select>
{labelled(values, "correo", "Correo electrónico")}"""


def _form(values: Mapping[str, str], error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    return f"""<h1>Facturación de tickets</h1>
<p>Captura los datos de tu ticket y tus datos fiscales tal como aparecen en tu Constancia de
Situación Fiscal.</p>{notice}
<form method="post" action="facturar">
<fieldset><legend>Datos del ticket</legend>
{labelled(values, "folio", "Folio del ticket")}
{labelled(values, "fecha", "Fecha de compra (dd/mm/aaaa)", ' maxlength="10"')}
{labelled(values, "total", "Total")}
{labelled(values, "sucursal", "Sucursal (opcional)")}
</fieldset>
<fieldset><legend>Datos fiscales</legend>
{receptor_fields(values)}
</fieldset>
<button type="submit">Facturar</button>
</form>"""


def routes(
    ledger: Ledger,
    name: str = "clasico",
    brand: kit.Brand = BRAND,
    stamped_total: Callable[[Decimal], Decimal] | None = None,
) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return kit.page(brand, "Facturación", _form({}))

    async def submit(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            day = kit.read_dmy(values, "fecha", "La fecha debe tener el formato dd/mm/aaaa.")
            invoice = kit.read_request(values, FIELDS, day=day, store=values.get("sucursal", ""))
            total = stamped_total(invoice.total) if stamped_total else None
            stamp = ledger.issue(name, invoice, issuer=brand.issuer, cfdi_total=total)
        except kit.InputError as error:
            return kit.page(brand, "Facturación", _form(values, kit.esc(str(error))), status=400)
        except Refused as refused:
            return kit.page(brand, "Facturación", _form(values, kit.refusal_html(name, refused)))
        body = f"""<h1>Tu factura está lista</h1>
<p class="ok">Folio fiscal (UUID): <strong>{stamp.uuid}</strong></p>
<ul><li><a id="xml" href="{kit.cfdi_url(name, stamp, "xml")}">Descargar XML</a></li>
<li><a id="pdf" href="{kit.cfdi_url(name, stamp, "pdf")}">Descargar PDF</a></li></ul>
<p><a href="/{name}/">Facturar otro ticket</a></p>"""
        return kit.page(brand, "Factura generada", body)

    return [
        Route("/", entry),
        Route("/facturar", submit, methods=["POST"]),
        *kit.invoice_routes(ledger, name, brand),
    ]


def mismatch_routes(ledger: Ledger) -> list[BaseRoute]:
    """The vendor's system adds the 16% VAT to a total that already includes it."""
    return routes(
        ledger, "mismatch", MISMATCH_BRAND, lambda total: (total * Decimal("1.16")).quantize(total)
    )
