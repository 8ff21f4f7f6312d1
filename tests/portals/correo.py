"""`correo`: an office-supplies chain that validates the buyer with the SAT (zip included) and
e-mails the invoice: the last page says so and offers no download (see `ledger.emailed`)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "correo"
SENT = "Tu factura fue enviada a tu correo electrónico"
BRAND = kit.Brand(
    "Office Plus Papelerías",
    Issuer("OPL111111AB7", "OFFICE PLUS PAPELERIAS"),
    "#283593",
    css=".two{display:grid;grid-template-columns:1fr 1fr;gap:6px 24px}.cap{font-size:12px;"
    "font-weight:bold;color:#3949ab;display:block;margin-top:10px}.two input,.two select"
    "{width:100%;padding:7px;border:1px solid #c5cae9}",
    tagline="Portal de autofacturación",
)
FIELDS = {
    "folio": "codigo",
    "total": "monto",
    "rfc": "rfc",
    "name": "nombre",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "mail1",
}


def _cell(values: Mapping[str, str], name: str, caption: str, hint: str = "") -> str:
    value = kit.esc(values.get(name, ""))
    return (
        f'<div><span class="cap">{caption}</span><input name="{name}" aria-label="{caption}" '
        f'value="{value}"{hint}></div>'
    )


def _select(
    values: Mapping[str, str], name: str, caption: str, pairs: list[tuple[str, str]]
) -> str:
    tags = kit.options(pairs, values.get(name, ""), "Elige una opción")
    control = f'<select name="{name}" aria-label="{caption}">{tags}</select>'
    return f'<div><span class="cap">{caption}</span>{control}</div>'


def _form(values: Mapping[str, str], error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    regimes = [(c, f"{c} - {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} - {t}") for c, t in kit.cfdi_uses()]
    return f"""<h2>Solicita tu factura</h2>
<p>Tus datos se validan ante el SAT antes de emitir la factura; la recibirás por correo.</p>
{notice}<form method="post" action="solicitar"><div class="two">
{_cell(values, "codigo", "Código de facturación (impreso en tu ticket)", ' maxlength="30"')}
{_cell(values, "monto", "Monto de la compra")}
{_cell(values, "rfc", "RFC")}{_cell(values, "nombre", "Nombre o razón social")}
{_cell(values, "cp", "Código postal del domicilio fiscal")}
{_select(values, "regimen", "Régimen fiscal", regimes)}
{_select(values, "uso", "Uso del CFDI", uses)}
<div></div>{_cell(values, "mail1", "Correo electrónico")}
{_cell(values, "mail2", "Confirma tu correo electrónico")}
</div><p><button type="submit">Enviar factura</button></p></form>"""


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return kit.page(BRAND, "Facturación", _form({}))

    async def request_invoice(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            if values.get("mail1", "").strip().lower() != values.get("mail2", "").strip().lower():
                raise kit.InputError("Los correos no coinciden.")
            invoice = kit.read_request(values, FIELDS)
            stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer, check_zip=True)
        except kit.InputError as error:
            return kit.page(BRAND, "Facturación", _form(values, kit.esc(str(error))))
        except Refused as refused:
            return kit.page(
                BRAND,
                "Facturación",
                _form(values, kit.refusal_html(NAME, refused, "Reenviar factura")),
            )
        ledger.email(stamp, invoice.email)
        body = f"""<h2>¡Listo!</h2><p class="ok">{SENT} <b>{kit.esc(invoice.email)}</b>.
Revisa también tu carpeta de correo no deseado.</p>
<p><a href="/{NAME}/">Facturar otro ticket</a></p>"""
        return kit.page(BRAND, "Factura enviada", body)

    async def resend(request: Request) -> Response:
        stamp = ledger.find(NAME, request.path_params["uuid"])
        if stamp is None:
            return kit.page(
                BRAND, "Reenvío", '<p class="error">Factura no encontrada.</p>', status=404
            )
        ledger.email(stamp, stamp.data.email)
        body = f"""<h2>Reenvío de factura</h2><p class="ok">Reenviamos la factura {stamp.uuid} a
{kit.esc(stamp.data.email)}.</p><p>También puedes descargarla:
{kit.download_links(NAME, stamp)}</p>"""
        return kit.page(BRAND, "Reenvío", body)

    return [
        Route("/", entry),
        Route("/solicitar", request_invoice, methods=["POST"]),
        Route("/consulta/{uuid}", resend),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
