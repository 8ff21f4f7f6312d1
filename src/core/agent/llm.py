"""The agent's chat model from configuration (AUTOFACTURA_LLM_*); None when no LLM is set,
and then the agent is simply not in the chain."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from autofactura.core.agent.offline import prepare
from autofactura.core.config import Settings

if TYPE_CHECKING:
    from browser_use.llm.base import BaseChatModel

# The provider's usual variable, used when AUTOFACTURA_LLM_API_KEY is not set.
_KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
}


def configured(settings: Settings) -> bool:
    return bool(settings.llm_provider and settings.llm_model)


def chat_model(settings: Settings) -> BaseChatModel | None:
    """A fresh chat model per task (browser-use wraps the one it is given)."""
    if not configured(settings):
        return None
    prepare(settings.data_dir / "browser-use")
    provider, model = settings.llm_provider, str(settings.llm_model)
    key = settings.llm_api_key or os.environ.get(_KEY_VARIABLES.get(str(provider), ""), "")
    base_url = settings.llm_base_url
    common: dict[str, Any] = {"model": model}
    if provider == "openai":
        from browser_use.llm.openai.chat import ChatOpenAI

        return ChatOpenAI(**common, api_key=key or None, base_url=base_url, max_retries=2)
    if provider == "anthropic":
        from browser_use.llm.anthropic.chat import ChatAnthropic

        return ChatAnthropic(**common, api_key=key or None, base_url=base_url)
    if provider == "google":
        from browser_use.llm.google.chat import ChatGoogle

        return ChatGoogle(**common, api_key=key or None)
    if provider == "azure":
        from browser_use.llm.azure.chat import ChatAzureOpenAI

        return ChatAzureOpenAI(**common, api_key=key or None, azure_endpoint=base_url)
    from browser_use.llm.ollama.chat import ChatOllama

    return ChatOllama(**common, host=base_url)
