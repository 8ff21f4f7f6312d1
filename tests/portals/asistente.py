"""`asistente`: a three-step wizard and a confirmation: the ticket (date as day/month/year
selects, a currency-masked total), the RFC with a "Buscar" lookup that enables the rest
(regimes as opaque ids, CFDI uses per regime), then "Timbrar"; the result is one ZIP."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autofactura.core.fiscal.catalogs import TAX_SYSTEMS
from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused, parse_amount
from tests.support.cfdi_factory import make_zip

NAME = "asistente"
BRAND = kit.Brand(
    "Tiendas Sol de Oriente",
    Issuer("TSO910214LM0", "TIENDAS SOL DE ORIENTE"),
    "#6a1b9a",
    css=".steps{display:flex;gap:8px;margin-bottom:18px}.steps span{flex:1;padding:6px;"
    "background:#eee;text-align:center}.steps .on{background:var(--brand);color:#fff}"
    ".row{margin:10px 0}.row label{display:inline-block;width:190px}input,select{padding:6px}"
    "input:disabled,select:disabled{background:#eee}",
)
FIELDS = {
    "folio": "folio",
    "total": "total",
    "rfc": "rfc",
    "name": "razon",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "email",
}
MASK_JS = """<script>
var money = document.getElementById('importe');
function mask() {
  var v = money.value.replace(/[^0-9.]/g, ''), dot = v.indexOf('.');
  var whole = (dot < 0 ? v : v.slice(0, dot)).replace(/^0+(?=\\d)/, '');
  var cents = dot < 0 ? null : v.slice(dot + 1).replace(/\\./g, '').slice(0, 2);
  whole = whole.replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
  money.value = v ? '$' + whole + (cents === null ? '' : '.' + cents) : '';
}
money.addEventListener('input', mask);
money.addEventListener('blur', function () {
  if (!money.value) return;
  var n = parseFloat(money.value.replace(/[$,]/g, '')) || 0;
  money.value = '$' + n.toFixed(2).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
});
</script>"""
LOOKUP_JS = """<script>
var found = null;
function fillUses() {
  var uso = document.getElementById('uso'), id = document.getElementById('regimen').value;
  uso.innerHTML = '<option value="">Selecciona</option>';
  ((found && found.usos[id]) || []).forEach(function (u) { uso.add(new Option(u[1], u[0])); });
}
document.getElementById('regimen').addEventListener('change', fillUses);
document.getElementById('buscar').onclick = function () {
  var msg = document.getElementById('msg');
  fetch('api/rfc?rfc=' + encodeURIComponent(document.getElementById('rfc').value))
    .then(function (r) { return r.json(); })
    .then(function (r) {
      msg.textContent = r.ok ? '' : r.message;
      if (!r.ok) return;
      found = r;
      var reg = document.getElementById('regimen');
      reg.innerHTML = '<option value="">Selecciona</option>';
      r.regimenes.forEach(function (x) { reg.add(new Option(x[1], x[0])); });
      document.querySelectorAll('.after-lookup').forEach(function (el) { el.disabled = false; });
      fillUses();
    });
};
</script>"""


def regime_id(code: str) -> str:
    """The vendor's opaque id for a regime (stable, unrelated to the SAT code's digits)."""
    return "r_" + hashlib.sha1(f"sol:{code}".encode()).hexdigest()[:4]  # noqa: S324 (an id)


REGIME_CODES = {regime_id(code): code for code in TAX_SYSTEMS}


def _steps(current: int) -> str:
    titles = ["1. Ticket", "2. Datos fiscales", "3. Confirmación"]
    spans = [
        f'<span class="{"on" if n == current else ""}">{t}</span>' for n, t in enumerate(titles, 1)
    ]
    return f'<div class="steps">{"".join(spans)}</div>'


def _step1(error: str = "") -> str:
    today = date.today()
    days = kit.options([(str(d), f"{d:02d}") for d in range(1, 32)], placeholder="Día")
    months = kit.options([(str(n), m) for n, m in enumerate(kit.MONTHS, 1)], placeholder="Mes")
    years = kit.options([(str(y), str(y)) for y in (today.year, today.year - 1)], placeholder="Año")
    return f"""{_steps(1)}<h2>Datos del ticket</h2>{error}
