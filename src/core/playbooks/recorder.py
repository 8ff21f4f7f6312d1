"""Recorder: what the engines did on the portal, kept as replayable actions. Each engine
reports to the task's recorder; when the task completes the actions become the playbook.

Actions hold meanings and locators, never values: `fill_page` says "fill what autofill
understands here" without saying with what, and every text is redacted (see redact.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from autofactura.core.playbooks.redact import Values, redact, ticket_values

FILL_PAGE, CLICK, CHOOSE, NAVIGATE, FINISH = "fill_page", "click", "choose", "navigate", "finish"
ACTIONS = (FILL_PAGE, CLICK, CHOOSE, NAVIGATE, FINISH)
# Attributes that locate a control; a value attribute would hold what the buyer typed.
_ATTRS = ("name", "id", "type", "href")
_MAX_TEXT = 200


class Recorder:
    def __init__(self, hidden: Values | None = None) -> None:
        self.actions: list[dict[str, Any]] = []
        self._hidden: dict[str, str] = dict(hidden or {})

    @classmethod
    def for_ticket(cls, ticket: Mapping[str, Any]) -> Recorder:
        """A recorder that knows the ticket's values, so it never keeps them."""
        return cls(ticket_values(ticket))

    @property
    def succeeded(self) -> bool:
        """The actions end with the invoice captured: a flow worth replaying."""
        return bool(self.actions) and self.actions[-1]["action"] == FINISH

    def hide(self, values: Values) -> None:
        """More values never to keep (the buyer's profile); what was recorded is redacted
        again with them."""
        self._hidden.update(values)
        self.actions = [self._redacted(action) for action in self.actions]

    def restart(self) -> None:
        """The engine opened the vendor URL afresh: earlier actions no longer lead here."""
        self.actions.clear()

    def fill_page(self) -> None:
        """Fill every field autofill understands on the current page."""
        if not self.actions or self.actions[-1]["action"] != FILL_PAGE:
            self.actions.append({"action": FILL_PAGE})

    def click(self, text: str, *, tag: str = "", attrs: Mapping[str, str] | None = None) -> None:
        """Press the control showing `text` (attrs locate it when the text changed)."""
        kept = {key: self._attr(key, str(value)) for key, value in (attrs or {}).items()}
        action = {
            "action": CLICK,
            "text": self._text(text),
            "tag": tag.lower()[:20],
            "attrs": {key: value for key, value in kept.items() if key in _ATTRS and value},
        }
        self.actions.append(action)

    def choose(self, label: str, option_text: str) -> None:
        """Pick `option_text` in the control labelled `label` (a choice not in the profile)."""
        self.actions.append(
            {"action": CHOOSE, "label": self._text(label), "option": self._text(option_text)}
        )

    def navigate(self, path: str) -> None:
        """Go to `path` on the vendor's site (the path only: a query may carry values)."""
        self.actions.append({"action": NAVIGATE, "path": self._text(urlsplit(path).path)})

    def finish(self) -> None:
        """Read the outcome, download and verify the invoice."""
        self.actions.append({"action": FINISH})

    def _text(self, text: str) -> str:
        return redact(" ".join(text.split()), self._hidden)[:_MAX_TEXT]

    def _attr(self, key: str, value: str) -> str:
        if key == "href":
            parts = urlsplit(value)
            value = parts.path if parts.scheme in ("", "http", "https") else ""
        return self._text(value)

    def _redacted(self, action: dict[str, Any]) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, str):
                return redact(value, self._hidden)
            if isinstance(value, dict):
                return {key: clean(item) for key, item in value.items()}
            return value

        return {key: clean(value) if key != "action" else value for key, value in action.items()}
