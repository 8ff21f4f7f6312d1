"""`captcha`: a convenience store's one-page form guarded by a text-image CAPTCHA (a PNG with
skewed characters and noise); the answer is kept in the ledger so a test can play the
person who reads it (`ledger.captcha_answer(<the form's captcha_id>)`)."""

from __future__ import annotations

import io
import random
from collections.abc import Mapping

from PIL import Image, ImageDraw, ImageFont
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.portals import kit
from tests.portals.ledger import Issuer, Ledger, Refused

NAME = "captcha"
WRONG_CAPTCHA = "El código de verificación es incorrecto. Intenta de nuevo."
BRAND = kit.Brand(
    "Conveniencia 24/7",
    Issuer("CVC070809ZX6", "CADENA VECINAL DE CONVENIENCIA"),
    "#00695c",
    css="table td{padding:4px 8px} input,select{padding:5px;width:300px} .cap{display:flex;"
    "gap:12px;align-items:center;background:#e0f2f1;padding:10px;margin:12px 0}",
    tagline="Facturación electrónica de tiendas",
)
FIELDS = {
    "folio": "noTicket",
    "total": "total",
    "rfc": "rfc",
    "name": "razonSocial",
    "zip": "cp",
    "tax_system": "regimen",
    "cfdi_use": "usoCfdi",
    "email": "email",
}


def captcha_png(text: str) -> bytes:
    """The characters, each turned a little, over lines and dots: easy for people only."""
    noise = random.Random()
    image = Image.new("RGB", (190, 60), (236, 240, 241))
    draw = ImageDraw.Draw(image)
    for _ in range(7):
        points = [(noise.randint(0, 190), noise.randint(0, 60)) for _ in range(2)]
        draw.line(points, fill=(noise.randint(90, 170),) * 3, width=2)
    font = ImageFont.load_default(size=34)
    for index, char in enumerate(text):
        glyph = Image.new("RGBA", (40, 48), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), char, font=font, fill=(20, 40, 90, 255))
        turned = glyph.rotate(noise.uniform(-28, 28), resample=Image.Resampling.BICUBIC)
        image.paste(turned, (8 + index * 35, noise.randint(2, 12)), turned)
    for _ in range(160):
        draw.point((noise.randint(0, 189), noise.randint(0, 59)), fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _row(values: Mapping[str, str], name: str, label: str) -> str:
    value = kit.esc(values.get(name, ""))
    control = f'<input id="{name}" name="{name}" value="{value}">'
    return f'<tr><td><label for="{name}">{label}</label></td><td>{control}</td></tr>'


def _form(values: Mapping[str, str], token: str, error: str = "") -> str:
    notice = f'<div class="error">{error}</div>' if error else ""
    regimes = [(c, f"{c} - {t}") for c, t in kit.tax_systems()]
    uses = [(c, f"{c} - {t}") for c, t in kit.cfdi_uses()]
    return f"""<h1>Facturación</h1>{notice}<form method="post" action="generar"><table>
{_row(values, "tienda", "Tienda")}{_row(values, "noTicket", "Número de ticket")}
{_row(values, "fecha", "Fecha de compra (dd/mm/aaaa)")}{_row(values, "total", "Total")}
{_row(values, "rfc", "RFC")}{_row(values, "razonSocial", "Razón social")}
{_row(values, "cp", "Código postal")}
<tr><td><label for="regimen">Régimen fiscal</label></td><td><select id="regimen" name="regimen">
{kit.options(regimes, values.get("regimen", ""), "Selecciona…")}</select></td></tr>
<tr><td><label for="usoCfdi">Uso de CFDI</label></td><td><select id="usoCfdi" name="usoCfdi">
{kit.options(uses, values.get("usoCfdi", ""), "Selecciona…")}</select></td></tr>
{_row(values, "email", "Correo electrónico")}</table>
<div class="cap"><img id="captcha-img" src="captcha.png?id={token}" alt="Código de verificación"
 width="190" height="60"><div><label for="captcha">Escribe los caracteres de la imagen</label><br>
<input id="captcha" name="captcha" autocomplete="off" maxlength="5" style="width:140px">
<input type="hidden" name="captcha_id" value="{token}"> <a href="./">Cambiar imagen</a></div></div>
<button type="submit">Generar factura</button></form>"""


def routes(ledger: Ledger) -> list[BaseRoute]:
    def show(values: Mapping[str, str], error: str = "") -> Response:
        return kit.page(BRAND, "Facturación", _form(values, ledger.new_captcha(), error))

    async def entry(request: Request) -> Response:
        return show({})

    async def image(request: Request) -> Response:
        answer = ledger.captcha_answer(request.query_params.get("id", ""))
        if not answer:
            return Response(status_code=404)
        return Response(
            captcha_png(answer), media_type="image/png", headers={"Cache-Control": "no-store"}
        )

    async def generate(request: Request) -> Response:
        values = await kit.form_data(request)
        if not ledger.solve_captcha(values.get("captcha_id", ""), values.get("captcha", "")):
            return show(values, WRONG_CAPTCHA)
        try:
            day = kit.read_dmy(values, "fecha", "La fecha debe tener el formato dd/mm/aaaa.")
            invoice = kit.read_request(values, FIELDS, day=day, store=values.get("tienda", ""))
            stamp = ledger.issue(NAME, invoice, issuer=BRAND.issuer)
        except kit.InputError as error:
            return show(values, kit.esc(str(error)))
        except Refused as refused:
            return show(values, kit.refusal_html(NAME, refused))
        body = f"""<h1>Factura generada</h1><p class="ok">Folio fiscal: {stamp.uuid}</p>
<p><a href="{kit.cfdi_url(NAME, stamp, "xml")}">Descargar XML</a> ·
<a href="{kit.cfdi_url(NAME, stamp, "pdf")}">Descargar PDF</a></p>"""
        return kit.page(BRAND, "Factura generada", body)

    return [
        Route("/", entry),
        Route("/captcha.png", image),
        Route("/generar", generate, methods=["POST"]),
        *kit.invoice_routes(ledger, NAME, BRAND),
    ]
