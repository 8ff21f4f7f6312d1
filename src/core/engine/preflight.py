"""Preflight: before any browser opens, the buyer's profile must be invoiceable as it is
now (it may have changed since the task was created) and the ticket must make sense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from autofactura.core.autofill.values import Buyer, Purchase, purchase_of
from autofactura.core.fiscal.validation import FiscalProfileData, validate_profile
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.tasks.status import FailureCode
from autofactura.core.tasks.ticket import MEXICO_CITY

if TYPE_CHECKING:
    from autofactura.core.engine.run import TaskRun

# Most portals invoice within the month of purchase plus a few days; some allow longer.
USUAL_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Preflight:
    problems: list[str]  # refusals, in Spanish, each naming the field
    warnings: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


def buyer_of(profile: FiscalProfile, email: str | None = None) -> Buyer:
    """The values portals get; `email` is where the invoice goes (default: the profile's)."""
    return Buyer(
        profile.tax_id,
        profile.legal_name,
        profile.tax_system,
        profile.zip,
        profile.cfdi_use,
        email or profile.email,
    )


def check(
    profile: FiscalProfile | None, purchase: Purchase, today: date | None = None
) -> Preflight:
    if profile is None:
        return Preflight(["El perfil fiscal de esta tarea ya no existe."], [])
    data = FiscalProfileData(
        profile.tax_id,
        profile.legal_name,
        profile.tax_system,
        profile.zip,
        profile.cfdi_use,
        profile.email,
    )
    problems = [
        f"{p.field}: {p.message}"
        for p in validate_profile(data, tax_id_confirmed=profile.tax_id_confirmed)
    ]
    warnings: list[str] = []
    today = today or datetime.now(MEXICO_CITY).date()
    bought = date.fromisoformat(purchase.date)
    if bought > today:
        problems.append("ticket.date: La fecha del ticket no puede ser futura.")
    elif (today - bought) > timedelta(days=USUAL_WINDOW_DAYS):
        warnings.append(
            f"El ticket es de hace {(today - bought).days} días; muchos portales solo "
            "facturan dentro del mes de compra. Lo intentamos de todos modos."
        )
    problems += _total_problems(purchase.total)
    return Preflight(problems, warnings)


def _total_problems(total: str) -> list[str]:
    try:
        amount = Decimal(total)
    except InvalidOperation:
        return ["ticket.total: El total del ticket no es un importe."]
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return ["ticket.total: El total debe ser positivo y con dos decimales como máximo."]
    return []


class PreflightEngine:
    """The chain's first link: refuses (FAILED/INVALID_PROFILE) before any browser opens."""

    name = "preflight"

    async def run(self, task_run: TaskRun) -> bool:
        result = check(await task_run.fiscal_profile(), purchase_of(task_run.ticket))
        if not result.passed:
            await task_run.fail(FailureCode.INVALID_PROFILE, " ".join(result.problems), self.name)
            return True
        for warning in result.warnings:
            await task_run.step("think", warning, shot=False)
        return False
