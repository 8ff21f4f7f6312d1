"""fiscalCatalogs: the regimes and CFDI uses a profile accepts, with what narrows them."""

from __future__ import annotations

from tests.support.api import Caller

CATALOGS = """{ fiscalCatalogs {
  taxSystems { code description forMoral forFisica }
  cfdiUses { code description taxSystems fisicaOnly } } }"""


async def test_the_catalogs_say_who_may_use_what(buyer: Caller) -> None:
    data = (await buyer(CATALOGS))["fiscalCatalogs"]
    systems = {s["code"]: s for s in data["taxSystems"]}
    uses = {u["code"]: u for u in data["cfdiUses"]}
    assert (systems["601"]["forMoral"], systems["601"]["forFisica"]) == (True, False)
    assert (systems["612"]["forMoral"], systems["612"]["forFisica"]) == (False, True)
    assert systems["626"]["forMoral"] and systems["626"]["forFisica"]
    assert "General de Ley" in systems["601"]["description"]
    assert "601" in uses["G03"]["taxSystems"] and not uses["G03"]["fisicaOnly"]
    assert uses["D01"]["fisicaOnly"] and "601" not in uses["D01"]["taxSystems"]
    assert "P01" not in uses  # withdrawn in CFDI 4.0


async def test_the_catalogs_need_a_session(anonymous: Caller) -> None:
    errors = await anonymous.errors(CATALOGS)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
