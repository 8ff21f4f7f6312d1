"""A browser-use Agent on autofactura's LocalChromium (Debian's Chromium), wired the way the
agent engine wires it, with browser-use's scratch folders kept inside the test's tmp_path."""

from __future__ import annotations

# browser_use reads its environment when first imported: scripted_chat sets it up.
from tests.support.scripted_chat import ScriptedChat

# isort: split
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from browser_use import Agent, AgentHistoryList, BrowserSession, Tools
from browser_use.llm.base import BaseChatModel

from autofactura.core.browser.local import LocalChromium

__all__ = ["CHROME", "ScriptedChat", "action_names", "make_agent"]
CHROME = "/usr/bin/chromium"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserSession]:
    """browser-use's session on a fresh local Chromium where only 127.0.0.1 may be opened."""
    provider = LocalChromium(
        chrome_path=None, headless=True, base_dir=tmp_path / "browsers", allow_private=True
    )
    session = await provider.start(uuid.uuid4(), ["127.0.0.1"])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    try:
        # browser-use puts the agent's folder (step screenshots, in clear) and default
        # downloads under tempfile.gettempdir(): keep them in tmp_path. Not around Chromium's
        # start and stop, which find its own TMPDIR there (a short path: it holds a socket).
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "tempdir", str(scratch))
            browser_session = BrowserSession(
                cdp_url=session.cdp_url,
                keep_alive=True,  # the agent's close() must leave Chromium to provider.stop()
                allowed_domains=["127.0.0.1"],
                enable_default_extensions=False,
                downloads_path=session.downloads_dir,
                user_data_dir=session.downloads_dir.parent / "browser-use",
                highlight_elements=False,
            )
            try:
                yield browser_session
            finally:
                await browser_session.kill()  # closes browser-use's CDP client and watchdogs
    finally:
        await provider.stop(session)


def make_agent(
    llm: BaseChatModel,
    browser: BrowserSession,
    start_url: str,
    *,
    tools: Tools[Any] | None = None,
    sensitive_data: Mapping[str, str] | None = None,
    max_actions_per_step: int = 10,
) -> Agent[Any, Any]:
    """An Agent with every extra LLM call and network fetch off: one LLM call per step."""
    extra: dict[str, Any] = {"tools": tools} if tools is not None else {}
    if sensitive_data is not None:
        extra["sensitive_data"] = dict(sensitive_data)
    return Agent(
        task="Genera la factura de este ticket en el portal.",
        llm=llm,
        browser_session=browser,
        use_vision=False,
        use_judge=False,
        enable_planning=False,
        message_compaction=False,
        directly_open_url=False,
        enable_signal_handler=False,
        calculate_cost=False,  # True fetches LiteLLM's price list from GitHub
        max_failures=2,
        max_actions_per_step=max_actions_per_step,
        llm_timeout=30,
        step_timeout=60,
        initial_actions=[{"navigate": {"url": start_url}}],
        file_system_path=str(Path(tempfile.gettempdir()) / "agent-files"),
        **extra,
    )


def action_names(history: AgentHistoryList[Any]) -> list[str]:
    """The actions the agent ran, in order ("navigate", "click", "done", custom ones…)."""
    return [
        name
        for action in history.model_actions()
        for name in action
        if name != "interacted_element"
    ]
