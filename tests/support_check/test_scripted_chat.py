"""ScriptedChat and the OpenAI stand-in drive a real browser-use Agent on Debian's Chromium:
scripted actions (built-in and custom) reach the page, the buyer's data reaches the portal
but no prompt, usage is counted, and a spent script ends the run unsuccessfully."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_use import ActionResult, BrowserSession, Tools
from browser_use.agent.views import AgentOutput
from browser_use.llm.messages import BaseMessage, SystemMessage, UserMessage
from browser_use.llm.openai.chat import ChatOpenAI

from tests.support.openai_standin import Failure, Reply, request_text, serve_openai_standin
from tests.support.pages import StaticPage, serve_pages
from tests.support.scripted_chat import SCRIPT_ENDED, ScriptedChat, done, index_of, step
from tests.support_check.conftest import CHROME, action_names, make_agent

BUYER = {
    "x_rfc": "EKU9003173C9",
    "x_name": "ESCUELA KEMPER URGATE",
    "x_zip": "26015",
    "x_email": "compras@example.com",
}
FORM = b"""<!doctype html><html><head><title>Facturacion</title></head><body>
<h1>Facturacion</h1>
<p>Si tu compra fue en tienda, escribe tu RFC y pulsa Enviar.</p>
<form action="/enviado" method="get">
  <label>RFC <input name="rfc" id="rfc"></label>
  <label>Nombre <input name="nombre"></label>
  <label>CP <input name="cp"></label>
  <label>Correo <input name="correo"></label>
  <button type="submit">Enviar</button>
</form></body></html>"""
# Any other path (/enviado?rfc=…) echoes what the portal received, as portals do.
RECEIVED = b"""<!doctype html><html><head><title>Recibido</title></head><body>
<h1>Recibido</h1><p id="got"></p><script>
var q = new URLSearchParams(location.search);
document.getElementById('got').textContent = ['rfc', 'nombre', 'cp', 'correo']
  .map(function (k) { return k + ': ' + q.get(k); }).join(' | ');
