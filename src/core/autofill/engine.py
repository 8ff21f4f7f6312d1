"""Autofill: the deterministic engine. It reads each page of the portal, fills what it
understands from the buyer's profile and ticket, presses what moves forward, reads the
outcome, and downloads and verifies the invoice; no LLM involved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from autofactura.core.agent.domains import allowed, vendor_domain
from autofactura.core.agent.guard import DomainGuard
from autofactura.core.autofill import buttons
from autofactura.core.autofill.capture import download_buttons
from autofactura.core.autofill.classify import Classification, classify
from autofactura.core.autofill.fill import CannotFill, already_has, fill
from autofactura.core.autofill.finish import finish
from autofactura.core.autofill.options import is_placeholder_option
from autofactura.core.autofill.outcome import Reading, Signal, read_page
from autofactura.core.autofill.page import PortalPage, open_page
from autofactura.core.autofill.scan import FoundControl, PageView
from autofactura.core.autofill.values import Buyer, Purchase, purchase_of, shown, value_for
from autofactura.core.browser.session import BrowserError
from autofactura.core.engine import resubmit
from autofactura.core.engine.preflight import buyer_of
from autofactura.core.engine.run import TaskRun
from autofactura.core.playbooks.locate import describe
from autofactura.core.tasks.status import FailureCode, InterventionReason

MAX_ROUNDS = 30
SUBMIT_FAILED = (
    "El portal respondió con un error {status} al enviar tus datos. No los reenviamos para no "
    "timbrar dos veces: reintenta más tarde y, si el ticket ya aparece facturado, traeremos esa "
    "factura."
)
CONTINUING = "Seguimos desde la página donde quedó el motor anterior."
NAVIGATION_TIMEOUT_MS = 30_000
_FAILURES = {
    Signal.TICKET_NOT_FOUND: FailureCode.TICKET_NOT_FOUND,
    Signal.ALREADY_INVOICED: FailureCode.ALREADY_INVOICED,
    Signal.INVOICING_PERIOD_EXPIRED: FailureCode.INVOICING_PERIOD_EXPIRED,
    Signal.RECEPTOR_REJECTED: FailureCode.RECEPTOR_REJECTED,
}
_HELP = {
    Signal.CAPTCHA: (InterventionReason.CAPTCHA, "El portal pide resolver un CAPTCHA."),
    Signal.LOGIN_REQUIRED: (InterventionReason.LOGIN_REQUIRED, "El portal pide iniciar sesión."),
}


class AutofillEngine:
    name = "autofill"

    async def run(self, task_run: TaskRun) -> bool:
        async with driving(task_run, self.name) as drive:
            if drive is None:
                return True
            return await drive.run()


@asynccontextmanager
async def driving(task_run: TaskRun, engine: str) -> AsyncIterator[_Drive | None]:
    """The page-driving state every engine shares (autofill's fill, outcome reading and
    capture), on the task's browser; None, with the task failed, when the buyer's profile
    was deleted meanwhile."""
    profile = await task_run.fiscal_profile()
    if profile is None:
        await task_run.fail(FailureCode.INVALID_PROFILE, "El perfil fiscal ya no existe.")
        yield None
        return
    async with open_page(task_run.browser()) as (portal, session):
        # Every engine stays on the vendor's site: a page (or an ad in it) that sends the
        # browser elsewhere, in this tab or a pop-up, is stopped before the buyer's data follows.
        guard = DomainGuard(portal.page, vendor_domain(task_run.vendor_url))
        await guard.install()
        try:
            buyer = buyer_of(profile, await task_run.delivery_email(profile))
            drive = _Drive(task_run, portal, buyer, purchase_of(task_run.ticket))
            drive.engine = engine  # the engine a final state is recorded for
            drive.downloads_dir = session.downloads_dir
            drive.cdp_url = session.cdp_url
            drive.guard = guard
            yield drive
        finally:
            await guard.remove()


# The same control on the same page classifies the same way: keep the answer.
_classified = lru_cache(maxsize=2048)(classify)


def _on_vendor_site(current: str, vendor_url: str) -> bool:
    current_host = urlsplit(current).hostname
    return current_host is not None and current_host == urlsplit(vendor_url).hostname


def _no_choices(found: FoundControl) -> bool:
    """A select still waiting for its options (they depend on another field)."""
    if found.control.tag != "select":
        return False
    return all(is_placeholder_option(text) for text in found.control.options)


class _Drive:
    def __init__(
        self, task_run: TaskRun, portal: PortalPage, buyer: Buyer, purchase: Purchase
    ) -> None:
        self.task_run, self.portal = task_run, portal
        self.engine = "autofill"  # the engine a final state is recorded for (agent reuses this)
        self.downloads_dir = Path()
        self.cdp_url = ""
        self.guard: DomainGuard | None = None  # set by driving(): keeps the run on the site
        self.buyer, self.purchase = buyer, purchase
        self.tried: dict[str, dict[str, int]] = defaultdict(dict)
        self.errors_seen: set[str] = set()
        self.left_for: set[str] = set()  # other sites the portal sent us to, told once each
        self.looked_up = False
        self.confirmed = False
        # "te lo enviamos por correo" on a page we have not submitted anything from is the
        # portal explaining itself, not an invoice being sent.
        self.submitted = False
        self.asked_unknown = False

    async def run(self) -> bool:
        if not await self._open():
            return True
        for _ in range(MAX_ROUNDS):
            if await self.task_run.checkpoint():
                self.tried.clear()  # a person changed the page: everything may work again
            done = await self._round()
            if done is not None:
                return done
        return False

    async def _open(self) -> bool:
        url = self.task_run.vendor_url
        if _on_vendor_site(self.portal.page.url, url):
            # An engine before this one got this far (a playbook that stopped matching):
            # go on from its page; what it did is already in the recording.
            await self.task_run.step(
                "think", "Seguimos desde la página donde quedó el motor anterior."
            )
            return True
        self.task_run.recorder.restart()  # from the vendor URL on: what came before is moot
        await self.task_run.step("navigate", "Abrimos el portal de facturación.", url=url)
        try:
            response = await self.portal.page.goto(
                url, wait_until="domcontentloaded", timeout=NAVIGATION_TIMEOUT_MS
            )
        except PlaywrightError as exc:
            if await self.task_run.browser_lost():
                raise BrowserError("the browser died while opening the portal") from None
            reason = str(exc).splitlines()[0][:200]
            await self.task_run.fail(
                FailureCode.PORTAL_UNREACHABLE, f"No pudimos abrir el portal: {reason}", self.engine
            )
            return False
        if response is not None and response.status >= 500:
            await self.task_run.fail(
                FailureCode.PORTAL_UNREACHABLE,
                f"El portal respondió con un error {response.status}; intenta más tarde.",
                self.engine,
            )
            return False
        return True

    async def _round(self) -> bool | None:
        """One look at the page and one move; True/False end the engine, None goes on."""
        if await self.portal.dismiss_overlays():
            await self.task_run.step("click", "Cerramos un aviso que tapaba el portal.", shot=False)
        view = await self.portal.settled()
        if await self._left_the_site():
            return False  # the next engine, if any, finds the same page and the same rule
        reading = read_page(view.text, [*self.portal.take_dialogs(), *view.alerts])
        if self.submitted and self.portal.document_status >= 500:
            return await self._server_error(reading)
        if reading is not None:
            outcome = await self._on_reading(reading, view)
            if outcome is not None or reading.signal in _HELP:
                return outcome
        if download_buttons(view):
            return await self._finish(view, None)
        filled, handed_over = await self._fill(view)
        if handed_over:
            return None
        if filled:
            view = await self.portal.settled(quick=True)  # lookups may have enabled fields
            more, handed_over = await self._fill(view)
            if handed_over:
                return None
            if more:
                view = await self.portal.settled(quick=True)
        return await self._advance(view)

    async def _server_error(self, reading: Reading | None) -> bool:
        """A 5xx answer to what we sent: whether it stamped is unknown, and sending the form
        again could stamp twice, so the run ends here (a known refusal keeps its code)."""
        if reading is not None and reading.signal in _FAILURES:
            await self.task_run.fail(_FAILURES[reading.signal], reading.message, self.engine)
        elif reading is not None and reading.signal is Signal.ERROR:
            await self.task_run.fail(FailureCode.PORTAL_ERROR, reading.message, self.engine)
        else:
            reason = SUBMIT_FAILED.format(status=self.portal.document_status)
            await self.task_run.fail(FailureCode.PORTAL_UNREACHABLE, reason, self.engine)
        return True

    async def _on_reading(self, reading: Reading, view: PageView) -> bool | None:
        signal = reading.signal
        if signal is Signal.EMAILED and not self.submitted:
            return None
        if signal in (Signal.SUCCESS, Signal.EMAILED):
            return await self._finish(view, reading)
        if signal is Signal.ALREADY_INVOICED and not self.looked_up:
            existing = buttons.lookup_existing(view)
            if existing is not None:
                self.looked_up = True
                await self.task_run.step(
                    "click",
                    f"El ticket ya estaba facturado: «{existing.text}»",
                    button=existing.text,
                )
                tag, attrs = await describe(existing)
                self.task_run.recorder.click(existing.text, tag=tag, attrs=attrs)
                await existing.locator().click()
                return None
        if signal in _FAILURES:
            await self.task_run.fail(_FAILURES[signal], reading.message, self.engine)
            return True
        if signal in _HELP:
            reason, message = _HELP[signal]
            await self.task_run.need_intervention(reason, message)
            return None
        if reading.message in self.errors_seen:
            await self.task_run.fail(FailureCode.PORTAL_ERROR, reading.message, self.engine)
            return True
        self.errors_seen.add(reading.message)
        await self.task_run.step("extract", f"El portal dice: {reading.message}", shot=False)
        return None

    async def _finish(self, view: PageView, reading: Reading | None) -> bool:
        self.task_run.recorder.finish()
        return await finish(self.task_run, self.portal.page, view, reading, self)

    async def _fill(self, view: PageView) -> tuple[int, bool]:
        """Fill what this view asks for; the steps are recorded together at the end (or
        before a postback), so a pause takes effect within one pass over the form."""
        if await self._left_the_site():
            return 0, False
        done: list[tuple[str, str, dict[str, Any]]] = []
        filled = 0
        navigations = self.portal.navigations
        for found in view.controls:
            if self.portal.navigations != navigations:
                break  # a postback replaced the page: what is left of this view is stale
            if found.disabled or _no_choices(found):
                continue
            meaning = self._meaning(found)
            if meaning is None:
                continue
            value = value_for(meaning.meaning, self.buyer, self.purchase, meaning.extra_label)
            if value is None or already_has(found, meaning.meaning, value):
                continue
            details: dict[str, Any] = {"field": meaning.meaning.value, "evidence": meaning.evidence}
            try:
                await fill(found, meaning.meaning, value)
            except CannotFill as exc:
                name = field_name(meaning.evidence)
                done.append(("fill", f"No pudimos llenar «{name}»: {exc}", details))
                continue
            filled += 1
            masked = shown(meaning.meaning, value)
            message = f"Llenamos «{field_name(meaning.evidence)}»: {masked}"
            done.append(("fill", message, {**details, "value": masked}))
            if found.reloads and await self.portal.navigating():
                break  # the choice reloads the page: read it again before going on
        if filled:
            self.task_run.recorder.fill_page()
        return filled, await self.task_run.steps(done)

    async def _left_the_site(self) -> bool:
        """True when the page is on another site than the vendor's (its own redirect got us
        there: the guard stops only what the page's scripts start). Nothing of the buyer's
        is typed there: that page's scripts could read it."""
        url = self.portal.page.url
        if allowed(url, vendor_domain(self.task_run.vendor_url)):
            return False
        host = urlsplit(url).hostname or url
        if host not in self.left_for:
            self.left_for.add(host)
            await self.task_run.step(
                "think", f"El portal nos llevó a otro sitio ({host}); ahí no escribimos tus datos."
            )
        return True

    def _meaning(self, found: FoundControl) -> Classification | None:
        """What the control is; each round asks up to three times (fill, waiting, missing)."""
        return _classified(found.control, tuple(self.purchase.extra))

    def _waiting_fields(self, view: PageView) -> bool:
        """Fields we need that are still disabled: a lookup button usually enables them."""
        return any(found.disabled and self._meaning(found) is not None for found in view.controls)

    def _missing(self, view: PageView) -> list[str]:
        """Required fields still empty, or ours not holding their value: not ready to stamp."""
        missing = []
        for found in view.controls:
            if found.disabled:
                continue
            meaning = self._meaning(found)
            label = found.control.label or found.control.placeholder or found.control.name
            if meaning is None:
                if found.required and not found.value and found.control.tag != "checkbox":
                    missing.append(label)
                continue
            value = value_for(meaning.meaning, self.buyer, self.purchase, meaning.extra_label)
            if value is None and found.required and not found.value:
                missing.append(label)
            elif value is not None and not already_has(found, meaning.meaning, value):
                missing.append(label)
        return missing

    async def _advance(self, view: PageView) -> bool | None:
        tried = self.tried[view.fingerprint()]
        choice = buttons.choose(
            view, fields_waiting=self._waiting_fields(view), tried=tried, tax_id=self.buyer.tax_id
        )
        if choice is None:
            return await self._stuck("No encontramos cómo avanzar en esta página del portal.")
        if choice.stamps and not await self._ready_to_stamp(view):
            return None
        tried[choice.button.text] = tried.get(choice.button.text, 0) + 1
        self.submitted = True
        await self.task_run.step(
            "click",
            f"Pulsamos «{choice.button.text}».",
            button=choice.button.text,
            irreversible=choice.stamps,
        )
        tag, attrs = await describe(choice.button)
        self.task_run.recorder.click(choice.button.text, tag=tag, attrs=attrs)
        try:
            await choice.button.locator().click(timeout=10_000)
        except PlaywrightError as exc:
            await self.task_run.step(
                "click", f"No se pudo pulsar: {str(exc).splitlines()[0]}", shot=False
            )
        return None

    async def _ready_to_stamp(self, view: PageView) -> bool:
        missing = self._missing(view)
        if missing:
            names = ", ".join(f"«{m}»" for m in missing[:5])
            await self._stuck(f"Antes de timbrar, el portal pide {names} y no sabemos qué poner.")
            return False
        earlier = None if self.confirmed else self.task_run.earlier_stamp
        if earlier is not None:
            self.confirmed = True  # the buyer's resume approves this stamp, as below
            await self.task_run.need_intervention(
                InterventionReason.CONFIRMATION_REQUIRED, resubmit.ASK.format(button=earlier)
            )
            return False
        if self.task_run.require_confirmation and not self.confirmed:
            self.confirmed = True
            await self.task_run.need_intervention(
                InterventionReason.CONFIRMATION_REQUIRED,
                f"Todo listo para timbrar el ticket {self.purchase.folio} por "
                f"${self.purchase.total} con tu perfil fiscal (régimen {self.buyer.tax_system},"
                f" uso {self.buyer.cfdi_use}). Revisa la página y reanuda para timbrar.",
            )
            return False  # read the page again: the buyer may have changed it
        return True

    async def _stuck(self, message: str) -> bool | None:
        if self.asked_unknown or self.task_run.has_fallback:
            return False  # the next engine (the agent) takes it from this page
        self.asked_unknown = True
        await self.task_run.need_intervention(InterventionReason.UNKNOWN_STATE, message)
        self.tried.clear()
        return None


def field_name(evidence: str) -> str:
    """The field as the portal names it, for the buyer's timeline: "label 'RFC'" → "RFC"
    (the evidence itself stays in the step's details)."""
    return evidence.partition(" '")[2].removesuffix("'") or evidence