<form method="post" action="paso1">
<div class="row"><label for="folio">Número de ticket</label><input id="folio" name="folio"></div>
<div class="row"><label>Fecha de compra</label><select name="dia" aria-label="Día">{days}</select>
<select name="mes" aria-label="Mes">{months}</select>
<select name="anio" aria-label="Año">{years}</select></div>
<div class="row"><label for="importe">Total pagado</label>
<input id="importe" name="total" placeholder="$0.00" autocomplete="off"></div>
<button type="submit">Siguiente</button></form>"""


def _step2(token: str, rfc: str = "", error: str = "") -> str:
    def row(name: str, label: str) -> str:
        return (
            f'<div class="row"><label for="{name}">{label}</label>'
            f'<input id="{name}" name="{name}" class="after-lookup" disabled></div>'
        )

    return f"""{_steps(2)}<h2>Datos fiscales</h2>{error}
<form method="post" action="paso2"><input type="hidden" name="t" value="{token}">
<div class="row"><label for="rfc">RFC</label><input id="rfc" name="rfc" value="{kit.esc(rfc)}"
 maxlength="13"> <button type="button" id="buscar">Buscar</button>
<span id="msg" class="error-text"></span></div>
{row("razon", "Nombre o razón social")}{row("cp", "Código postal")}
<div class="row"><label for="regimen">Régimen fiscal</label>
<select id="regimen" name="regimen" class="after-lookup" disabled></select></div>
<div class="row"><label for="uso">Uso de CFDI</label>
<select id="uso" name="uso" class="after-lookup" disabled></select></div>
{row("email", "Correo electrónico")}
<button type="submit" class="after-lookup" disabled>Siguiente</button></form>"""


def _step3(token: str, data: dict[str, str], error: str = "") -> str:
    regime = data["regimen"]
    shown = [
        ("Ticket", data["folio"]),
        ("Fecha", data["fecha"]),
        ("Total", f"${parse_amount(data['total']) or 0:,.2f}"),
        ("RFC", data["rfc"].upper()),
        ("Razón social", data["razon"].upper()),
        ("Código postal", data["cp"]),
        ("Régimen fiscal", f"{regime} - {TAX_SYSTEMS[regime].description}"),
        ("Uso de CFDI", data["uso"]),
        ("Correo", data["email"]),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{kit.esc(v)}</td></tr>" for k, v in shown)
    return f"""{_steps(3)}<h2>Confirma tus datos</h2>{error}<table>{rows}</table>
