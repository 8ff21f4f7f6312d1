"""ScriptedChat: a browser-use chat model that replays a script of agent replies and records
every prompt it was sent, so tests drive the real Agent with no LLM and check for leaks."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def _offline_browser_use() -> None:
    """autofactura.core.agent switches off telemetry, cloud sync, version check and logging
    rewiring before browser_use is first imported; a config dir of our own, removed at exit,
    keeps its profiles/extensions folders out of the home directory."""
    import autofactura.core.agent  # noqa: F401 — its import sets browser-use's switches

    if "BROWSER_USE_CONFIG_DIR" not in os.environ:
        config_dir = tempfile.mkdtemp(prefix="browser-use-config-")
        os.environ["BROWSER_USE_CONFIG_DIR"] = config_dir
        atexit.register(shutil.rmtree, config_dir, ignore_errors=True)


_offline_browser_use()

import json  # noqa: E402 (browser_use must see the environment above)
import re  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, TypeVar, overload  # noqa: E402

from browser_use.browser.session import DEFAULT_BROWSER_PROFILE  # noqa: E402
from browser_use.llm.messages import BaseMessage  # noqa: E402
from browser_use.llm.views import ChatInvokeCompletion, ChatInvokeUsage  # noqa: E402
from pydantic import BaseModel, ValidationError  # noqa: E402
from pydantic_core import CoreSchema, core_schema  # noqa: E402


def _remove_if_empty(folder: Path | str | None) -> None:
    if folder is not None:
        try:
            os.rmdir(folder)
        except OSError:
            pass


# Importing browser_use makes an empty /tmp/browser-use-downloads-* for its default profile.
atexit.register(_remove_if_empty, DEFAULT_BROWSER_PROFILE.downloads_path)

T = TypeVar("T", bound=BaseModel)
# One scripted reply: an AgentOutput-shaped dict, a function of the prompt text returning one
# (element indexes are assigned per page), or an exception to raise as the provider would.
Reply = dict[str, Any] | Callable[[str], dict[str, Any]] | BaseException
_BRAIN = ("evaluation_previous_goal", "memory", "next_goal")
_ELEMENT = re.compile(r"\[(\d+)\]<")
SCRIPT_ENDED = "El guion de prueba terminó antes que la tarea."


def step(*actions: dict[str, Any], goal: str = "") -> dict[str, Any]:
    """An AgentOutput reply doing `actions` in order, e.g. step({"click": {"index": 3}})."""
    return {"evaluation_previous_goal": "", "memory": "", "next_goal": goal, "action": [*actions]}


def done(text: str, success: bool = True) -> dict[str, Any]:
    """The reply that ends the run."""
    return step({"done": {"text": text, "success": success}})


def message_text(message: BaseMessage) -> str:
    """A message's text; image parts as their JSON, so a secret inside a URL still shows."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        text = getattr(part, "text", None)
        parts.append(text if isinstance(text, str) else json.dumps(part.model_dump(), default=str))
    return "\n".join(parts)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip("\t "))


def index_of(prompt: str, needle: str) -> int:
    """The index browser-use gave the element whose line holds `needle`
    (`[3]<input name=rfc id=rfc />`) or whose text does, one line down and indented
    (`[16]<button type=submit />` then `\\tEnviar`). Page text outside any element (prose
    that merely mentions the needle) does not count. LookupError when nothing matches."""
    lines = prompt.rsplit("<browser_state>", 1)[-1].splitlines()
    for n, line in enumerate(lines):
        if needle not in line:
            continue
        own = [m for m in _ELEMENT.finditer(line) if m.start() < line.index(needle)]
        if own:
            return int(own[-1].group(1))
        if _indent(line) == 0:
            continue
        parent = next((p for p in reversed(lines[:n]) if _indent(p) < _indent(line)), "")
        owners = list(_ELEMENT.finditer(parent))
        if owners:
            return int(owners[-1].group(1))
    raise LookupError(f"no element with {needle!r} in the prompt")


def _usage(prompt: str, completion: str) -> ChatInvokeUsage:
    """Token counts of about one per four characters, like a real tokenizer's ballpark."""
    prompt_tokens, completion_tokens = len(prompt) // 4, max(1, len(completion) // 4)
    return ChatInvokeUsage(
        prompt_tokens=prompt_tokens,
        prompt_cached_tokens=None,
        prompt_cache_creation_tokens=None,
        prompt_image_tokens=None,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


class ScriptedChat:
    """browser_use.llm.base.BaseChatModel (a Protocol), played from `script`.

    Each structured call (the Agent's step) takes the next reply; calls without an
    output format (judge, extraction) answer `text_reply` and leave the script alone."""

    _verified_api_keys = True  # the Agent skips its API-key check

    def __init__(
        self, script: list[Reply], model: str = "scripted", text_reply: str = "ok"
    ) -> None:
        self.model = model
        self.script = list(script)
        self.text_reply = text_reply
        self.calls = 0  # every ainvoke, structured or not
        self.texts: list[str] = []  # each call's messages, as text, joined
        self.messages: list[list[BaseMessage]] = []  # each call's messages, as sent

    @property
    def provider(self) -> str:
        return "scripted"

    @property
    def name(self) -> str:
        return self.model

    @property
    def model_name(self) -> str:
        return self.model

    @classmethod
    def __get_pydantic_core_schema__(cls, source_type: type, handler: Any) -> CoreSchema:
        """Any object, as BaseChatModel declares (the Agent keeps its llm in pydantic models)."""
        return core_schema.any_schema()

    @overload
    async def ainvoke(
        self, messages: list[BaseMessage], output_format: None = None, **kwargs: Any
    ) -> ChatInvokeCompletion[str]: ...

    @overload
    async def ainvoke(
        self, messages: list[BaseMessage], output_format: type[T], **kwargs: Any
    ) -> ChatInvokeCompletion[T]: ...

    async def ainvoke(
        self, messages: list[BaseMessage], output_format: type[T] | None = None, **kwargs: Any
    ) -> ChatInvokeCompletion[T] | ChatInvokeCompletion[str]:
        # kwargs: the Agent passes session_id=…
        text = "\n".join(message_text(m) for m in messages)
        self.calls += 1
        self.texts.append(text)
        self.messages.append(list(messages))
        if output_format is None:
            return ChatInvokeCompletion(
                completion=self.text_reply, usage=_usage(text, self.text_reply)
            )
        reply = self._next_reply(text)
        for key in _BRAIN:
            if key in output_format.model_fields:
                reply.setdefault(key, "")
        try:
            parsed = output_format.model_validate(reply)
        except ValidationError as error:
            raise ValueError(f"scripted reply #{self.calls} does not fit: {error}") from None
        return ChatInvokeCompletion(
            completion=parsed, usage=_usage(text, json.dumps(reply)), stop_reason="stop"
        )

    def _next_reply(self, text: str) -> dict[str, Any]:
        if not self.script:
            return done(SCRIPT_ENDED, success=False)
        head = self.script.pop(0)
        if isinstance(head, BaseException):
            raise head
        return dict(head(text) if callable(head) else head)

    def leaked(self, *secrets: str) -> list[str]:
        """The secrets that appear in any prompt sent (should be [])."""
        return [s for s in secrets if any(s in text for text in self.texts)]
