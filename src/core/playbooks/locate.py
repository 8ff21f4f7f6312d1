"""Locators for playbook actions: what a recorded click keeps of its control besides the
text (tag, name, id, type, link path), and how a replay finds that control again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from autofactura.core.autofill.scan import FoundButton, FoundControl, PageView
from autofactura.core.autofill.text import identifier_words, normalize
from autofactura.core.playbooks.redact import Values, redact, same

_DESCRIBE_JS = """el => ({tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "",
  id: el.id || "", type: el.getAttribute("type") || ""})"""
_DESCRIBE_TIMEOUT_MS = 1_000


async def describe(button: FoundButton) -> tuple[str, dict[str, str]]:
    """The button's tag and locating attributes (never its value), for `Recorder.click`."""
    try:
        raw: dict[str, str] = await button.locator().evaluate(
            _DESCRIBE_JS, timeout=_DESCRIBE_TIMEOUT_MS
        )
    except PlaywrightError:
        raw = {}  # gone or busy: the text alone locates it
    tag = raw.pop("tag", "")
    attrs = {key: value for key, value in raw.items() if value}
    if button.href:
        attrs["href"] = button.href
    return tag, attrs


async def find_button(
    view: PageView, action: Mapping[str, Any], values: Values
) -> FoundButton | None:
    """The enabled button showing the recorded text; else the one with the recorded
    name/id (a relabelled button), else the link to the recorded path."""
    enabled = [button for button in view.buttons if not button.disabled]
    for button in enabled:
        if same(button.text, str(action.get("text", "")), values):
            return button
    attrs: Mapping[str, str] = action.get("attrs") or {}
    for key in ("id", "name"):
        if attrs.get(key):
            for button in enabled:
                if redact(await _attribute(button, key), values) == attrs[key]:
                    return button
    if attrs.get("href"):
        for button in enabled:
            if button.href and redact(urlsplit(button.href).path, values) == attrs["href"]:
                return button
    return None


async def _attribute(button: FoundButton, name: str) -> str:
    try:
        return await button.locator().get_attribute(name, timeout=_DESCRIBE_TIMEOUT_MS) or ""
    except PlaywrightError:
        return ""


def _names(found: FoundControl) -> list[str]:
    control = found.control
    return [
        control.label,
        control.aria_label,
        control.placeholder,
        control.title,
        control.preceding_text,
        control.legend,
        identifier_words(control.name),
        identifier_words(control.id),
    ]


def find_control(view: PageView, label: str, values: Values) -> FoundControl | None:
    """The enabled control whose label (or other name it goes by) is the recorded one."""
    wanted = normalize(label)
    if not wanted:
        return None
    for found in view.controls:
        if found.disabled:
            continue
        if any(text and same(text, wanted, values) for text in _names(found)):
            return found
    return None
