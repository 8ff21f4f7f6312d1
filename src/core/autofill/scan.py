"""What a portal page shows, read from every frame by scan.js: controls, buttons, messages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page

from autofactura.core.autofill.classify import Control

SCAN_JS = resources.files("autofactura.core.autofill").joinpath("scan.js").read_text()


@dataclass(frozen=True)
class FoundControl:
    afid: str
    frame: Frame
    control: Control
    value: str
    required: bool
    disabled: bool
    checked: bool = False
    option_ids: tuple[str, ...] = ()
    reloads: bool = False  # a choice here may post the page back (inline onchange, WebForms)

    def locator(self) -> Locator:
        return self.frame.locator(f'[data-af-id="{self.afid}"]')


@dataclass(frozen=True)
class FoundButton:
    afid: str
    frame: Frame
    text: str
    href: str
    download: str
    disabled: bool

    def locator(self) -> Locator:
        return self.frame.locator(f'[data-af-id="{self.afid}"]')


@dataclass
class PageView:
    url: str
    controls: list[FoundControl] = field(default_factory=list)
    buttons: list[FoundButton] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    text: str = ""
    busy: bool = False

    def fingerprint(self) -> str:
        """Changes when what a person would see changes (fields, values, messages)."""
        parts = [self.url, self.text[:3000], *self.alerts]
        parts += [f"{c.control.name}{c.control.label}{c.value}{c.disabled}" for c in self.controls]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _control(raw: dict[str, Any]) -> Control:
    return Control(
        tag=raw["tag"],
        type=raw.get("type", ""),
        name=raw.get("name", ""),
        id=raw.get("id", ""),
        label=raw.get("label", ""),
        aria_label=raw.get("ariaLabel", ""),
        placeholder=raw.get("placeholder", ""),
        title=raw.get("title", ""),
        preceding_text=raw.get("precedingText", ""),
        legend=raw.get("legend", ""),
        autocomplete=raw.get("autocomplete", ""),
        options=tuple(raw.get("options", ())),
        max_length=raw.get("maxLength"),
    )


def _add_frame(view: PageView, frame: Frame, raw: dict[str, Any]) -> None:
    for item in raw["controls"]:
        view.controls.append(
            FoundControl(
                afid=item["afid"],
                frame=frame,
                control=_control(item),
                value=str(item.get("value") or ""),
                required=bool(item.get("required")),
                disabled=bool(item.get("disabled")),
                checked=bool(item.get("checked")),
                option_ids=tuple(item.get("optionIds", ())),
                reloads=bool(item.get("reloads")),
            )
        )
    for item in raw["buttons"]:
        view.buttons.append(
            FoundButton(
                item["afid"], frame, item["text"], item["href"], item["download"], item["disabled"]
            )
        )
    view.alerts += [a for a in raw["alerts"] if a not in view.alerts]
    view.text = f"{view.text}\n{raw['text']}".strip()
    view.busy = view.busy or bool(raw.get("busy"))


async def scan(page: Page) -> PageView:
    """Read the page and its frames; a frame that navigates meanwhile is skipped."""
    view = PageView(url=page.url)
    for number, frame in enumerate(page.frames):
        try:
            raw = await frame.evaluate(SCAN_JS, f"f{number}")
        except PlaywrightError:
            continue  # detached or navigating: the next scan sees it
        _add_frame(view, frame, raw)
    return view
