"""The agent engine: browser-use with an LLM on the task's own browser, for the portals the
deterministic engine could not finish. It starts from the page autofill left, sees the
buyer's data only as placeholders, cannot leave the vendor's domain, and checks the page
itself before every step (a failure message or the invoice ends the run at once)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autofactura.core.agent.domains import allowed, vendor_domain
from autofactura.core.agent.llm import chat_model
from autofactura.core.agent.prompt import task_prompt
from autofactura.core.agent.secrets import redact, redact_json, sensitive_data
from autofactura.core.agent.tools import build_tools
from autofactura.core.autofill.capture import download_buttons
from autofactura.core.autofill.engine import _Drive, driving
from autofactura.core.autofill.outcome import Signal, read_page
from autofactura.core.autofill.page import PortalPage
from autofactura.core.engine import resubmit
from autofactura.core.engine.errors import RunStopped
from autofactura.core.engine.run import TaskRun
from autofactura.core.tasks.status import InterventionReason

GAVE_UP = "El asistente no pudo terminar en este portal; continúa tú en la vista en vivo."
OVER_BUDGET = "El asistente llegó a su límite de pasos o de costo sin obtener la factura."
ENDED = "ended"
_CONCLUDING_ROUNDS = 4
_ENDING = (
    Signal.TICKET_NOT_FOUND,
    Signal.ALREADY_INVOICED,
    Signal.INVOICING_PERIOD_EXPIRED,
    Signal.RECEPTOR_REJECTED,
    Signal.SUCCESS,
    Signal.EMAILED,
)
_HELP = (Signal.CAPTCHA, Signal.LOGIN_REQUIRED)


class AgentEngine:
    """`chat` makes the task's chat model; by default the configured provider's."""

    name = "agent"

    def __init__(self, chat: Callable[[TaskRun], Any] | None = None) -> None:
        self.chat = chat or (lambda task_run: chat_model(task_run.services.settings))

    async def run(self, task_run: TaskRun) -> bool:
        llm = self.chat(task_run)
        if llm is None:
            return False  # no LLM configured: the chain goes on to the buyer
        async with driving(task_run, self.name) as drive:
            if drive is None:
                return True
            return await AgentRun(task_run, drive.portal, drive, drive.cdp_url, llm).go()


class AgentRun:
    def __init__(
        self, task_run: TaskRun, portal: PortalPage, drive: _Drive, cdp_url: str, llm: Any
    ) -> None:
        self.task_run, self.portal, self.drive = task_run, portal, drive
        self.cdp_url, self.llm = cdp_url, llm
        self.settings = task_run.services.settings
        self.secrets = sensitive_data(drive.buyer)
        self.domain = vendor_domain(task_run.vendor_url)
        # The guard driving() installed for the whole drive; the agent reads its refusals.
        assert drive.guard is not None
        self.guard = drive.guard
        self.stop_reason: str | None = None
        self.stopped: RunStopped | None = None
        self.agent: Any = None

    async def go(self) -> bool:
        workdir = Path(tempfile.mkdtemp(prefix="autofactura-agent-"))
        page = self.portal.page
        if page.url in ("", "about:blank") or not allowed(page.url, self.domain):
            # The first engine to drive this browser: start at the portal.
            await self.task_run.step("navigate", "Abrimos el portal de facturación.")
            await page.goto(self.task_run.vendor_url, wait_until="domcontentloaded")
        await self._approve_stamping()
        try:
            await self._run_agent(workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if self.stopped is not None:
            raise self.stopped
        if self.stop_reason == ENDED:
            await self._conclude()
        if self.task_run.status.ends_run:
            return True
        return await self._hand_over()

    async def _approve_stamping(self) -> None:
        """The model presses the stamping button itself, and nothing stands between it and
        that click: so what autofill asks right before it (a takeover after an earlier run
        pressed it; a buyer who approves every stamp) is asked before the agent starts."""
        if self.drive.confirmed:
            return  # the buyer already approved this drive's stamp
        earlier, purchase = self.task_run.earlier_stamp, self.drive.purchase
        if earlier is not None:
            message = resubmit.ASK.format(button=earlier)
        elif self.task_run.require_confirmation:
            message = (
                f"El asistente terminará de llenar el portal y pulsará él mismo el botón que "
                f"timbra el ticket {purchase.folio} por ${purchase.total} con tu perfil fiscal;"
                " no puede detenerse justo antes. Reanuda para permitirlo, o cancela."
            )
        else:
            return
        self.drive.confirmed = True
        await self.task_run.need_intervention(InterventionReason.CONFIRMATION_REQUIRED, message)

    async def _run_agent(self, workdir: Path) -> None:
        from browser_use import Agent, BrowserSession

        browser = BrowserSession(
            cdp_url=self.cdp_url,
            keep_alive=True,  # the browser is the task's: it outlives the agent
            allowed_domains=[self.domain, f"*.{self.domain}"],
            enable_default_extensions=False,
            highlight_elements=False,
            downloads_path=self.drive.downloads_dir,
            user_data_dir=workdir / "profile",
        )
        buyer, purchase = self.drive.buyer, self.drive.purchase
        self.agent = Agent(
            task=task_prompt(self.task_run.vendor_url, purchase, buyer.tax_system, buyer.cfdi_use),
            llm=self.llm,
            browser_session=browser,
            tools=build_tools(self),
            sensitive_data=dict[str, str | dict[str, str]](self.secrets),
            use_vision=self.settings.llm_vision,
            max_actions_per_step=4,
            max_failures=3,
            use_judge=False,
            enable_planning=False,
            message_compaction=False,
            directly_open_url=False,
            enable_signal_handler=False,
            calculate_cost=False,  # True downloads a price list; the budget counts tokens
            llm_timeout=90,
            step_timeout=180,
            file_system_path=str(workdir / "files"),
            register_new_step_callback=self._after_step,
            register_should_stop_callback=self._should_stop,
        )
        try:
            await self.agent.run(
                max_steps=self.settings.agent_max_steps, on_step_start=self._before
            )
        finally:
            await browser.kill()  # its CDP client only: our Chromium stays up
            shutil.rmtree(self.agent.agent_directory, ignore_errors=True)  # clear screenshots

    async def _before(self, agent: Any) -> None:
        """Between steps: the buyer's pause or cancel, the budget, and the page itself."""
        try:
            if await self.task_run.checkpoint():
                await self.task_run.step("think", "Retomamos tras la ayuda de la persona.")
        except RunStopped as stopped:
            self._stop(stopped=stopped)
            return
        if self._tokens() > self.settings.agent_max_tokens:
            self._stop(reason=OVER_BUDGET)
            return
        await self._check_page()

    async def _check_page(self) -> None:
        """A CAPTCHA or login wall goes to the buyer now; an end (the invoice, a refusal)
        stops the agent, and is taken care of once browser-use has let go of the browser."""
        view = await self.portal.settled(quick=True)
        reading = read_page(view.text, [*self.portal.take_dialogs(), *view.alerts])
        try:
            if reading is not None and reading.signal in _HELP:
                await self.drive._on_reading(reading, view)
        except RunStopped as stopped:
            self._stop(stopped=stopped)
            return
        ending = reading is not None and reading.signal in _ENDING
        if ending or download_buttons(view):
            self._stop(reason=ENDED)

    async def _after_step(self, state: Any, output: Any, number: int) -> None:
        actions = [a.model_dump(exclude_unset=True) for a in output.action]
        if any("click" in a or "send_keys" in a for a in actions):
            self.drive.submitted = True  # the page may answer "enviada a tu correo" now
        self._learn(state, actions)
        for host in self.guard.take_refused():
            await self.task_run.step(
                "navigate", f"Bloqueamos una salida del portal hacia {host}.", shot=False
            )
        goal = redact(output.next_goal or "Siguiente paso", self.secrets)
        try:
            await self.task_run.step(
                "think",
                goal,
                actions=redact_json(actions, self.secrets),
                url=redact(state.url, self.secrets),
                agentStep=number,
            )
        except RunStopped as stopped:
            self._stop(stopped=stopped)

    def _learn(self, state: Any, actions: list[dict[str, Any]]) -> None:
        """What the agent did, for the portal's playbook: texts the page shows, no values."""
        recorder = getattr(self.task_run, "recorder", None)
        if recorder is None:
            return
        nodes = getattr(getattr(state, "dom_state", None), "selector_map", {}) or {}
        for action in actions:
            if len(action) != 1:
                continue
            name, params = next(iter(action.items()))
            index = params.get("index") if isinstance(params, dict) else None
            node = nodes.get(index) if index is not None else None
            if name == "click" and node is not None:
                recorder.click(node.get_all_children_text()[:80], tag=str(node.tag_name))
            elif name in ("input", "fill_fiscal_data"):
                recorder.fill_page()

    async def _should_stop(self) -> bool:
        return self.stop_reason is not None or self.stopped is not None

    def _stop(self, *, reason: str | None = None, stopped: RunStopped | None = None) -> None:
        self.stop_reason = self.stop_reason or reason
        self.stopped = self.stopped or stopped
        if self.agent is not None:
            self.agent.stop()

    def _tokens(self) -> int:
        usage = getattr(getattr(self.agent, "history", None), "usage", None)
        if usage is None:
            return 0
        return int(usage.total_prompt_tokens or 0) + int(usage.total_completion_tokens or 0)

    async def fill_page(self) -> int:
        view = await self.portal.settled(quick=True)
        filled, _ = await self.drive._fill(view)
        return filled

    async def capture(self) -> bool:
        view = await self.portal.settled()
        if not download_buttons(view) and read_page(view.text, view.alerts) is None:
            return False
        self._stop(reason=ENDED)
        return True

    async def _conclude(self) -> None:
        """Read the end the agent reached and finish like autofill does (capture, verify,
        or the failure the portal showed), on a page nobody else is driving now."""
        for _ in range(_CONCLUDING_ROUNDS):
            await self.drive._round()
            if self.task_run.status.ends_run:
                return

    async def _hand_over(self) -> bool:
        """The agent stopped short: the next engine, or the buyer in the live view."""
        if self.task_run.has_fallback:
            return False
        message = OVER_BUDGET if self.stop_reason == OVER_BUDGET else GAVE_UP
        await self.task_run.need_intervention(InterventionReason.UNKNOWN_STATE, message)
        await self._conclude()  # the buyer may have brought the invoice on screen
        return self.task_run.status.ends_run
