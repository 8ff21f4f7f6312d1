"""`divs`: a welcome pop-up, labels as plain divs, dropdowns made of divs with no ARIA, a
`<div class="btn">` that submits, and downloads that are form POSTs answered as attachments."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "divs"
BRAND = kit.Brand(
    "Café Aroma y Raíz",
    Issuer("CAR150318GH9", "CAFE AROMA Y RAIZ"),
    "#5d4037",
    css=".lbl{font-size:12px;text-transform:uppercase;color:#8d6e63;margin-top:14px}"
    ".in{width:100%;padding:8px;border:1px solid #d7ccc8;border-radius:4px}"
    ".dd{position:relative;border:1px solid #d7ccc8;border-radius:4px;cursor:pointer}"
    ".dd-sel{padding:8px}.dd-opts{display:none;position:absolute;left:0;right:0;z-index:9;"
    "background:#fff;border:1px solid #d7ccc8;max-height:240px;overflow:auto}"
    ".dd.open .dd-opts{display:block}.dd-opt{padding:7px}.dd-opt:hover{background:#efebe9}"
    ".btn{display:inline-block;margin-top:18px;padding:10px 28px;background:var(--brand);"
    "color:#fff;border-radius:20px;cursor:pointer}.modal-bg{position:fixed;inset:0;z-index:20;"
    "background:rgba(0,0,0,.4)}.modal{position:fixed;top:30%;left:50%;z-index:21;width:380px;"
    "margin-left:-190px;background:#fff;padding:20px;border-radius:8px}",
    tagline="Facturación de consumos",
)
FIELDS = {
    "folio": "numTicket",
    "total": "montoTotal",
    "rfc": "rfcCliente",
    "name": "nombreCliente",
    "zip": "cpCliente",
    "tax_system": "regimen",
    "cfdi_use": "usoCfdi",
    "email": "emailCliente",
}
_SCRIPT = """<script>
var notice = document.getElementById('cerrar-aviso');
if (notice) notice.onclick = function () {
  document.querySelectorAll('.modal,.modal-bg').forEach(function (el) { el.remove(); });
};
document.querySelectorAll('.dd').forEach(function (dd) {
  dd.querySelector('.dd-sel').onclick = function (e) {
    document.querySelectorAll('.dd.open').forEach(function (o) {
      if (o !== dd) o.classList.remove('open');
    });
    dd.classList.toggle('open'); e.stopPropagation();
  };
  dd.querySelectorAll('.dd-opt').forEach(function (opt) {
    opt.onclick = function (e) {
      dd.querySelector('.dd-sel').textContent = opt.textContent;
      dd.querySelector('input').value = opt.getAttribute('data-v');
      dd.classList.remove('open'); e.stopPropagation();
    };
  });
});
document.addEventListener('click', function () {
  document.querySelectorAll('.dd.open').forEach(function (o) { o.classList.remove('open'); });
});
function facturar() { document.getElementById('frm').submit(); }
</script>"""


def _input(values: Mapping[str, str], name: str, label: str) -> str:
    return (
        f'<div class="lbl">{label}</div>'
        f'<input class="in" type="text" name="{name}" value="{kit.esc(values.get(name, ""))}">'
    )


def _dropdown(
    values: Mapping[str, str], name: str, label: str, pairs: list[tuple[str, str]]
) -> str:
    value = values.get(name, "")
    shown = next((text for code, text in pairs if code == value), "Seleccione…")
    items = "".join(
        f'<div class="dd-opt" data-v="{code}">{kit.esc(text)}</div>' for code, text in pairs
    )
    return f"""<div class="lbl">{label}</div>
<div class="dd"><div class="dd-sel">{kit.esc(shown)}</div><div class="dd-opts">{items}</div>
<input type="hidden" name="{name}" value="{kit.esc(value)}"></div>"""


def _form(values: Mapping[str, str], error: str = "", welcome: bool = False) -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    popup = (
        '<div class="modal-bg"></div><div class="modal"><b>Aviso</b><p>Recuerda que solo puedes '
        "facturar consumos del mes en curso.</p>"
        '<div class="btn" id="cerrar-aviso">Entendido</div></div>'
        if welcome
        else ""
    )
    regimes = [(c, f"{t} ({c})") for c, t in kit.tax_systems()]
    uses = [(c, f"{t} ({c})") for c, t in kit.cfdi_uses()]
    return f"""{popup}<h2>Factura tu consumo</h2>{notice}
<form id="frm" method="post" action="factura">
{_input(values, "numTicket", "Número de ticket")}
{_input(values, "fechaTicket", "Fecha del ticket (DD/MM/AAAA)")}
{_input(values, "montoTotal", "Total a facturar")}
{_input(values, "rfcCliente", "RFC")}
{_input(values, "nombreCliente", "Nombre o razón social")}
{_input(values, "cpCliente", "C.P. fiscal")}
{_dropdown(values, "regimen", "Régimen fiscal", regimes)}
{_dropdown(values, "usoCfdi", "Uso del CFDI", uses)}
{_input(values, "emailCliente", "E-mail")}
<div class="btn" onclick="facturar()">Facturar</div></form>"""


def _download_form(stamp_uuid: str, kind: str, label: str) -> str:
    return (
        f'<form method="post" action="descargar" style="display:inline">'
        f'<input type="hidden" name="uuid" value="{stamp_uuid}"><input type="hidden" '
        f'name="tipo" value="{kind}"><button type="submit">{label}</button></form> '
    )


def routes(ledger: Ledger) -> list[BaseRoute]:
    def show(values: Mapping[str, str], error: str = "", welcome: bool = False) -> Response:
        return kit.page(BRAND, "Facturación", _form(values, error, welcome), script=_SCRIPT)

    async def entry(request: Request) -> Response:
        return show({}, welcome=True)

    async def invoice(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            day = kit.read_dmy(values, "fechaTicket", "Fecha inválida (DD/MM/AAAA).")
            stamp = ledger.issue(
                NAME, kit.read_request(values, FIELDS, day=day), issuer=BRAND.issuer
            )
        except kit.InputError as error:
            return show(values, kit.esc(str(error)))
        except Refused as refused:
            return show(values, kit.refusal_html(NAME, refused, "Ver factura"))
        body = f"""<h2>¡Gracias! Tu factura fue generada</h2><p class="ok">UUID {stamp.uuid}</p>
<p>{_download_form(stamp.uuid, "xml", "Descargar XML")}
{_download_form(stamp.uuid, "pdf", "Descargar PDF")}</p>"""
        return kit.page(BRAND, "Factura generada", body)

    async def download(request: Request) -> Response:
        values = await kit.form_data(request)
        stamp = ledger.find(NAME, values.get("uuid", ""))
        kind = values.get("tipo", "")
        if stamp is None or kind not in ("xml", "pdf"):
            return kit.page(
                BRAND, "Error", '<p class="error">Archivo no disponible.</p>', status=404
            )
        body, media = (
            (stamp.xml, "application/xml") if kind == "xml" else (stamp.pdf, "application/pdf")
        )
        disposition = f'attachment; filename="CFDI_{stamp.folio}.{kind}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})

    return [
        Route("/", entry),
        Route("/factura", invoice, methods=["POST"]),
        Route("/descargar", download, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