</script></body></html>"""
PROMPT = """<user_request>Elige «Sucursal» si compraste en tienda.</user_request>
<browser_state>
Interactive elements:
[Start of page]
Si tu compra fue en tienda, elige «Sucursal».
[13]<label />
\tRFC
\t|SHADOW(open)|[3]<input name=rfc id=rfc />
[16]<button type=submit name=canal value=tienda />
\tSucursal
*[17]<button type=submit name=canal value=linea />
\tComercio electrónico
[End of page]
</browser_state>"""
chromium = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    with serve_pages({"/": StaticPage(FORM), "/r": StaticPage(RECEIVED)}, default="/r") as url:
        yield url


def test_index_of_finds_elements_by_attribute_or_by_their_text() -> None:
    assert index_of(PROMPT, "name=rfc") == 3
    assert index_of(PROMPT, "RFC") == 13  # the label's text, one line down
    assert index_of(PROMPT, "Sucursal") == 16  # not the prose above that mentions it
    assert index_of(PROMPT, "Comercio electrónico") == 17  # new elements are starred
    with pytest.raises(LookupError):
        index_of(PROMPT, "Facturar")


def _agent_output() -> type[AgentOutput]:
    return AgentOutput.type_with_custom_actions(Tools().registry.create_action_model())


async def test_replies_in_order_then_ends_the_run_unsuccessfully() -> None:
    seen: list[str] = []

    def from_prompt(prompt: str) -> dict[str, Any]:
        seen.append(prompt)
        return step({"click": {"index": index_of(prompt, "Sucursal")}})

    llm = ScriptedChat([{"action": [{"navigate": {"url": "http://127.0.0.1/"}}]}, from_prompt])
    messages: list[BaseMessage] = [SystemMessage(content="sistema"), UserMessage(content=PROMPT)]
    output = _agent_output()
    first = await llm.ainvoke(messages, output)
    free_text = await llm.ainvoke(messages)  # a judge's or extraction's call: not scripted
    second = await llm.ainvoke(messages, output)
    spent = await llm.ainvoke(messages, output)
    assert first.completion.action[0].model_dump(exclude_unset=True) == {
        "navigate": {"url": "http://127.0.0.1/"}
    }
    assert free_text.completion == "ok"
    assert second.completion.action[0].model_dump(exclude_unset=True) == {"click": {"index": 16}}
    assert seen == [f"sistema\n{PROMPT}"]
    assert spent.completion.action[0].model_dump(exclude_unset=True) == {
        "done": {"text": SCRIPT_ENDED, "success": False}
    }
    assert llm.calls == 4 and len(llm.texts) == 4
    assert first.usage is not None and first.usage.prompt_tokens == len(llm.texts[0]) // 4


async def test_a_scripted_exception_is_raised_and_a_bad_reply_is_named() -> None:
    llm = ScriptedChat([RuntimeError("proveedor caído"), step({"no_such_action": {}})])
    messages: list[BaseMessage] = [UserMessage(content=PROMPT)]
    with pytest.raises(RuntimeError, match="proveedor caído"):
        await llm.ainvoke(messages, _agent_output())
    with pytest.raises(ValueError, match="scripted reply #2"):
        await llm.ainvoke(messages, _agent_output())


def _fill_tools(browser: BrowserSession, filled: list[str]) -> Tools[Any]:
    """A custom action that fills the buyer's data out of the LLM's sight, over CDP."""
    tools: Tools[Any] = Tools()
    values = {"rfc": BUYER["x_rfc"], "nombre": BUYER["x_name"]}
    values |= {"cp": BUYER["x_zip"], "correo": BUYER["x_email"]}
    script = (
        f"(() => {{ const v = {json.dumps(values)}; for (const k in v) "
        "document.querySelector(`[name=${k}]`).value = v[k]; return Object.keys(v).length; })()"
    )

    # The session is taken from the closure: a `browser_session: BrowserSession` parameter
    # is refused under `from __future__ import annotations` (its annotation is a string).
    @tools.action("Fill the buyer's fiscal data into the form (no arguments).")
    async def fill_fiscal_data() -> ActionResult:
        cdp = await browser.get_or_create_cdp_session()
        result = await cdp.cdp_client.send.Runtime.evaluate(
            params={"expression": script, "returnByValue": True}, session_id=cdp.session_id
        )
        filled.append(await browser.get_current_page_url())
        count = result.get("result", {}).get("value")
        return ActionResult(extracted_content=f"Datos fiscales capturados: {count} campos.")

    return tools


@chromium
async def test_scripted_chat_drives_the_agent_through_a_custom_action_and_a_click(
    browser: BrowserSession, portal: str, tmp_path: Path
) -> None:
    filled: list[str] = []
    llm = ScriptedChat(
        [
            step({"fill_fiscal_data": {}}, goal="capturar datos"),
            lambda prompt: step({"click": {"index": index_of(prompt, "Enviar")}}),
            done("Factura solicitada."),
        ]
    )
    tools = _fill_tools(browser, filled)
    agent = make_agent(llm, browser, portal + "/", tools=tools, sensitive_data=BUYER)
    assert agent.agent_directory.is_relative_to(tmp_path)  # browser-use's scratch stays here
    history = await agent.run(max_steps=5)

    assert history.is_done() and history.is_successful(), history.errors()
    assert history.final_result() == "Factura solicitada."
    assert action_names(history) == ["navigate", "fill_fiscal_data", "click", "done"]
    assert filled == [portal + "/"]
    assert "Datos fiscales capturados: 4 campos." in llm.texts[1]
    url = await browser.get_current_page_url()
    assert url.startswith(portal + "/enviado?") and BUYER["x_rfc"] in url  # the portal got it
    # The portal echoes what it got: the prompt shows it masked, never in clear.
    assert "rfc: <secret>x_rfc</secret> | nombre: <secret>x_name</secret>" in llm.texts[2]
    assert llm.leaked(*BUYER.values()) == []
    assert llm.calls == 3
    assert history.usage is not None
    assert history.usage.total_prompt_tokens == sum(len(t) // 4 for t in llm.texts)


@chromium
async def test_chat_openai_on_the_standin_types_a_secret_and_submits(
    browser: BrowserSession, portal: str
) -> None:
    script: list[Reply] = [
        lambda prompt: step(
            {"input": {"index": index_of(prompt, "name=rfc"), "text": "<secret>x_rfc</secret>"}},
            {"click": {"index": index_of(prompt, "Enviar")}},
        ),
        done("Listo."),
    ]
    with serve_openai_standin(script) as (base_url, requests):
        llm = ChatOpenAI(
            model="gpt-4.1-mini", base_url=base_url, api_key="test-key", max_retries=0, timeout=20
        )
        history = await make_agent(llm, browser, portal + "/", sensitive_data=BUYER).run(5)

    assert history.is_done() and history.is_successful(), history.errors()
    assert [next(iter(a)) for a in history.model_actions()] == [
        "navigate",
        "input",
        "click",
        "done",
    ]
    assert BUYER["x_rfc"] in await browser.get_current_page_url()
    assert len(requests) == 2
    schema = requests[0]["response_format"]["json_schema"]
    assert (schema["name"], schema["strict"]) == ("agent_output", True)
    assert {"evaluation_previous_goal", "memory", "next_goal", "action"} <= set(
        schema["schema"]["properties"]
    )
    assert "<secret>x_rfc</secret>" in request_text(requests[1])  # the echo, masked
    assert not [v for v in BUYER.values() if any(v in json.dumps(r) for r in requests)]
    assert history.usage is not None and history.usage.total_tokens > 0


@chromium
async def test_provider_errors_end_the_run_with_one_last_forced_done(
    browser: BrowserSession, portal: str
) -> None:
    failures: list[Reply] = [Failure(500, "se cayó"), Failure(503, "otra vez")]
    with serve_openai_standin(failures) as (base_url, requests):
        llm = ChatOpenAI(model="gpt-4.1-mini", base_url=base_url, api_key="k", max_retries=0)
        history = await make_agent(llm, browser, portal + "/").run(5)

    # max_failures=2, then browser-use asks once more with `done` as the only action.
    assert len(requests) == 3
    last_actions = requests[2]["response_format"]["json_schema"]["schema"]["properties"]
    assert "done" in json.dumps(last_actions) and "click" not in json.dumps(last_actions)
    assert history.is_done() and not history.is_successful()
    assert history.final_result() == SCRIPT_ENDED
    assert [e for e in history.errors() if e and "se cayó" in e]
