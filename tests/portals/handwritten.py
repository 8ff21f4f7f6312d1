"""Hand-written Playwright scripts, one per local portal, with hard-coded selectors: proof each
portal works and the lower bound of the form-filling benchmark.

`SCRIPTS[name](page, entry_url, ticket, profile)` returns the downloaded files (name, bytes),
[] for `correo` (it e-mails), or raises PortalRefused with the portal's message.
`ASSISTED` holds the portals that need a person (CAPTCHA, login): they take a `Person` too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from playwright.async_api import Page

from autofactura.core.fiscal.catalogs import tax_system_description
from tests.portals.hand_steps import (
    Files,
    PortalRefused,
    Profile,
    Ticket,
    dmy,
    download_all,
    extra,
    fill,
    option_value,
    outcome,
    record_dialogs,
    select,
)

Script = Callable[[Page, str, Ticket, Profile], Awaitable[Files]]
__all__ = ["ASSISTED", "SCRIPTS", "Files", "Person", "PortalRefused", "Profile", "Script", "Ticket"]


class Person(Protocol):
    """What a person at the browser does for a script: read a CAPTCHA, know a password."""

    def read_captcha(self, token: str) -> str: ...

    def credentials(self) -> tuple[str, str]: ...


async def clasico(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await fill(page, {"#folio": ticket["folio"], "#fecha": dmy(ticket), "#total": ticket["total"]})
    await fill(page, {"#sucursal": str(ticket.get("store", ""))})
    await fill(page, {"#rfc": profile["taxId"], "#razon_social": profile["legalName"]})
    await fill(page, {"#codigo_postal": profile["zip"], "#correo": profile["email"]})
    await select(page, {"#regimen_fiscal": profile["taxSystem"], "#uso_cfdi": profile["cfdiUse"]})
    await page.click("button[type=submit]")
    await outcome(page, "#xml", ".error")
    return await download_all(page, page, "#xml", "#pdf")


async def tabla(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    regime = await option_value(page, "#MainContent_ddlRegimen", f"{profile['taxSystem']} - ")
    await page.select_option("#MainContent_ddlRegimen", regime)  # AutoPostBack reloads the page
    use = f"#MainContent_ddlUsoCFDI option[value='{profile['cfdiUse']}']"
    await page.wait_for_selector(use, state="attached")
    p = "#MainContent_"
    await fill(page, {p + "txtTicket": ticket["folio"], p + "txtFecha": dmy(ticket)})
    await fill(page, {p + "txtTotal": ticket["total"], p + "txtRFC": profile["taxId"]})
    await fill(page, {p + "txtRazonSocial": profile["legalName"], p + "txtCP": profile["zip"]})
    await fill(page, {p + "txtCorreo": profile["email"]})
    await select(page, {p + "ddlUsoCFDI": profile["cfdiUse"]})
    await page.click(p + "btnFacturar")
    await outcome(page, p + "lnkXML", p + "lblMensaje:not(:empty)")
    return await download_all(page, page, p + "lnkXML", p + "lnkPDF")


async def placeholders(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await page.click("#ck-ok")
    await fill(page, {"[name=f1]": ticket["folio"], "[name=f2]": dmy(ticket)})
    await fill(page, {"[name=f3]": ticket["total"], "[name=f4]": profile["taxId"]})
    await fill(page, {"[name=f5]": profile["legalName"], "[name=f6]": profile["zip"]})
    await select(page, {"[name=f7]": profile["taxSystem"], "[name=f8]": profile["cfdiUse"]})
    await fill(page, {"[name=f9]": profile["email"]})
    await page.click("#go")
    await outcome(page, "#bx", "#out .error")
    return await download_all(page, page, "#bx", "#bp")


async def asistente(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    year, month, day = str(ticket["date"]).split("-")
    await page.fill("#folio", ticket["folio"])
    await select(
        page, {"[name=dia]": str(int(day)), "[name=mes]": str(int(month)), "[name=anio]": year}
    )
    await page.locator("#importe").press_sequentially(ticket["total"])
    await page.click("button:has-text('Siguiente')")
    await outcome(page, "#buscar", ".error")
    await page.fill("#rfc", profile["taxId"])
    await page.click("#buscar")
    await page.wait_for_selector("#razon:enabled")
    await fill(
        page, {"#razon": profile["legalName"], "#cp": profile["zip"], "#email": profile["email"]}
    )
    await select(
        page, {"#regimen": await option_value(page, "#regimen", f"{profile['taxSystem']} - ")}
    )
    await select(page, {"#uso": profile["cfdiUse"]})
    await page.click("button:has-text('Siguiente')")
    await outcome(page, "button[value=timbrar]", ".error")
    await page.click("button[value=timbrar]")
    await outcome(page, "a[href^='zip/']", ".error")
    return await download_all(page, page, "a[href^='zip/']")


async def marco(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    frame = page.frame_locator("iframe[title='Portal de facturación']")
    await fill(frame, {"[name=ticket_no]": ticket["folio"], "[name=fecha_consumo]": ticket["date"]})
    await fill(frame, {"[name=monto]": ticket["total"], "[name=receptor_rfc]": profile["taxId"]})
    await fill(
        frame,
        {"[name=receptor_nombre]": profile["legalName"], "[name=receptor_cp]": profile["zip"]},
    )
    await fill(frame, {"[name=receptor_email]": profile["email"]})
    regime = tax_system_description(profile["taxSystem"]) or profile["taxSystem"]
    use = await option_value(frame, "[name=uso]", f"{profile['cfdiUse']} ")
    await select(frame, {"[name=regimen]": await option_value(frame, "[name=regimen]", regime)})
    await select(frame, {"[name=uso]": use})
    await frame.locator("button[type=submit]").click()
    await outcome(frame, "a:has-text('XML')", ".error")
    return await download_all(page, frame, "a:has-text('XML')", "a:has-text('PDF')")


async def combos(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await fill(
        page, {"#ticket": ticket["folio"], "#fecha": dmy(ticket), "#importe": ticket["total"]}
    )
    await page.get_by_role("radio", name=extra(ticket, "Forma de pago", "Efectivo")).check()
    await fill(page, {"#rfc": profile["taxId"], "#razon_social": profile["legalName"]})
    await fill(page, {"#cp": profile["zip"]})
    for name, code in (("regimen", profile["taxSystem"]), ("uso", profile["cfdiUse"])):
        await page.locator(f"#{name}-input").fill(code)
        await page.click(f"#{name}-list [data-value='{code}']")
    await fill(page, {"#correo": profile["email"], "#correo2": profile["email"]})
    await page.check("#aviso")
    await page.click("button:has-text('Emitir CFDI')")
    await outcome(page, "a:has-text('Descargar XML')", ".error")
    return await download_all(
        page, page, "a:has-text('Descargar XML')", "a:has-text('Descargar PDF')"
    )


async def divs(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await page.click("#cerrar-aviso")
    await fill(page, {"[name=numTicket]": ticket["folio"], "[name=fechaTicket]": dmy(ticket)})
    await fill(page, {"[name=montoTotal]": ticket["total"], "[name=rfcCliente]": profile["taxId"]})
    await fill(
        page, {"[name=nombreCliente]": profile["legalName"], "[name=cpCliente]": profile["zip"]}
    )
    await fill(page, {"[name=emailCliente]": profile["email"]})
    for name, code in (("regimen", profile["taxSystem"]), ("usoCfdi", profile["cfdiUse"])):
        dropdown = page.locator(f".dd:has(input[name={name}])")
        await dropdown.locator(".dd-sel").click()
        await dropdown.locator(f".dd-opt[data-v='{code}']").click()
    await page.click("div.btn:has-text('Facturar')")
    await outcome(page, "button:has-text('Descargar XML')", ".error")
    return await download_all(
        page, page, "button:has-text('Descargar XML')", "button:has-text('Descargar PDF')"
    )


async def gasolinera(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await fill(page, {"#estacion": str(ticket.get("store", "")), "#folio": ticket["folio"]})
    await fill(page, {"#webid": extra(ticket, "Web ID"), "#fecha": dmy(ticket)})
    await fill(page, {"#hora": extra(ticket, "Hora"), "#importe": ticket["total"]})
    await page.click("#continuar")
    await outcome(page, "#rfc", ".error")
    await fill(
        page, {"#rfc": profile["taxId"], "#nombre": profile["legalName"], "#cp": profile["zip"]}
    )
    await fill(page, {"#email": profile["email"]})
    await select(page, {"#regimen": profile["taxSystem"], "#uso": profile["cfdiUse"]})
    await page.click("button:has-text('Facturar')")
    await outcome(page, "a:has-text('XML')", ".error")
    return await download_all(page, page, "a:has-text('XML')", "a:has-text('PDF')")


async def correo(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    await fill(page, {"[name=codigo]": ticket["folio"], "[name=monto]": ticket["total"]})
    await fill(page, {"[name=rfc]": profile["taxId"], "[name=nombre]": profile["legalName"]})
    await fill(page, {"[name=cp]": profile["zip"], "[name=mail1]": profile["email"]})
    await fill(page, {"[name=mail2]": profile["email"]})
    await select(page, {"[name=regimen]": profile["taxSystem"], "[name=uso]": profile["cfdiUse"]})
    await page.click("button:has-text('Enviar factura')")
    await outcome(page, "text=Tu factura fue enviada", ".error")
    return []


async def errores(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    dialogs = record_dialogs(page)
    await page.goto(url)
    await fill(page, {"#ticket": ticket["folio"], "#fecha": dmy(ticket), "#total": ticket["total"]})
    await fill(
        page, {"#rfc": profile["taxId"], "#razon": profile["legalName"], "#cp": profile["zip"]}
    )
    await fill(page, {"#correo": profile["email"]})
    await select(page, {"#sucursal": str(ticket.get("store", ""))})
    await select(page, {"#regimen": profile["taxSystem"], "#uso": profile["cfdiUse"]})
    await page.click("#enviar")
    failure = "[role=alert], [role=dialog], .toast, #hint:not(:empty), .error"
    await outcome(page, "#dl-xml", failure, dialogs)
    return await download_all(page, page, "#dl-xml", "#dl-pdf")


async def prosa(page: Page, url: str, ticket: Ticket, profile: Profile) -> Files:
    await page.goto(url)
    # The page's prose: store tickets start with T, everything else was bought online.
    channel = "tienda" if str(ticket["folio"]).upper().startswith("T") else "linea"
    await page.click(f"button[value={channel}]")
    await page.wait_for_selector("#folio")
    await fill(page, {"#folio": ticket["folio"], "#fecha": dmy(ticket), "#total": ticket["total"]})
    if channel == "tienda":
        await fill(page, {"#sucursal": str(ticket.get("store", ""))})
    await fill(page, {"#rfc": profile["taxId"], "#razon_social": profile["legalName"]})
    await fill(page, {"#codigo_postal": profile["zip"], "#correo": profile["email"]})
    await select(page, {"#regimen_fiscal": profile["taxSystem"], "#uso_cfdi": profile["cfdiUse"]})
    await page.click("button:has-text('Facturar')")
    await outcome(page, "#xml", ".error")
    return await download_all(page, page, "#xml", "#pdf")


async def _fiscal_form(page: Page, ticket: Ticket, profile: Profile, names: dict[str, str]) -> None:
    """A plain form whose fields are found by `name` (captcha and login portals)."""
    await fill(page, {f"[name={names['folio']}]": ticket["folio"], "[name=fecha]": dmy(ticket)})
    await fill(page, {f"[name={names['total']}]": ticket["total"], "[name=rfc]": profile["taxId"]})
    await fill(page, {f"[name={names['name']}]": profile["legalName"], "[name=cp]": profile["zip"]})
    await fill(page, {"[name=email]": profile["email"]})
    await select(
        page, {"[name=regimen]": profile["taxSystem"], f"[name={names['use']}]": profile["cfdiUse"]}
    )


async def captcha(page: Page, url: str, ticket: Ticket, profile: Profile, person: Person) -> Files:
    await page.goto(url)
    names = {"folio": "noTicket", "total": "total", "name": "razonSocial", "use": "usoCfdi"}
    await _fiscal_form(page, ticket, profile, names)
    await fill(page, {"#tienda": str(ticket.get("store", ""))})
    token = await page.locator("[name=captcha_id]").input_value()
    await page.fill("#captcha", person.read_captcha(token))
    await page.click("button:has-text('Generar factura')")
    await outcome(page, "a:has-text('Descargar XML')", ".error")
    return await download_all(
        page, page, "a:has-text('Descargar XML')", "a:has-text('Descargar PDF')"
    )


async def login(page: Page, url: str, ticket: Ticket, profile: Profile, person: Person) -> Files:
    await page.goto(url)
    user, password = person.credentials()
    await fill(page, {"#usuario": user, "#password": password})
    await page.click("button:has-text('Iniciar sesión')")
    await outcome(page, "[name=remision]", ".error")
    names = {"folio": "remision", "total": "importe", "name": "razon", "use": "uso"}
    await _fiscal_form(page, ticket, profile, names)
    await page.click("button:has-text('Facturar')")
    await outcome(page, "a:has-text('XML')", ".error")
    return await download_all(page, page, "a:has-text('XML')", "a:has-text('PDF')")


SCRIPTS: dict[str, Script] = {
    "clasico": clasico,
    "tabla": tabla,
    "placeholders": placeholders,
    "asistente": asistente,
    "marco": marco,
    "combos": combos,
    "divs": divs,
    "gasolinera": gasolinera,
    "correo": correo,
    "errores": errores,
    "mismatch": clasico,
    "prosa": prosa,
}
ASSISTED: dict[str, Callable[[Page, str, Ticket, Profile, Person], Awaitable[Files]]] = {
    "captcha": captcha,
    "login": login,
}
