"""`tabla`: an ASP.NET WebForms page: table layout with labels only as text in the next cell,
`ctl00$MainContent$…` names, __VIEWSTATE, an AutoPostBack regime list that reloads the page
with the CFDI uses of that regime, and `<a download>` links after "Generar Factura"."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "tabla"
BRAND = kit.Brand(
    "Farmacias San Benito",
    Issuer("FSB880301K79", "FARMACIAS SAN BENITO"),
    "#005b96",
    css="table.tblForm{border-collapse:collapse;width:100%} .tblForm td{padding:5px;"
    "border-bottom:1px solid #e3e3e3;font-size:13px} .tblForm td.titulo{background:#dde8f3;"
    "font-weight:bold} .txt{width:260px;text-transform:uppercase} .msg{color:red;"
    "font-weight:bold}",
    tagline="Sistema de Facturación CFDI 4.0",
)
_P = "ctl00$MainContent$"
FIELDS = {
    "folio": _P + "txtTicket",
    "total": _P + "txtTotal",
    "rfc": _P + "txtRFC",
    "name": _P + "txtRazonSocial",
    "zip": _P + "txtCP",
    "tax_system": "regimen_code",
    "cfdi_use": _P + "ddlUsoCFDI",
    "email": _P + "txtCorreo",
}
# The list's values are row ids of the vendor's database, not SAT codes.
REGIME_IDS = {str(index): code for index, (code, _) in enumerate(kit.tax_systems(), start=1)}
_POSTBACK_JS = """<script type="text/javascript">
var theForm = document.forms['form1'];
function __doPostBack(eventTarget, eventArgument) {
  if (!theForm.onsubmit || (theForm.onsubmit() != false)) {
    theForm.__EVENTTARGET.value = eventTarget; theForm.__EVENTARGUMENT.value = eventArgument;
    theForm.submit();
  }
}
</script>"""


def _viewstate(values: Mapping[str, str]) -> str:
    state = {"r": values.get(_P + "ddlRegimen", ""), "n": secrets.token_hex(24)}
    return base64.b64encode(json.dumps(state).encode()).decode()


def _hidden(values: Mapping[str, str]) -> str:
    pairs = {
        "__EVENTTARGET": "",
        "__EVENTARGUMENT": "",
        "__VIEWSTATE": _viewstate(values),
        "__VIEWSTATEGENERATOR": "CA0B0334",
        "__EVENTVALIDATION": base64.b64encode(secrets.token_bytes(48)).decode(),
    }
    return "".join(
        f'<input type="hidden" name="{key}" id="{key}" value="{value}" />'
        for key, value in pairs.items()
    )


def _row(label: str, control: str) -> str:
    return f'<tr><td class="etiqueta">{label}</td><td>{control}</td></tr>'


def _textbox(values: Mapping[str, str], field: str, extra: str = "") -> str:
    value = kit.esc(values.get(_P + field, ""))
    return (
        f'<input name="{_P}{field}" type="text" value="{value}" id="MainContent_{field}" '
        f'class="txt"{extra} />'
    )


def _select(field: str, tags: str, extra: str = "") -> str:
    return f'<select name="{_P}{field}" id="MainContent_{field}"{extra}>{tags}</select>'


def _form(values: Mapping[str, str], message: str = "", downloads: str = "") -> str:
    regime_id = values.get(_P + "ddlRegimen", "")
    regime_code = REGIME_IDS.get(regime_id, "")
    regimes = [
        (rid, f"{code} - {dict(kit.tax_systems())[code]}") for rid, code in REGIME_IDS.items()
    ]
    uses = [(code, f"{code} - {text}") for code, text in kit.cfdi_uses(regime_code)]
    use_tags = (
        kit.options(uses, values.get(_P + "ddlUsoCFDI", ""), "-- Seleccione --")
        if regime_code
        else kit.options([], placeholder="-- Seleccione primero el régimen --")
    )
    autopostback = (
        f" onchange=\"javascript:setTimeout('__doPostBack(\\'{_P}ddlRegimen\\',\\'\\')', 0)\""
    )
    rows = [
        '<tr><td colspan="2" class="titulo">Datos del Ticket</td></tr>',
        _row("No. de Ticket:", _textbox(values, "txtTicket", ' maxlength="20"')),
        _row("Fecha de Compra:", _textbox(values, "txtFecha") + " <small>(dd/mm/aaaa)</small>"),
        _row("Importe Total:", _textbox(values, "txtTotal")),
        '<tr><td colspan="2" class="titulo">Datos Fiscales del Receptor</td></tr>',
        _row("R.F.C.:", _textbox(values, "txtRFC", ' maxlength="13"')),
        _row("Nombre / Razón Social:", _textbox(values, "txtRazonSocial")),
        _row("C.P. Domicilio Fiscal:", _textbox(values, "txtCP", ' maxlength="5"')),
        _row(
            "Régimen Fiscal:",
            _select(
                "ddlRegimen", kit.options(regimes, regime_id, "-- Seleccione --"), autopostback
            ),
        ),
        _row("Uso del CFDI:", _select("ddlUsoCFDI", use_tags)),
        _row("Correo Electrónico:", _textbox(values, "txtCorreo")),
    ]
    return f"""<form method="post" action="./Facturacion.aspx" id="form1">
