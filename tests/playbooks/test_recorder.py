"""The recorder keeps actions with meanings and locators, never the buyer's or the
ticket's values; what it keeps still finds the same controls for another ticket."""

from __future__ import annotations

import json

from autofactura.core.playbooks.recorder import Recorder
from autofactura.core.playbooks.redact import fill_in, profile_values, redact, same
from autofactura.core.playbooks.service import domain_of
from tests.portals.buyer import PROFILE, ticket

FOLIO = "TK8841203"
VALUES = (
    PROFILE["taxId"],
    PROFILE["legalName"],
    PROFILE["zip"],
    PROFILE["email"],
    FOLIO,
    "1234.50",
    "1,234.50",
    "7F3K9",
)
PROFILE_VALUES = profile_values(
    PROFILE["taxId"], PROFILE["legalName"], PROFILE["zip"], PROFILE["email"]
)


def _everything_a_portal_might_show(recorder: Recorder) -> None:
    recorder.fill_page()
    recorder.click(
        f"Facturar a {PROFILE['legalName'].title()} ({PROFILE['taxId']})",
        tag="BUTTON",
        attrs={
            "id": "btnFacturar",
            "value": PROFILE["email"],
            "data-rfc": PROFILE["taxId"],
            "href": f"/facturar/{FOLIO}?rfc={PROFILE['taxId']}&cp={PROFILE['zip']}",
        },
    )
    recorder.choose("Total del ticket", "$1,234.50")
    recorder.choose("Código de venta (Web ID)", "7F3K9")
    recorder.click(f"Enviar a {PROFILE['email']}")
    recorder.navigate(f"/ticket/{FOLIO}/cp/{PROFILE['zip']}?total=1234.50")
    recorder.finish()


def _text(recorder: Recorder) -> str:
    return json.dumps(recorder.actions, ensure_ascii=False).casefold()


def test_no_value_is_kept_and_each_becomes_its_meaning() -> None:
    recorder = Recorder.for_ticket(ticket(FOLIO))
    recorder.hide(PROFILE_VALUES)
    _everything_a_portal_might_show(recorder)
    text = _text(recorder)
    for value in VALUES:
        assert value.casefold() not in text, value
    click = recorder.actions[1]
    assert click["text"] == "Facturar a {legalName} ({taxId})"
    assert click["tag"] == "button"
    assert click["attrs"] == {"id": "btnFacturar", "href": "/facturar/{folio}"}
    assert recorder.actions[2]["option"] == "${total}"
    assert recorder.actions[3] == {
        "action": "choose",
        "label": "Código de venta (Web ID)",
        "option": "{extra:Web ID}",
    }
    assert recorder.actions[5]["path"] == "/ticket/{folio}/cp/{zip}"
    assert recorder.succeeded


def test_values_it_was_not_told_are_masked_by_their_shape() -> None:
    recorder = Recorder()
    recorder.click(f"Facturar a {PROFILE['taxId']} y enviar a {PROFILE['email']}")
    recorder.choose("Total", "$1,234.50")
    recorder.navigate(f"/ticket/98765432/{PROFILE['zip']}")
    text = _text(recorder)
    for value in (PROFILE["taxId"], PROFILE["email"], "1,234.50", "98765432", PROFILE["zip"]):
        assert value.casefold() not in text, value
    assert recorder.actions[0]["text"] == "Facturar a {taxId} y enviar a {email}"


def test_values_learned_later_are_removed_from_what_was_recorded() -> None:
    recorder = Recorder()
    recorder.click(f"Continuar como {PROFILE['legalName']}")
    assert PROFILE["legalName"] in _text(recorder).upper()
    recorder.hide(PROFILE_VALUES)
    assert recorder.actions[0]["text"] == "Continuar como {legalName}"


def test_consecutive_fill_page_collapse() -> None:
    recorder = Recorder()
    recorder.fill_page()
    recorder.fill_page()
    recorder.click("Buscar")
    recorder.fill_page()
    recorder.fill_page()
    assert [a["action"] for a in recorder.actions] == ["fill_page", "click", "fill_page"]
    assert not recorder.succeeded
    recorder.restart()
    assert recorder.actions == []


def test_what_is_kept_finds_the_same_control_for_another_buyer() -> None:
    recorded = redact("Facturar a EKU9003173C9", PROFILE_VALUES)
    another = profile_values("XAXX010101000", "PUBLICO EN GENERAL", "06000", "a@b.mx")
    assert same("Facturar a XAXX010101000", recorded, another)
    assert not same("Cancelar", recorded, another)
    option = redact("Pago con Tarjeta de débito", {"extra:Forma de pago": "Tarjeta de débito"})
    assert option == "Pago con {extra:Forma de pago}"
    assert fill_in(option, {"extra:Forma de pago": "Efectivo"}) == "Pago con Efectivo"
    assert fill_in("Ticket {number}", {"folio": "X1"}) is None


def test_domain_is_the_host_without_www() -> None:
    assert domain_of("https://WWW.Facturacion.Example.MX:8443/ruta?x=1") == "facturacion.example.mx"
    assert domain_of("http://127.0.0.1:5000/clasico/") == "127.0.0.1"
