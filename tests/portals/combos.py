"""`combos`: ARIA comboboxes (typing filters the listbox) for regime and CFDI use, the payment
form as radios, the e-mail typed twice, a required privacy checkbox, "Emitir CFDI"; the
vendor validates the zip code against the SAT too."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "combos"
BRAND = kit.Brand(
    "Librerías Gaviota",
    Issuer("LGA030611PP2", "LIBRERIAS GAVIOTA"),
    "#1a237e",
    css=".f{margin:12px 0}.f>label{display:block;font-size:13px;color:#555}.f input[type=text]"
    "{width:100%;padding:8px;border:0;border-bottom:2px solid #9fa8da} .combo{position:relative}"
    " [role=listbox]{position:absolute;z-index:5;background:#fff;list-style:none;margin:0;"
    "padding:0;max-height:220px;overflow:auto;border:1px solid #9fa8da;width:100%}"
    " [role=option]{padding:6px 10px;cursor:pointer} [role=option].active,[role=option]:hover"
    "{background:#e8eaf6}",
    tagline="Facturación en línea",
)
FIELDS = {
    "folio": "ticket",
    "total": "importe",
    "rfc": "rfc",
    "name": "razon_social",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "correo",
}
PAYMENT_FORMS = [
    ("01", "Efectivo"),
    ("04", "Tarjeta de crédito"),
    ("28", "Tarjeta de débito"),
    ("03", "Transferencia electrónica"),
]
COMBO_JS = """<script>
document.querySelectorAll('.combo').forEach(function (box) {
  var input = box.querySelector('[role=combobox]'), list = box.querySelector('[role=listbox]');
  var hidden = box.querySelector('input[type=hidden]');
  var items = Array.prototype.slice.call(list.querySelectorAll('[role=option]')), active = -1;
  function shown() { return items.filter(function (o) { return !o.hidden; }); }
  function open(on) { list.hidden = !on; input.setAttribute('aria-expanded', String(on)); }
  function mark(i) {
    var v = shown(); active = i;
    v.forEach(function (o, n) { o.classList.toggle('active', n === i); });
    if (!v[i]) return;
    input.setAttribute('aria-activedescendant', v[i].id);
    v[i].scrollIntoView({block: 'nearest'});
  }
  function choose(o) {
    input.value = o.textContent; hidden.value = o.getAttribute('data-value');
    items.forEach(function (x) {
      x.setAttribute('aria-selected', String(x === o)); x.hidden = false;
    });
    open(false);
  }
  input.addEventListener('focus', function () { open(true); });
  input.addEventListener('click', function () { open(true); });
  input.addEventListener('blur', function () { setTimeout(function () { open(false); }, 150); });
  input.addEventListener('input', function () {
    var q = input.value.toLowerCase(); hidden.value = '';
    items.forEach(function (o) { o.hidden = o.textContent.toLowerCase().indexOf(q) < 0; });
    open(true); mark(-1);
  });
  input.addEventListener('keydown', function (e) {
    var v = shown();
    if (e.key === 'ArrowDown') { open(true); mark(Math.min(active + 1, v.length - 1)); }
    else if (e.key === 'ArrowUp') { mark(Math.max(active - 1, 0)); }
    else if (e.key === 'Enter' && v[active]) { choose(v[active]); }
    else if (e.key === 'Escape') { open(false); return; }
    else return;
    e.preventDefault();
  });
  items.forEach(function (o) {
    o.addEventListener('mousedown', function (e) { e.preventDefault(); });
    o.addEventListener('click', function () { choose(o); });
  });
});
</script>"""


def _text(values: Mapping[str, str], name: str, label: str, hint: str = "") -> str:
    return (
        f'<div class="f"><label for="{name}">{label}</label><input type="text" id="{name}" '
        f'name="{name}" value="{kit.esc(values.get(name, ""))}"{hint}></div>'
    )


def _combo(values: Mapping[str, str], name: str, label: str, pairs: list[tuple[str, str]]) -> str:
    value = values.get(name, "")
    text = next((t for v, t in pairs if v == value), "")
    items = "".join(
        f'<li role="option" id="{name}-{v}" data-value="{v}" '
        f'aria-selected="{str(v == value).lower()}">'
        f"{kit.esc(t)}</li>"
        for v, t in pairs
    )
    return f"""<div class="f"><label id="{name}-label" for="{name}-input">{label}</label>