<div class="aspNetHidden">{_hidden(values)}</div>{_POSTBACK_JS}
<h2>Facturación Electrónica</h2>
<table class="tblForm">{"".join(rows)}</table>
<p><input type="submit" name="{_P}btnFacturar" value="Generar Factura" id="MainContent_btnFacturar"
 class="btn" /> <span id="MainContent_lblMensaje" class="msg">{message}</span></p>
{downloads}</form>"""


def _yellow_screen() -> Response:
    body = """<h1>Error de servidor en la aplicación '/'.</h1><h2><i>El estado de vista no es
válido.</i></h2><p>Descripción: Excepción no controlada al ejecutar la solicitud Web actual.</p>"""
    return kit.page(BRAND, "Error de servidor", body, status=500)


async def _postback(ledger: Ledger, request: Request) -> Response:
    values = await kit.form_data(request)
    if "__VIEWSTATE" not in values:
        return _yellow_screen()
    if values.get("__EVENTTARGET") or _P + "btnFacturar" not in values:
        return kit.page(BRAND, "Facturación", _form(values))
    values["regimen_code"] = REGIME_IDS.get(values.get(_P + "ddlRegimen", ""), "")
    try:
        day = kit.read_dmy(values, _P + "txtFecha", "Fecha inválida, use el formato dd/mm/aaaa.")
        invoice = kit.read_request(values, FIELDS, day=day)
        stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer, check_zip=True)
    except kit.InputError as error:
        return kit.page(BRAND, "Facturación", _form(values, kit.esc(str(error))))
    except Refused as refused:
        return kit.page(
            BRAND, "Facturación", _form(values, kit.refusal_html(NAME, refused, "Reimprimir"))
        )
    xml, pdf = kit.cfdi_url(NAME, stamp, "xml"), kit.cfdi_url(NAME, stamp, "pdf")
    downloads = f"""<div id="MainContent_pnlDescarga" class="ok">Su factura se generó correctamente.
UUID: <span id="MainContent_lblUUID">{stamp.uuid}</span><br>
<a id="MainContent_lnkXML" download="factura.xml" href="{xml}?inline=1">Descargar XML</a> |
<a id="MainContent_lnkPDF" download="factura.pdf" href="{pdf}?inline=1">Descargar PDF</a></div>"""
    return kit.page(BRAND, "Facturación", _form(values, "", downloads))


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return RedirectResponse(f"/{NAME}/Facturacion.aspx", status_code=302)

    async def form(request: Request) -> Response:
        if request.method == "POST":
            return await _postback(ledger, request)
        return kit.page(BRAND, "Facturación", _form({}))

    return [
        Route("/", entry),
        Route("/Facturacion.aspx", form, methods=["GET", "POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