<p>Verifica que tus datos sean correctos: una vez timbrada, la factura no se puede modificar.</p>
<form method="post" action="timbrar"><input type="hidden" name="t" value="{token}">
<button type="submit" name="accion" value="regresar">Regresar</button>
<button type="submit" name="accion" value="timbrar">Timbrar</button></form>"""


def _lookup(rfc: str) -> dict[str, Any]:
    rfc = rfc.strip().upper()
    if len(rfc) not in (12, 13):
        return {"ok": False, "message": "RFC inválido: debe tener 12 o 13 caracteres"}
    moral = len(rfc) == 12
    codes = [c for c, s in TAX_SYSTEMS.items() if (s.for_moral if moral else s.for_fisica)]
    regimes = [[regime_id(c), f"{c} - {TAX_SYSTEMS[c].description}"] for c in codes]
    uses = {regime_id(c): [[u, f"{u} - {t}"] for u, t in kit.cfdi_uses(c)] for c in codes}
    return {"ok": True, "regimenes": regimes, "usos": uses}


def _read_step1(values: dict[str, str]) -> dict[str, str]:
    try:
        day = date(int(values["anio"]), int(values["mes"]), int(values["dia"]))
    except (KeyError, ValueError) as error:
        raise kit.InputError("Selecciona una fecha de compra válida.") from error
    if not values.get("folio", "").strip() or parse_amount(values.get("total", "")) is None:
        raise kit.InputError("Captura el número de ticket y el total pagado.")
    return {"folio": values["folio"].strip(), "fecha": day.isoformat(), "total": values["total"]}


def routes(ledger: Ledger) -> list[BaseRoute]:
    wizards: dict[str, dict[str, str]] = {}

    def show(title: str, body: str, script: str = "") -> Response:
        return kit.page(BRAND, title, body, script=script)

    def fail(message: str) -> str:
        return f'<div class="error" role="alert">{message}</div>'

    async def entry(request: Request) -> Response:
        return show("Paso 1", _step1(), MASK_JS)

    async def step1(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            ticket = _read_step1(values)
            ledger.check_ticket(NAME, ticket["folio"], parse_amount(ticket["total"]))
        except kit.InputError as error:
            return show("Paso 1", _step1(fail(kit.esc(str(error)))), MASK_JS)
        except Refused as refused:
            return show("Paso 1", _step1(fail(kit.refusal_html(NAME, refused))), MASK_JS)
        token = secrets.token_urlsafe(12)
        wizards[token] = ticket
        return RedirectResponse(f"/{NAME}/paso2?t={token}", status_code=303)

    async def step2(request: Request) -> Response:
        if request.method == "GET":
            token = request.query_params.get("t", "")
            rfc = wizards.get(token, {}).get("rfc", "")
            return show("Paso 2", _step2(token, rfc), LOOKUP_JS)
        values = await kit.form_data(request)
        token = values.get("t", "")
        if token not in wizards:
            return RedirectResponse(f"/{NAME}/", status_code=303)
        data = {
            **wizards[token],
            **values,
            "regimen": REGIME_CODES.get(values.get("regimen", ""), ""),
        }
        try:
            kit.read_request(data, FIELDS)
        except kit.InputError as error:
            return show(
                "Paso 2", _step2(token, values.get("rfc", ""), fail(kit.esc(str(error)))), LOOKUP_JS
            )
        wizards[token] = data
        return RedirectResponse(f"/{NAME}/paso3?t={token}", status_code=303)

    async def step3(request: Request) -> Response:
        token = request.query_params.get("t", "")
        if "regimen" not in wizards.get(token, {}):
            return RedirectResponse(f"/{NAME}/", status_code=303)
        return show("Confirmación", _step3(token, wizards[token]))

    async def stamp(request: Request) -> Response:
        values = await kit.form_data(request)
        token = values.get("t", "")
        data = wizards.get(token)
        if data is None or "regimen" not in data:
            return RedirectResponse(f"/{NAME}/", status_code=303)
        if values.get("accion") == "regresar":
            return RedirectResponse(f"/{NAME}/paso2?t={token}", status_code=303)
        try:
            invoice = kit.read_request(data, FIELDS, day=data["fecha"])
            issued = ledger.issue(NAME, invoice, issuer=BRAND.issuer)
        except Refused as refused:
            return show("Confirmación", _step3(token, data, fail(kit.refusal_html(NAME, refused))))
        del wizards[token]
        body = f"""<h2>¡Factura timbrada!</h2><p class="ok">UUID {issued.uuid}</p>
<p><a class="button" href="zip/{issued.uuid}">Descargar factura (ZIP con XML y PDF)</a></p>"""
        return show("Factura", body)

    async def rfc_lookup(request: Request) -> Response:
        return JSONResponse(_lookup(request.query_params.get("rfc", "")))

    async def archive(request: Request) -> Response:
        found = ledger.find(NAME, request.path_params["uuid"])
        if found is None:
            return Response("No encontrado", status_code=404)
        body = make_zip({f"{found.uuid}.xml": found.xml, f"{found.uuid}.pdf": found.pdf})
        disposition = f'attachment; filename="factura_{found.folio}.zip"'
        return Response(
            body, media_type="application/zip", headers={"Content-Disposition": disposition}
        )

    return [
        Route("/", entry),
        Route("/paso1", step1, methods=["POST"]),
        Route("/paso2", step2, methods=["GET", "POST"]),
        Route("/paso3", step3),
        Route("/timbrar", stamp, methods=["POST"]),
        Route("/api/rfc", rfc_lookup),
        Route("/zip/{uuid}", archive),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
