"""Put one value into one control the way a person would: type it, pick the option that
means it (native select, ARIA or plain-div dropdown, radio group), or tick the box."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from autofactura.core.autofill.formats import format_amount, format_date, format_time
from autofactura.core.autofill.meanings import Meaning
from autofactura.core.autofill.options import pick_option
from autofactura.core.autofill.scan import FoundControl
from autofactura.core.autofill.text import normalize

ACTION_TIMEOUT_MS = 5_000
_OPTION_SELECTOR = "[role=option], li, [class*=option i], [class*=opt i], [class*=item i]"


class CannotFill(Exception):
    """The control would not take the value (no such option, read-only…)."""


def typed_value(found: FoundControl, meaning: Meaning, value: str) -> str:
    """The value in the format this control wants (dates, amounts, times)."""
    if meaning is Meaning.DATE:
        return format_date(value, found.control)
    if meaning is Meaning.TOTAL:
        return format_amount(value, found.control)
    if meaning is Meaning.TIME:
        return format_time(value, found.control)
    if meaning in (Meaning.TAX_ID, Meaning.LEGAL_NAME):
        return value.upper()
    return value


def already_has(found: FoundControl, meaning: Meaning, value: str) -> bool:
    """True when the control already shows the value (a re-scan after a postback)."""
    if found.control.tag == "checkbox":
        return found.checked
    if found.control.tag in ("select", "radio-group", "listbox", "combobox"):
        if not found.value:
            return False
        return pick_option((found.value,), meaning, value) == 0
    current = normalize(found.value).replace(" ", "")
    wanted = normalize(typed_value(found, meaning, value)).replace(" ", "")
    return bool(current) and current == wanted


async def fill(found: FoundControl, meaning: Meaning, value: str) -> None:
    tag = found.control.tag
    try:
        if tag == "checkbox":
            await found.locator().check(timeout=ACTION_TIMEOUT_MS)
        elif tag == "select":
            await _select(found, meaning, value)
        elif tag == "radio-group":
            await _radio(found, meaning, value)
        elif tag in ("listbox", "combobox"):
            await _custom(found, meaning, value)
        else:
            await _type(found.locator(), typed_value(found, meaning, value))
    except PlaywrightError as exc:
        raise CannotFill(str(exc).splitlines()[0]) from None


_COMMIT_JS = """el => { el.dispatchEvent(new Event("change", {bubbles: true})); el.blur();
  return el.value; }"""


def _took(current: str, text: str) -> bool:
    """The control shows the text, allowing for a mask's separators ($1,234.50)."""
    if normalize(current) == normalize(text):
        return True
    digits = re.sub(r"\D", "", text)
    return bool(digits) and re.sub(r"\D", "", current) == digits


async def _type(locator: Locator, text: str) -> None:
    await locator.fill(text, timeout=ACTION_TIMEOUT_MS)
    if _took(await locator.evaluate(_COMMIT_JS), text):
        return
    # A masked input rewrote what fill() set at once: type it key by key instead.
    await locator.fill("", timeout=ACTION_TIMEOUT_MS)
    await locator.press_sequentially(text, delay=10, timeout=ACTION_TIMEOUT_MS)
    await locator.evaluate(_COMMIT_JS)


async def _select(found: FoundControl, meaning: Meaning, value: str) -> None:
    index = pick_option(found.control.options, meaning, value)
    if index is None:
        raise CannotFill(f"ninguna opción corresponde a {value!r}")
    await found.locator().select_option(index=index, timeout=ACTION_TIMEOUT_MS)


async def _radio(found: FoundControl, meaning: Meaning, value: str) -> None:
    index = pick_option(found.control.options, meaning, value)
    if index is None or index >= len(found.option_ids):
        raise CannotFill(f"ninguna opción corresponde a {value!r}")
    radio = found.frame.locator(f'[data-af-id="{found.option_ids[index]}"]')
    await radio.check(timeout=ACTION_TIMEOUT_MS, force=True)


_MARK_SHOWN = """sel => { for (const el of document.querySelectorAll(sel)) {
  el.removeAttribute("data-af-opt");
  if (el.getClientRects().length) el.setAttribute("data-af-was", "1");
  else el.removeAttribute("data-af-was"); } }"""
_OPENED = """sel => {
  const all = [...document.querySelectorAll(sel)].filter(
    el => !el.hasAttribute("data-af-was") && el.getClientRects().length && el.innerText.trim());
  const aria = all.filter(el => el.getAttribute("role") === "option");
  const pick = aria.length ? aria : all.filter(el => !all.some(o => o !== el && el.contains(o)));
  return pick.map((el, i) => {
    el.setAttribute("data-af-opt", String(i)); return el.innerText.trim(); });
}"""


async def _custom(found: FoundControl, meaning: Meaning, value: str) -> None:
    """Open the dropdown, read the options that appeared, click the one that means it."""
    box = found.locator()
    await found.frame.evaluate(_MARK_SHOWN, _OPTION_SELECTOR)
    await box.click(timeout=ACTION_TIMEOUT_MS)
    texts = await _opened_options(found)
    index = pick_option(texts, meaning, value)
    if index is None:
        await box.press("Escape")
        raise CannotFill(f"ninguna opción corresponde a {value!r}")
    option = found.frame.locator(f'[data-af-opt="{index}"]:not([data-af-was])').first
    await option.click(timeout=ACTION_TIMEOUT_MS)


async def _opened_options(found: FoundControl) -> list[str]:
    """The texts of the options visible now that were not before the click."""
    for _ in range(30):
        texts: list[str] = await found.frame.evaluate(_OPENED, _OPTION_SELECTOR)
        if texts:
            return texts
        await asyncio.sleep(0.1)
    raise CannotFill("la lista de opciones no se abrió")
