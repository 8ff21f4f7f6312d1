"""Every hand-written script against its local portal in Debian's Chromium: the invoice it
downloads is the buyer's and was stamped once; each ticket rule shows its message; the
CAPTCHA and login walls refuse whoever cannot pass them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.async_api import Browser, Page, async_playwright

from autofactura.core.cfdi.files import invoice_files
from autofactura.core.cfdi.parse import Cfdi, parse_cfdi
from tests.portals.app import PortalServer, serve_portals
from tests.portals.buyer import PROFILE, ticket
from tests.portals.handwritten import ASSISTED, SCRIPTS, Files, PortalRefused
from tests.portals.ledger import Ledger

CHROME = "/usr/bin/chromium"
CHROME_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")


@dataclass
class LedgerPerson:
    """Plays the person at the browser, reading the CAPTCHA's answer from the ledger."""

    ledger: Ledger
    misreads: bool = False

    def read_captcha(self, token: str) -> str:
        return "00000" if self.misreads else self.ledger.captcha_answer(token)

    def credentials(self) -> tuple[str, str]:
        return next(iter(self.ledger.accounts.items()))


@pytest.fixture(scope="module")
def portals() -> Iterator[PortalServer]:
    with serve_portals() as server:
        yield server


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROME, args=CHROME_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(accept_downloads=True)
    tab = await context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    await context.close()


def the_xml(files: Files) -> Cfdi:
    found = [f for name, data in files for f in invoice_files(name, data) if f.kind == "xml"]
    assert len(found) == 1, [name for name, _ in files]
    return parse_cfdi(found[0].data)


def assert_receptor(cfdi: Cfdi) -> None:
    receptor = (
        cfdi.receptor_rfc,
        cfdi.receptor_name,
        cfdi.receptor_zip,
        cfdi.receptor_tax_system,
        cfdi.cfdi_use,
    )
    assert receptor == ("EKU9003173C9", "ESCUELA KEMPER URGATE", "26015", "601", "G03")


@pytest.mark.parametrize("name", sorted(SCRIPTS))
async def test_hand_script_gets_the_buyers_invoice_once(
    name: str, portals: PortalServer, page: Page
) -> None:
    folio = f"{name.upper()}-1001"
    files = await SCRIPTS[name](page, portals.url(name), ticket(folio), PROFILE)
    stamps = portals.ledger.stamps(name, folio)
    assert len(stamps) == 1 and not stamps[0].earlier
    assert stamps[0].data.total == Decimal("1234.50")
    if name == "correo":
        assert files == []
        [mail] = [m for m in portals.ledger.emailed if m.uuid == stamps[0].uuid]
        assert mail.to == PROFILE["email"]
        files = list(mail.files.items())
    cfdi = the_xml(files)
    assert_receptor(cfdi)
    assert cfdi.uuid == stamps[0].uuid
    # The mismatch vendor's system adds VAT again: its CFDI is not this ticket's.
    assert cfdi.total == (Decimal("1432.02") if name == "mismatch" else Decimal("1234.50"))
    assert any(f.kind == "pdf" for n, d in files for f in invoice_files(n, d))


RULES = [
    ("clasico", "NOEXISTE-1", PROFILE, "Ticket no encontrado"),
    ("asistente", "NOEXISTE-2", PROFILE, "Ticket no encontrado"),
    ("errores", "NOEXISTE-3", PROFILE, "Ticket no encontrado"),  # an alert()
    ("tabla", "VENCIDO-1", PROFILE, "Plazo de facturación vencido"),
    ("errores", "VENCIDO-2", PROFILE, "Plazo de facturación vencido"),  # a toast
    ("gasolinera", "CAIDO-1", PROFILE, "Error 500: servicio no disponible"),
    ("errores", "CAIDO-2", PROFILE, "Error 500: servicio no disponible"),  # an error page
    ("placeholders", "TOTAL-999.00", PROFILE, "Los datos del ticket no coinciden"),
    ("divs", "FACTURADO-1", PROFILE, "ya fue facturado"),
    ("combos", "NOMBRE-1", {**PROFILE, "legalName": "ESCUELA KEMPER URGATE SA DE CV"}, "CFDI40145"),
    ("errores", "NOMBRE-2", {**PROFILE, "legalName": "KEMPER"}, "CFDI40145"),  # role=alert
    ("correo", "CP-1", {**PROFILE, "zip": "01000"}, "CFDI40147"),
]


@pytest.mark.parametrize(("name", "folio", "profile", "message"), RULES)
async def test_ticket_rule_shows_its_message(
    name: str, folio: str, profile: dict[str, str], message: str, portals: PortalServer, page: Page
) -> None:
    with pytest.raises(PortalRefused) as refused:
        await SCRIPTS[name](page, portals.url(name), ticket(folio), profile)
    assert message in refused.value.message
    assert all(stamp.earlier for stamp in portals.ledger.stamps(name, folio))


async def test_invoiced_ticket_links_to_the_invoice_issued_before(
    portals: PortalServer, page: Page
) -> None:
    with pytest.raises(PortalRefused, match="ya fue facturado"):
        await SCRIPTS["errores"](page, portals.url("errores"), ticket("FACTURADO-7"), PROFILE)
    await page.click("[role=dialog] a:has-text('Ver factura')")
    async with page.expect_download() as started:
        await page.click("a:has-text('Descargar XML')")
    path = await (await started.value).path()
    cfdi = parse_cfdi(path.read_bytes())
    [earlier] = portals.ledger.stamps("errores", "FACTURADO-7")
    assert earlier.earlier and cfdi.uuid == earlier.uuid
    assert_receptor(cfdi)


async def test_a_second_stamping_is_refused(portals: PortalServer, page: Page) -> None:
    folio = "TOTAL-1234.50"  # the total on this folio must match, and it does
    await SCRIPTS["clasico"](page, portals.url("clasico"), ticket(folio), PROFILE)
    with pytest.raises(PortalRefused, match="El ticket ya fue facturado"):
        await SCRIPTS["clasico"](page, portals.url("clasico"), ticket(folio), PROFILE)
    assert len(portals.ledger.stamps("clasico", folio)) == 1


async def test_captcha_refuses_a_wrong_answer_and_takes_the_right_one(
    portals: PortalServer, page: Page
) -> None:
    person = LedgerPerson(portals.ledger, misreads=True)
    with pytest.raises(PortalRefused, match="código de verificación es incorrecto"):
        await ASSISTED["captcha"](page, portals.url("captcha"), ticket("CAP-1"), PROFILE, person)
    assert portals.ledger.stamps("captcha") == []
    person.misreads = False
    files = await ASSISTED["captcha"](
        page, portals.url("captcha"), ticket("CAP-1"), PROFILE, person
    )
    assert_receptor(the_xml(files))
    assert len(portals.ledger.stamps("captcha", "CAP-1")) == 1


async def test_login_wall_refuses_without_credentials(portals: PortalServer, page: Page) -> None:
    await page.goto(portals.url("login") + "facturacion")
    assert await page.locator("#usuario").is_visible()
    assert await page.locator("[name=remision]").count() == 0
    await page.click("button:has-text('Iniciar sesión')")
    assert "Ingresa tu usuario y contraseña" in await page.inner_text(".error")
    await page.fill("#usuario", "cliente01")
    await page.fill("#password", "adivinanza")
    await page.click("button:has-text('Iniciar sesión')")
    assert "Usuario o contraseña incorrectos" in await page.inner_text(".error")
    files = await ASSISTED["login"](
        page, portals.url("login"), ticket("REM-1"), PROFILE, LedgerPerson(portals.ledger)
    )
    assert_receptor(the_xml(files))
