"""`login`: a distributor's customer portal: a login wall (usuario/contraseña) before any form;
without a session every page sends the visitor back to it. Accounts: `ledger.accounts`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "login"
COOKIE = "DIN_SESSION"
WRONG_LOGIN = "Usuario o contraseña incorrectos."
BRAND = kit.Brand(
    "Distribuidora Industrial del Norte",
    Issuer("DIN930630EF5", "DISTRIBUIDORA INDUSTRIAL DEL NORTE"),
    "#455a64",
    css=".login{max-width:340px;margin:20px auto}.login input{width:100%;padding:8px;"
    "margin:4px 0 12px}.form label{display:block;margin-top:8px}.form input,.form select"
    "{width:70%;padding:5px}",
    tagline="Portal de clientes",
)
FIELDS = {
    "folio": "remision",
    "total": "importe",
    "rfc": "rfc",
    "name": "razon",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "uso",
    "email": "email",
}


def _login_page(error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    return f"""<div class="login"><h2>Iniciar sesión</h2>
<p>Para facturar tus compras ingresa con tu cuenta de cliente.</p>{notice}
<form method="post" action="/{NAME}/acceso">
<label for="usuario">Usuario</label><input id="usuario" name="usuario" autocomplete="username">
<label for="password">Contraseña</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Iniciar sesión</button></form>
<p><a href="#">¿Olvidaste tu contraseña?</a> · <a href="#">Regístrate</a></p></div>"""


def _invoice_form(user: str, values: Mapping[str, str], error: str = "") -> str:
    def field(name: str, label: str) -> str:
        value = kit.esc(values.get(name, ""))
        return (
            f'<label for="{name}">{label}</label><input id="{name}" name="{name}" value="{value}">'
        )

    notice = f'<div class="error">{error}</div>' if error else ""
    regimes = [(c, f"{c} - {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} - {t}") for c, t in kit.cfdi_uses()]
    return f"""<p>Sesión: <b>{kit.esc(user)}</b> · <a href="/{NAME}/salir">Cerrar sesión</a></p>
<h2>Facturar remisión</h2>{notice}<form class="form" method="post" action="/{NAME}/facturacion">
{field("remision", "Folio de remisión / ticket")}{field("fecha", "Fecha (dd/mm/aaaa)")}
{field("importe", "Importe total")}{field("rfc", "RFC")}{field("razon", "Razón social")}
{field("cp", "Código postal")}
<label for="regimen">Régimen fiscal</label><select id="regimen" name="regimen">
{kit.options(regimes, values.get("regimen", ""), "Seleccione")}</select>
<label for="uso">Uso de CFDI</label><select id="uso" name="uso">
{kit.options(uses, values.get("uso", ""), "Seleccione")}</select>
{field("email", "Correo electrónico")}<p><button type="submit">Facturar</button></p></form>"""


def routes(ledger: Ledger) -> list[BaseRoute]:
    sessions: dict[str, str] = {}

    def user_of(request: Request) -> str | None:
        return sessions.get(request.cookies.get(COOKIE, ""))

    def to_login() -> Response:
        return RedirectResponse(f"/{NAME}/?next=facturacion", status_code=302)

    async def entry(request: Request) -> Response:
        if user_of(request):
            return RedirectResponse(f"/{NAME}/facturacion", status_code=302)
        return kit.page(BRAND, "Iniciar sesión", _login_page())

    async def sign_in(request: Request) -> Response:
        values = await kit.form_data(request)
        user, password = values.get("usuario", "").strip(), values.get("password", "")
        if not user or not password:
            return kit.page(
                BRAND, "Iniciar sesión", _login_page("Ingresa tu usuario y contraseña."), status=400
            )
        if not secrets.compare_digest(ledger.accounts.get(user, "\0"), password):
            return kit.page(BRAND, "Iniciar sesión", _login_page(WRONG_LOGIN), status=401)
        token = secrets.token_urlsafe(16)
        sessions[token] = user
        response = RedirectResponse(f"/{NAME}/facturacion", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path=f"/{NAME}")
        return response

    async def sign_out(request: Request) -> Response:
        sessions.pop(request.cookies.get(COOKIE, ""), None)
        return to_login()

    async def invoicing(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return to_login()
        if request.method == "GET":
            return kit.page(BRAND, "Facturación", _invoice_form(user, {}))
        values = await kit.form_data(request)
        try:
            day = kit.read_dmy(values, "fecha", "Fecha inválida (dd/mm/aaaa).")
            stamp = ledger.issue(
                NAME, kit.read_request(values, FIELDS, day=day), issuer=BRAND.issuer
            )
        except kit.InputError as error:
            return kit.page(BRAND, "Facturación", _invoice_form(user, values, kit.esc(str(error))))
        except Refused as refused:
            return kit.page(
                BRAND, "Facturación", _invoice_form(user, values, kit.refusal_html(NAME, refused))
            )
        body = f"""<h2>Factura emitida</h2><p class="ok">UUID {stamp.uuid}</p>
<p>{kit.download_links(NAME, stamp)}</p>"""
        return kit.page(BRAND, "Factura emitida", body)

    return [
        Route("/", entry),
        Route("/acceso", sign_in, methods=["POST"]),
        Route("/salir", sign_out),
        Route("/facturacion", invoicing, methods=["GET", "POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
