"""Preflight refuses what no portal would accept before any browser opens, and warns (but
goes on) when the ticket is probably past the vendor's invoicing window."""

from __future__ import annotations

from datetime import date

from autofactura.core.autofill.values import Purchase
from autofactura.core.engine.preflight import check
from autofactura.core.profiles.models import FiscalProfile

TODAY = date(2026, 11, 26)


def _profile(**overrides: object) -> FiscalProfile:
    values: dict[str, object] = {
        "tax_id": "EKU9003173C9",
        "legal_name": "ESCUELA KEMPER URGATE",
        "tax_system": "601",
        "zip": "26015",
        "cfdi_use": "G03",
        "email": "compras@example.com",
        "tax_id_confirmed": False,
    }
    values.update(overrides)
    return FiscalProfile(**values)


def _purchase(day: str = "2026-11-25", total: str = "245.50") -> Purchase:
    return Purchase(folio="A1", date=day, total=total)


def test_a_good_profile_and_a_recent_ticket_pass_quietly() -> None:
    result = check(_profile(), _purchase(), TODAY)
    assert result.passed and result.warnings == []


def test_a_profile_that_became_inconsistent_is_refused_with_its_field() -> None:
    result = check(_profile(tax_system="605"), _purchase(), TODAY)  # a person's regime
    assert not result.passed
    assert any(p.startswith("taxSystem") for p in result.problems), result.problems


def test_a_deleted_profile_is_refused() -> None:
    assert not check(None, _purchase(), TODAY).passed


def test_a_future_ticket_is_refused() -> None:
    result = check(_profile(), _purchase(day="2026-11-27"), TODAY)
    assert result.problems == ["ticket.date: La fecha del ticket no puede ser futura."]


def test_an_old_ticket_is_a_warning_not_a_refusal() -> None:
    result = check(_profile(), _purchase(day="2026-09-01"), TODAY)
    assert result.passed
    assert "86 días" in result.warnings[0]


def test_a_total_with_more_than_cents_is_refused() -> None:
    assert not check(_profile(), _purchase(total="10.505"), TODAY).passed
    assert not check(_profile(), _purchase(total="0"), TODAY).passed
