"""A local OpenAI-compatible /v1/chat/completions that answers browser-use's ChatOpenAI with
scripted agent replies and records every request, to test the agent's real provider path."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.support.stand_ins import serve_asgi

SCRIPT_ENDED = "El guion de prueba terminó antes que la tarea."


@dataclass(frozen=True)
class Failure:
    """A scripted provider error: this HTTP status with an OpenAI-style error body."""

    status: int
    message: str = "stand-in failure"


# A dict (AgentOutput-shaped), a function of the request's prompt text returning one, or a
# Failure to answer with.
Reply = dict[str, Any] | Callable[[str], dict[str, Any]] | Failure
_BRAIN = {"evaluation_previous_goal": "", "memory": "", "next_goal": ""}


def request_text(body: dict[str, Any]) -> str:
    """Every message's text in a chat-completions request body, joined."""
    parts: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [json.dumps(p) if p.get("type") != "text" else p["text"] for p in content]
    return "\n".join(parts)


def _structured(body: dict[str, Any], prompt: str) -> bool:
    """Whether the caller expects the agent's JSON (response_format, or the schema put in
    the system prompt by add_schema_to_system_prompt) rather than free text."""
    return "response_format" in body or "<json_schema>" in prompt


def _completion(body: dict[str, Any], n: int, content: str, prompt: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = len(prompt) // 4, max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-standin-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stand-in"),
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _app(script: list[Reply], requests: list[dict[str, Any]], text_reply: str) -> Starlette:
    lock = threading.Lock()
    numbers = itertools.count(1)

    def next_reply(body: dict[str, Any], prompt: str) -> Reply | None:
        with lock:
            requests.append(body)
            if not _structured(body, prompt):
                return None
            if not script:
                return {"action": [{"done": {"text": SCRIPT_ENDED, "success": False}}]}
            return script.pop(0)

    async def completions(request: Request) -> Response:
        body = json.loads(await request.body())
        prompt = request_text(body)
        reply = next_reply(body, prompt)
        if isinstance(reply, Failure):
            error = {"message": reply.message, "type": "stand_in_error", "code": None}
            return JSONResponse({"error": error}, status_code=reply.status)
        if reply is None:
            content = text_reply
        else:
            content = json.dumps({**_BRAIN, **(reply(prompt) if callable(reply) else reply)})
        return JSONResponse(_completion(body, next(numbers), content, prompt))

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@contextlib.contextmanager
def serve_openai_standin(
    script: list[Reply], text_reply: str = "ok"
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve the stand-in until the block ends; yield (base_url ending in /v1, the request
    bodies received, in order). Requests without a JSON schema (a judge, an extraction)
    get `text_reply` and leave the script alone; once the script is spent, the agent is
    told `done` with success false."""
    requests: list[dict[str, Any]] = []
    with serve_asgi(_app(list(script), requests, text_reply), "OpenAI stand-in") as base_url:
        yield f"{base_url}/v1", requests