<div class="combo"><input type="text" id="{name}-input" role="combobox" aria-autocomplete="list"
 aria-expanded="false" aria-controls="{name}-list" autocomplete="off" value="{kit.esc(text)}"
 placeholder="Escribe para buscar…">
<ul id="{name}-list" role="listbox" aria-labelledby="{name}-label" hidden>{items}</ul>
<input type="hidden" name="{name}" value="{kit.esc(value)}"></div></div>"""


def _payment(values: Mapping[str, str]) -> str:
    radios = "".join(
        f'<label><input type="radio" name="forma_pago" value="{code}"'
        f"{' checked' if values.get('forma_pago') == code else ''}> {text}</label> "
        for code, text in PAYMENT_FORMS
    )
    return (
        f'<fieldset class="f" role="radiogroup"><legend>Forma de pago</legend>{radios}</fieldset>'
    )


def _form(values: Mapping[str, str], error: str = "") -> str:
    notice = f'<div class="error" role="alert">{error}</div>' if error else ""
    regimes = [(c, f"{c} - {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} - {t}") for c, t in kit.cfdi_uses()]
    checked = " checked" if values.get("aviso") else ""
    return f"""<h1>Genera tu factura</h1>{notice}<form method="post" action="emitir">
{_text(values, "ticket", "Número de ticket")}
{_text(values, "fecha", "Fecha de compra", ' placeholder="dd/mm/aaaa"')}
{_text(values, "importe", "Importe total")}
{_payment(values)}
{_text(values, "rfc", "RFC")}{_text(values, "razon_social", "Razón social")}
{_text(values, "cp", "Código postal fiscal")}
{_combo(values, "regimen", "Régimen fiscal", regimes)}
{_combo(values, "uso", "Uso del CFDI", uses)}
{_text(values, "correo", "Correo electrónico")}
{_text(values, "correo2", "Confirma tu correo electrónico")}
<p><input type="checkbox" id="aviso" name="aviso" value="1"{checked}>
<label for="aviso">Acepto el aviso de privacidad</label></p>
<button type="submit">Emitir CFDI</button></form>"""


def _check(values: Mapping[str, str]) -> None:
    if values.get("forma_pago") not in dict(PAYMENT_FORMS):
        raise kit.InputError("Selecciona la forma de pago.")
    if values.get("correo", "").strip().lower() != values.get("correo2", "").strip().lower():
        raise kit.InputError("Los correos electrónicos no coinciden.")
    if not values.get("aviso"):
        raise kit.InputError("Debes aceptar el aviso de privacidad para continuar.")


def routes(ledger: Ledger) -> list[BaseRoute]:
    async def entry(request: Request) -> Response:
        return kit.page(BRAND, "Factura", _form({}), script=COMBO_JS)

    async def emit(request: Request) -> Response:
        values = await kit.form_data(request)
        try:
            day = kit.read_dmy(
                values, "fecha", "La fecha de compra debe escribirse como dd/mm/aaaa."
            )
            _check(values)
            extra = {"Forma de pago": values["forma_pago"]}
            invoice = kit.read_request(values, FIELDS, day=day, extra=extra)
            stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer, check_zip=True)
        except kit.InputError as error:
            return kit.page(BRAND, "Factura", _form(values, kit.esc(str(error))), script=COMBO_JS)
        except Refused as refused:
            return kit.page(
                BRAND, "Factura", _form(values, kit.refusal_html(NAME, refused)), script=COMBO_JS
            )
        body = f"""<h1>CFDI emitido</h1><p class="ok">UUID {stamp.uuid}</p>
<p><a href="{kit.cfdi_url(NAME, stamp, "xml")}">Descargar XML</a> |
<a href="{kit.cfdi_url(NAME, stamp, "pdf")}">Descargar PDF</a></p>"""
        return kit.page(BRAND, "CFDI emitido", body)

    return [
        Route("/", entry),
        Route("/emitir", emit, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
