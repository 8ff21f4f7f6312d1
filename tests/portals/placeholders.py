"""`placeholders`: a plain-JS single page: no labels (placeholders and first options only),
cryptic names, a cookie banner over the form, fetch() with a slow answer and a spinner, the
result rendered in place and the files downloaded as Blob URLs."""

from __future__ import annotations

import asyncio
import base64

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "placeholders"
DELAY_S = 1.5
BRAND = kit.Brand(
    "Súper La Canasta",
    Issuer("SLC050720QW0", "SUPER LA CANASTA"),
    "#f57c00",
    css=".grid{display:grid;grid-template-columns:1fr 1fr;gap:12px} .grid input,.grid select"
    "{width:100%;padding:10px;border:1px solid #ccc;border-radius:6px;font-size:15px}"
    " #spin{display:none;"
    "margin:12px 0} #spin.on{display:block} .overlay{position:fixed;inset:0;z-index:50;"
    "background:rgba(0,0,0,.55);display:flex;align-items:flex-end} .overlay .card{background:"
    "#fff;width:100%;padding:22px} .hidden{display:none!important}",
    tagline="Factura tu compra",
)
FIELDS = {
    "folio": "f1",
    "total": "f3",
    "rfc": "f4",
    "name": "f5",
    "zip": "f6",
    "tax_system": "f7",
    "cfdi_use": "f8",
    "email": "f9",
}
_SCRIPT = """<script>
document.getElementById('ck-ok').onclick = function () {
  document.getElementById('ck').classList.add('hidden');
};
function save(name, type, data) {
  var a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], {type: type}));
  a.download = name; document.body.appendChild(a); a.click(); a.remove();
}
function pdfBytes(b64) {
  var s = atob(b64), out = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
function show(r) {
  var box = document.getElementById('out');
  if (!r.ok) {
    box.innerHTML = '<p class="error"></p>';
    box.firstChild.textContent = r.message;
    if (r.lookup) box.firstChild.insertAdjacentHTML('beforeend',
        ' <a href="' + r.lookup + '">Ver factura emitida</a>');
    return;
  }
  document.getElementById('app').classList.add('hidden');
  box.innerHTML = '<p class="ok">¡Listo! Factura timbrada. UUID: <b>' + r.uuid + '</b></p>' +
    '<button id="bx">Descargar XML</button> <button id="bp">Descargar PDF</button>';
  document.getElementById('bx').onclick = function () {
    save(r.uuid + '.xml', 'application/xml', r.xml); };
  document.getElementById('bp').onclick = function () {
    save(r.uuid + '.pdf', 'application/pdf', pdfBytes(r.pdf)); };
}
document.getElementById('go').onclick = function () {
  var data = {};
  document.querySelectorAll('#app [name]').forEach(function (el) { data[el.name] = el.value; });
  document.getElementById('spin').classList.add('on');
  document.getElementById('out').innerHTML = '';
  fetch('api/solicitud', {method: 'POST', headers: {'Content-Type': 'application/json'},
                          body: JSON.stringify(data)})
    .then(function (res) { return res.json(); })
    .then(show)
    .catch(function () { show({ok: false, message: 'Error de comunicación, intenta de nuevo'}); })
    .finally(function () { document.getElementById('spin').classList.remove('on'); });
};
</script>"""


def _body() -> str:
    regimes = kit.options(kit.tax_systems(), placeholder="Régimen fiscal")
    uses = kit.options([(c, f"{c} - {t}") for c, t in kit.cfdi_uses()], placeholder="Uso del CFDI")
    return f"""<div id="ck" class="overlay"><div class="card">Utilizamos cookies propias y de
terceros para mejorar tu experiencia. Al continuar aceptas nuestra política de cookies.
<button id="ck-ok">Aceptar</button></div></div>
<h1>Solicita tu factura</h1>
<div id="app"><div class="grid">
<input name="f1" placeholder="Número de ticket" autocomplete="off">
<input name="f2" placeholder="Fecha de compra (DD/MM/AAAA)">
<input name="f3" placeholder="Total de la compra" inputmode="decimal">
<input name="f4" placeholder="RFC" maxlength="13">
<input name="f5" placeholder="Nombre o razón social">
<input name="f6" placeholder="Código postal" maxlength="5">
<select name="f7">{regimes}</select>
<select name="f8">{uses}</select>
<input name="f9" placeholder="Correo electrónico" type="email">
</div><p><button id="go" type="button">Solicitar factura</button></p></div>
<div id="spin" role="status"><span class="wheel">⟳</span> Procesando tu solicitud…</div>
<div id="out"></div>"""


def _answer(ledger: Ledger, values: dict[str, str]) -> dict[str, object]:
    try:
        day = kit.read_dmy(values, "f2", "Escribe la fecha como DD/MM/AAAA")
        stamp = ledger.issue(NAME, kit.read_request(values, FIELDS, day=day), issuer=BRAND.issuer)
    except kit.InputError as error:
        return {"ok": False, "message": str(error)}
    except Refused as refused:
        lookup = f"/{NAME}/consulta/{refused.existing.uuid}" if refused.existing else None
        return {"ok": False, "message": refused.message, "lookup": lookup}
    pdf = base64.b64encode(stamp.pdf).decode()
    return {"ok": True, "uuid": stamp.uuid, "xml": stamp.xml.decode(), "pdf": pdf}


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return kit.page(BRAND, "Facturación", _body(), script=_SCRIPT)

    async def submit(request: Request) -> Response:
        values = await kit.json_data(request)
        if values is None:
            return JSONResponse({"ok": False, "message": "Solicitud inválida"}, status_code=400)
        await asyncio.sleep(DELAY_S)  # the vendor's slow back end: the spinner must be waited out
        return JSONResponse(_answer(ledger, values))

    return [
        Route("/", entry),
        Route("/api/solicitud", submit, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
