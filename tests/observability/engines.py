"""An engine for the observability tests (AUTOFACTURA_EXTRA_ENGINES=
tests.observability.engines:LeakyEngine): a ticket whose folio starts with LEAK makes it
raise an error that quotes the buyer's RFC, legal name and e-mail, and another person's,
as a careless library might; any other ticket goes to the real autofill engine."""

from __future__ import annotations

from autofactura.core.autofill.engine import AutofillEngine
from autofactura.core.engine.run import TaskRun

# Someone else's, so only their shape can mask them (not the task's own profile values).
OTHER_RFC = "CACX7605101P8"
OTHER_EMAIL = "xochilt.casas@example.net"


class LeakyEngine:
    name = "autofill"

    async def run(self, task_run: TaskRun) -> bool:
        if not str(task_run.ticket["folio"]).startswith("LEAK"):
            return await AutofillEngine().run(task_run)
        profile = await task_run.fiscal_profile()
        assert profile is not None
        raise RuntimeError(
            f"el portal rechazó a {profile.legal_name} ({profile.tax_id}), "
            f"avisar a {profile.email}; copia a {OTHER_RFC} {OTHER_EMAIL}"
        )
