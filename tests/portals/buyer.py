"""The buyer every portal test and benchmark uses: a fiscal profile the portals' SAT
registry knows, and a ticket that carries what the portals ask for beyond it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

PROFILE = {
    "taxId": "EKU9003173C9",
    "legalName": "ESCUELA KEMPER URGATE",
    "taxSystem": "601",
    "zip": "26015",
    "cfdiUse": "G03",
    "email": "compras@example.com",
}


def ticket(folio: str, total: str = "1234.50") -> dict[str, Any]:
    return {
        "folio": folio,
        "date": (date.today() - timedelta(days=1)).isoformat(),
        "total": total,
        "store": "105",
        "extra": {"Web ID": "7F3K9", "Forma de pago": "Tarjeta de débito"},
    }
