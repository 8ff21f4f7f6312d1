"""`prosa`: the first page asks where the purchase was made, with two cards ("Sucursal",
"Comercio electrónico") that only the page's prose explains; the wrong one answers "Ticket no
encontrado" for that ticket. A flow the deterministic engine cannot finish alone (the agent's)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.clasico import labelled, receptor_fields
from tests.portals.ledger import NOT_FOUND, Issuer, Ledger, Refusal, Refused

NAME = "prosa"
BRAND = kit.Brand(
    "Papelería La Pluma",
    Issuer("PLP880315QR7", "PAPELERIA LA PLUMA"),
    "#00695c",
    css=".cards{display:flex;gap:18px;margin:22px 0}.cards button{flex:1;padding:28px 10px;"
    "font-size:19px;border-radius:8px}label{display:block;margin-top:12px}"
    "input,select{width:100%;padding:7px;border:1px solid #999}",
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
# channel -> (heading, what the folio is called on its receipt)
CHANNELS = {
    "tienda": ("Compra en sucursal", "Folio del ticket"),
    "linea": ("Compra en línea", "Folio del pedido"),
}
CHOOSE = """<h1>Facturación electrónica</h1>
<p>Para facturar necesitamos saber dónde hiciste tu compra, porque las ventas de nuestras
tiendas y las de nuestra app se registran en sistemas distintos.</p>
<p>Si tu compra fue en una de nuestras tiendas, elige «Sucursal»; si la hiciste en nuestra
app o sitio web, elige «Comercio electrónico». Los tickets de tienda empiezan con la letra
T; los números de pedido en línea, no.</p>
<form method="post" action="canal" class="cards">
<button type="submit" name="canal" value="tienda">Sucursal</button>
<button type="submit" name="canal" value="linea">Comercio electrónico</button>
</form>"""


def in_store(folio: str) -> bool:
    """The portal's rule, told only in prose: store tickets start with T."""
    return folio.strip().upper().startswith("T")


def _form(channel: str, values: Mapping[str, str], error: str = "") -> str:
    heading, folio_label = CHANNELS[channel]
    notice = f'<div class="error">{error}</div>' if error else ""
    store = labelled(values, "sucursal", "Sucursal (opcional)") if channel == "tienda" else ""
    return f"""<h1>{heading}</h1>{notice}
<form method="post" action="facturar"><input type="hidden" name="canal" value="{channel}">
{labelled(values, "folio", folio_label)}
{labelled(values, "fecha", "Fecha de compra (dd/mm/aaaa)", ' maxlength="10"')}
{labelled(values, "total", "Total")}{store}
{receptor_fields(values)}
<button type="submit">Facturar</button>
</form>
<p><a href="./">Cambiar el lugar de compra</a></p>"""


def routes(ledger: Ledger) -> list[BaseRoute]:
    def show(title: str, body: str, status: int = 200) -> Response:
        return kit.page(BRAND, title, body, status=status)

    async def entry(request: Request) -> Response:
        return show("Facturación", CHOOSE)

    async def choose(request: Request) -> Response:
        channel = (await kit.form_data(request)).get("canal", "")
        target = channel if channel in CHANNELS else ""
        return RedirectResponse(f"/{NAME}/{target}", status_code=303)

    async def channel_form(request: Request) -> Response:
        return show("Facturación", _form(request.url.path.rsplit("/", 1)[-1], {}))

    async def submit(request: Request) -> Response:
        values = await kit.form_data(request)
        channel = values.get("canal", "")
        if channel not in CHANNELS:
            return RedirectResponse(f"/{NAME}/", status_code=303)
        try:
            day = kit.read_dmy(values, "fecha", "La fecha debe tener el formato dd/mm/aaaa.")
            invoice = kit.read_request(values, FIELDS, day=day, store=values.get("sucursal", ""))
            if in_store(invoice.folio) != (channel == "tienda"):
                # The other system has no such sale.
                raise Refused(Refusal.NOT_FOUND, NOT_FOUND)
            stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer)
        except kit.InputError as error:
            return show("Facturación", _form(channel, values, kit.esc(str(error))), 400)
        except Refused as refused:
            return show("Facturación", _form(channel, values, kit.refusal_html(NAME, refused)))
        body = f"""<h1>Tu factura está lista</h1>
<p class="ok">Folio fiscal (UUID): <strong>{stamp.uuid}</strong></p>
<ul><li><a id="xml" href="{kit.cfdi_url(NAME, stamp, "xml")}">Descargar XML</a></li>
<li><a id="pdf" href="{kit.cfdi_url(NAME, stamp, "pdf")}">Descargar PDF</a></li></ul>
<p><a href="/{NAME}/">Facturar otro ticket</a></p>"""
        return show("Factura generada", body)

    return [
        Route("/", entry),
        Route("/canal", choose, methods=["POST"]),
        Route("/facturar", submit, methods=["POST"]),
        *(Route(f"/{channel}", channel_form) for channel in CHANNELS),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
