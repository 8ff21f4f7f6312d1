"""`errores`: a restaurant group's AJAX form that shows each failure its own way: alert() for a
ticket not found, a red role=alert box for a refused receptor, a modal for an invoiced
ticket (with the link to it), a toast for an expired one, an error page for an outage."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import OUTAGE, Issuer, Ledger, Refusal, Refused

NAME = "errores"
STORES = [
    ("105", "105 - Plaza Centro"),
    ("212", "212 - Galerías Norte"),
    ("318", "318 - Aeropuerto"),
]
BRAND = kit.Brand(
    "Grupo Alba Restaurantes",
    Issuer("GAL000404CD5", "GRUPO ALBA RESTAURANTES"),
    "#ad1457",
    css=".mb{margin-bottom:10px}.mb label{display:block;font-weight:600}.mb input,.mb select"
    "{width:100%;padding:7px;border:1px solid #ccc;border-radius:4px}.alert-danger{color:#721c24;"
    "background:#f8d7da;padding:12px;border-radius:4px}.backdrop{position:fixed;inset:0;"
    "background:rgba(0,0,0,.5);z-index:30}.dialog{position:fixed;top:25%;left:50%;width:420px;"
    "margin-left:-210px;background:#fff;padding:22px;z-index:31;border-radius:6px}"
    ".toast{position:fixed;right:20px;bottom:20px;background:#333;color:#fff;padding:14px;"
    "border-radius:4px;z-index:40}",
    tagline="Facturación de consumos en restaurantes",
)
FIELDS = {
    "folio": "ticket",
    "total": "total",
    "rfc": "rfc",
    "name": "razon",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "correo",
}
_SCRIPT = """<script>
function el(html) {
  var d = document.createElement('div'); d.innerHTML = html; return d.firstChild;
}
function text(node, value) { node.textContent = value; return node; }
var show = {
  alert: function (r) { alert(r.message); },
  box: function (r) {
    var box = el('<div role="alert" class="alert-danger"></div>');
    document.getElementById('avisos').appendChild(text(box, r.message));
  },
  modal: function (r) {
    var m = el('<div><div class="backdrop"></div>' +
      '<div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dlg-t">' +
      '<h3 id="dlg-t">Ticket facturado</h3><p></p>' +
      '<p><a class="button" href="' + r.lookup + '">Ver factura</a> ' +
      '<button type="button" class="close">Cerrar</button></p></div></div>');
    text(m.querySelector('p'), r.message);
    m.querySelector('.close').onclick = function () { m.remove(); };
    document.body.appendChild(m);
  },
  toast: function (r) {
    var t = text(el('<div class="toast" role="status"></div>'), r.message);
    document.body.appendChild(t); setTimeout(function () { t.remove(); }, 6000);
  },
  page: function (r) { location.href = r.location; },
  hint: function (r) { text(document.getElementById('hint'), r.message); },
  done: function (r) {
    document.getElementById('frm').outerHTML = '<div class="ok">Factura generada. UUID ' + r.uuid +
      '</div><p><a id="dl-xml" href="' + r.xml + '">Descargar XML</a> · ' +
      '<a id="dl-pdf" href="' + r.pdf + '">Descargar PDF</a></p>';
  }
};
document.getElementById('enviar').onclick = function () {
  document.getElementById('avisos').innerHTML = '';
  document.getElementById('hint').textContent = '';
  var data = {};
  document.querySelectorAll('#frm [name]').forEach(function (f) { data[f.name] = f.value; });
  var headers = {'Content-Type': 'application/json'};
  fetch('api/facturar', {method: 'POST', body: JSON.stringify(data), headers: headers})
    .then(function (r) { return r.json(); }).then(function (r) { show[r.show](r); });
};
</script>"""
_SHOW = {
    Refusal.NOT_FOUND: "alert",
    Refusal.DATA_MISMATCH: "alert",
    Refusal.RECEPTOR_REJECTED: "box",
    Refusal.ALREADY_INVOICED: "modal",
    Refusal.EXPIRED: "toast",
    Refusal.PORTAL_ERROR: "page",
}


def _form() -> str:
    def field(name: str, label: str) -> str:
        control = f'<input id="{name}" name="{name}">'
        return f'<div class="mb"><label for="{name}">{label}</label>{control}</div>'

    regimes = [(c, f"{c} - {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} - {t}") for c, t in kit.cfdi_uses()]
    return f"""<h1>Factura tu consumo</h1><div id="avisos"></div>
<form id="frm" onsubmit="return false">
<div class="mb"><label for="sucursal">Sucursal</label><select id="sucursal" name="sucursal">
{kit.options(STORES, placeholder="Selecciona la sucursal")}</select></div>
{field("ticket", "Número de ticket")}{field("fecha", "Fecha de consumo (dd/mm/aaaa)")}
{field("total", "Total del consumo")}{field("rfc", "RFC")}{field("razon", "Razón social")}
{field("cp", "Código postal")}
<div class="mb"><label for="regimen">Régimen fiscal</label><select id="regimen" name="regimen">
{kit.options(regimes, placeholder="Selecciona")}</select></div>
<div class="mb"><label for="uso">Uso de CFDI</label><select id="uso" name="uso">
{kit.options(uses, placeholder="Selecciona")}</select></div>
{field("correo", "Correo electrónico")}
<small id="hint" class="hint-err" style="color:#b00020"></small><br>
<button type="button" id="enviar">Facturar</button></form>"""


def _answer(ledger: Ledger, values: dict[str, str]) -> dict[str, str]:
    try:
        if values.get("sucursal") not in dict(STORES):
            raise kit.InputError("Selecciona la sucursal donde consumiste.")
        day = kit.read_dmy(values, "fecha", "Escribe la fecha como dd/mm/aaaa.")
        invoice = kit.read_request(values, FIELDS, day=day, store=values["sucursal"])
        stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer)
    except kit.InputError as error:
        return {"show": "hint", "message": str(error)}
    except Refused as refused:
        answer = {
            "show": _SHOW[refused.kind],
            "message": refused.message,
            "location": "error?ref=77812",
        }
        if refused.existing is not None:
            answer["lookup"] = f"/{NAME}/consulta/{refused.existing.uuid}"
        return answer
    return {
        "show": "done",
        "uuid": stamp.uuid,
        "xml": kit.cfdi_url(NAME, stamp, "xml"),
        "pdf": kit.cfdi_url(NAME, stamp, "pdf"),
    }


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return kit.page(BRAND, "Facturación", _form(), script=_SCRIPT)

    async def submit(request: Request) -> Response:
        values = await kit.json_data(request)
        if values is None:
            return JSONResponse({"show": "hint", "message": "Solicitud inválida"}, status_code=400)
        return JSONResponse(_answer(ledger, values))

    async def error_page(request: Request) -> Response:
        body = (
            f'<h1>Lo sentimos</h1><p class="error">{OUTAGE}</p><p><a href="/{NAME}/">Volver</a></p>'
        )
        return kit.page(BRAND, "Error", body, status=503)

    return [
        Route("/", entry),
        Route("/api/facturar", submit, methods=["POST"]),
        Route("/error", error_page),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
