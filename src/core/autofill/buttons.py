"""Which control moves the portal forward, and whether pressing it stamps the invoice."""

from __future__ import annotations

from dataclasses import dataclass

from autofactura.core.autofill.classify import ButtonRole, classify_button
from autofactura.core.autofill.scan import FoundButton, PageView
from autofactura.core.autofill.text import normalize

# Safe steps that look something up; pressed before "Siguiente" only when fields wait on them.
_LOOKUPS = ("buscar", "validar", "consultar", "verificar", "cargar", "agregar")
# Words that submit the whole request on the last page of some portals.
_FINAL_WORDS = ("enviar", "aceptar", "confirmar", "solicitar", "finalizar", "terminar")


@dataclass(frozen=True)
class Choice:
    button: FoundButton
    role: ButtonRole
    stamps: bool  # pressing it may issue the invoice: irreversible


def _is_lookup(text: str) -> bool:
    return normalize(text).split(" ")[0] in _LOOKUPS if text else False


def lookup_existing(view: PageView) -> FoundButton | None:
    for button in view.buttons:
        role = classify_button(button.text, href=button.href, download=button.download)
        if role is ButtonRole.LOOKUP_EXISTING and not button.disabled:
            return button
    return None


def choose(
    view: PageView, *, fields_waiting: bool, tried: dict[str, int], tax_id: str
) -> Choice | None:
    """The next control to press, or None when nothing here moves forward.

    `tried` counts presses per button text on the current page state: a button that
    changed nothing is not pressed a third time.
    """
    ranked: list[tuple[int, Choice]] = []
    shows_buyer = tax_id.lower() in view.text.lower() or any(
        c.value.upper() == tax_id for c in view.controls
    )
    for button in view.buttons:
        if button.disabled or tried.get(button.text, 0) >= 2:
            continue
        role = classify_button(button.text, href=button.href, download=button.download)
        if role not in (ButtonRole.ADVANCE, ButtonRole.STAMP):
            continue
        final_word = normalize(button.text).split(" ")[0] in _FINAL_WORDS if button.text else False
        stamps = role is ButtonRole.STAMP or (final_word and shows_buyer)
        lookup = _is_lookup(button.text)
        if fields_waiting:
            rank = 0 if lookup else 2
        else:
            rank = 2 if lookup else (0 if stamps else 1)
        ranked.append((rank + tried.get(button.text, 0) * 3, Choice(button, role, stamps)))
    if not ranked:
        return None
    ranked.sort(key=lambda item: item[0])
    return ranked[0][1]
