"""The buyer's controls on a live task, over real HTTP against running workers: pause,
resume, cancel, retry; the illegal moves and their errors; and interventions (a CAPTCHA
resumed by the buyer, and one nobody resumes, which times out)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from autofactura.core.services import Services
from autofactura.schema.ids import encode
from tests.pipeline.conftest import INTERVENTION_TIMEOUT_SECONDS, Pipeline
from tests.pipeline.helpers import (
    CONTROLS,
    FINAL,
    Buyer,
    assert_gap_free,
    create_pending_task,
    register,
    statuses,
    steps,
)

QUIET_SECONDS = 1.5


def status_event(log: list[dict[str, Any]], status: str, attempt: int = 1) -> dict[str, Any]:
    """The (last) status event that set `status` in `attempt`."""
    found = [
        e
        for e in log
        if e["type"] == "STATUS" and e["status"] == status and e["payload"]["attempt"] == attempt
    ]
    assert found, (status, attempt, log)
    return found[-1]


def after(log: list[dict[str, Any]], seq: int) -> list[dict[str, Any]]:
    return [e for e in log if e["seq"] > seq]


def step_numbers(events: list[dict[str, Any]]) -> list[int]:
    return [e["payload"]["number"] for e in steps(events) if "number" in e["payload"]]


def assert_stopped_after(log: list[dict[str, Any]], seq: int) -> None:
    """Nothing after event `seq`: not even a step the engine was writing at that moment
    (test_no_step_is_recorded_after_a_cancel pins that race down deterministically)."""
    assert after(log, seq) == [], "the engine went on"


async def test_pause_resume_cancel_then_retry(pipeline: Pipeline, buyer: Buyer) -> None:
    task_id = await buyer.create_task("STEPS-40-100")
    await buyer.wait_for_events(task_id, lambda log: len(steps(log)) >= 3)

    paused = await buyer.api.control("pauseTask", task_id)
    assert (paused["__typename"], paused["status"]) == ("Task", "PAUSED")
    await asyncio.sleep(QUIET_SECONDS)  # the engine stops at its next step and waits
    log = await buyer.events(task_id)
    paused_at = status_event(log, "PAUSED")
    assert paused_at["message"] == "Pausada por ti."
    assert_stopped_after(log, paused_at["seq"])
    assert (await buyer.state(task_id))["status"] == "PAUSED"

    resumed = await buyer.api.control("resumeTask", task_id)
    assert (resumed["__typename"], resumed["status"]) == ("Task", "RUNNING")
    resumed_at = status_event(await buyer.events(task_id), "RUNNING")
    assert resumed_at["seq"] > paused_at["seq"]
    log = await buyer.wait_for_events(
        task_id, lambda log: len(steps(after(log, resumed_at["seq"]))) >= 2
    )
    # The engine picks up where it stopped: the step numbers go on, none is repeated.
    numbers = step_numbers(log)
    assert numbers == list(range(1, len(numbers) + 1))

    cancelled = await buyer.api.control("cancelTask", task_id)
    assert (cancelled["__typename"], cancelled["status"]) == ("Task", "CANCELLED")
    await asyncio.sleep(QUIET_SECONDS)
    log = await buyer.events(task_id)
    cancelled_at = status_event(log, "CANCELLED")
    assert_stopped_after(log, cancelled_at["seq"])
    state = await buyer.state(task_id)
    assert (state["status"], state["failureCode"], state["attempt"]) == ("CANCELLED", None, 1)
    assert statuses(log) == ["PENDING", "RUNNING", "PAUSED", "RUNNING", "CANCELLED"]

    retried = await buyer.api.control("retryTask", task_id)
    assert retried["__typename"] == "Task", retried
    assert (retried["status"], retried["attempt"]) == ("PENDING", 2)
    log = await buyer.wait_for_events(
        task_id, lambda log: len(steps(after(log, status_event(log, "PENDING", 2)["seq"]))) >= 3
    )
    second = after(log, status_event(log, "PENDING", 2)["seq"] - 1)
    assert [(e["status"], e["payload"]["attempt"]) for e in second[:2]] == [
        ("PENDING", 2),
        ("RUNNING", 2),
    ]
    assert second[2]["message"] == "Probando el motor scripted."
    assert step_numbers(second) == list(range(1, len(step_numbers(second)) + 1))
    await buyer.api.control("cancelTask", task_id)
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log)[-1] == "CANCELLED"


async def test_retry_right_after_cancel_runs_one_engine(pipeline: Pipeline, buyer: Buyer) -> None:
    """The cancelled attempt's engine, asleep in its step when attempt 2 starts, must not
    wake up and go on beside it (it would see RUNNING again, but of another attempt)."""
    # Slow steps: the cancelled engine is asleep in its step while attempt 2 starts.
    task_id = await buyer.create_task("STEPS-4-2000")
    await buyer.wait_for_events(task_id, lambda log: len(step_numbers(log)) >= 1)
    await buyer.api.control("cancelTask", task_id)
    retried = await buyer.api.control("retryTask", task_id)
    assert (retried["status"], retried["attempt"]) == ("PENDING", 2)
    try:

        def second_attempt_stepped(log: list[dict[str, Any]]) -> bool:
            running = [e for e in log if e["status"] == "RUNNING" and e["payload"]["attempt"] == 2]
            return bool(running) and bool(step_numbers(after(log, running[0]["seq"])))

        log = await buyer.wait_for_events(task_id, second_attempt_stepped, within=20)
        cancelled_at = status_event(log, "CANCELLED")
        assert step_numbers(after(log, cancelled_at["seq"])) == [1], log
    finally:
        await buyer.finish(task_id)  # a stray engine stops at its next step


# --- Illegal moves -------------------------------------------------------------------------

VERB = {"pauseTask": "pausar", "resumeTask": "reanudar", "cancelTask": "cancelar"}
VERB["retryTask"] = "reintentar"
STATE = {
    "PENDING": "en espera",
    "RUNNING": "en proceso",
    "FAILED": "fallida",
    "COMPLETED": "terminada",
}


async def assert_illegal(buyer: Buyer, task_id: str, mutation: str, current: str) -> None:
    result = await buyer.api.control(mutation, task_id)
    assert result == {
        "__typename": "InvalidTransitionError",
        "code": "ILLEGAL_TRANSITION",
        "message": f"No se puede {VERB[mutation]} una tarea {STATE[current]}.",
        "field": "id",
        "currentStatus": current,
    }, (mutation, current)
    assert (await buyer.state(task_id))["status"] == current


async def test_illegal_moves_on_a_pending_task(buyer: Buyer, services: Services) -> None:
    task_id = encode("Task", await create_pending_task(services, buyer, "STEPS-1-10"))
    for mutation in ("pauseTask", "resumeTask", "retryTask"):
        await assert_illegal(buyer, task_id, mutation, "PENDING")
    # Cancelling a task nobody started is fine.
    assert (await buyer.api.control("cancelTask", task_id))["status"] == "CANCELLED"


async def test_illegal_moves_on_a_failed_task(buyer: Buyer) -> None:
    task_id = await buyer.create_task("GIVE-UP-1")
    await buyer.wait_for_status(task_id, FINAL)
    for mutation in ("pauseTask", "resumeTask", "cancelTask"):
        await assert_illegal(buyer, task_id, mutation, "FAILED")


async def test_illegal_moves_on_a_running_task(buyer: Buyer) -> None:
    task_id = await buyer.create_task("STEPS-40-100")
    try:
        await buyer.wait_for_events(task_id, lambda log: len(steps(log)) >= 2)
        for mutation in ("resumeTask", "retryTask"):
            await assert_illegal(buyer, task_id, mutation, "RUNNING")
    finally:
        await buyer.finish(task_id)


async def test_illegal_moves_on_a_completed_task(buyer: Buyer) -> None:
    task_id = await buyer.create_task("DONE-1")
    state = await buyer.wait_for_status(task_id, FINAL)
    assert (state["status"], state["engine"]) == ("COMPLETED", "scripted")
    for mutation in CONTROLS:
        await assert_illegal(buyer, task_id, mutation, "COMPLETED")


async def test_another_users_task_is_not_found(pipeline: Pipeline, buyer: Buyer) -> None:
    other = await register(pipeline.url)
    task_id = await other.create_task("STEPS-2-100")
    try:
        for mutation in CONTROLS:
            for target in (task_id, "garbage", encode("Task", uuid.uuid4())):
                result = await buyer.api.control(mutation, target)
                assert result == {
                    "__typename": "NotFoundError",
                    "code": "NOT_FOUND",
                    "message": "No encontramos esa tarea.",
                    "field": "id",
                }, (mutation, target)
        assert (await other.state(task_id))["status"] in {"PENDING", "RUNNING", "FAILED"}
    finally:
        await other.wait_for_status(task_id, FINAL)
    # Untouched by the stranger's attempts: it ran to its own end.
    assert (await other.state(task_id))["failureCode"] == "UNSUPPORTED_PORTAL"


# --- Interventions -------------------------------------------------------------------------


async def test_captcha_resumed_by_the_buyer_runs_to_its_end(buyer: Buyer) -> None:
    task_id = await buyer.create_task("CAPTCHA-1")
    state = await buyer.wait_for_status(task_id, {"INTERVENTION_NEEDED", *FINAL})
    assert (state["status"], state["interventionReason"]) == ("INTERVENTION_NEEDED", "CAPTCHA")
    asked = status_event(await buyer.events(task_id), "INTERVENTION_NEEDED")
    assert asked["payload"]["interventionReason"] == "CAPTCHA"
    assert asked["message"] == "Resuelve el CAPTCHA."

    resumed = await buyer.api.control("resumeTask", task_id)
    assert (resumed["__typename"], resumed["status"]) == ("Task", "RUNNING")
    assert resumed["interventionReason"] is None
    state = await buyer.wait_for_status(task_id, FINAL)
    assert (state["status"], state["failureCode"]) == ("FAILED", "UNSUPPORTED_PORTAL")
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "INTERVENTION_NEEDED", "RUNNING", "FAILED"]
    after_resume = after(log, status_event(log, "RUNNING")["seq"])
    assert [e["message"] for e in steps(after_resume)] == ["Continuar tras el CAPTCHA"]


async def test_cancel_while_waiting_for_the_buyer(buyer: Buyer) -> None:
    task_id = await buyer.create_task("CAPTCHA-3")
    await buyer.wait_for_status(task_id, {"INTERVENTION_NEEDED", *FINAL})
    cancelled = await buyer.api.control("cancelTask", task_id)
    assert (cancelled["__typename"], cancelled["status"]) == ("Task", "CANCELLED")
    assert cancelled["interventionReason"] is None
    await asyncio.sleep(QUIET_SECONDS)  # the waiting engine notices and gives up quietly
    log = await buyer.events(task_id)
    assert statuses(log) == ["PENDING", "RUNNING", "INTERVENTION_NEEDED", "CANCELLED"]
    assert_stopped_after(log, status_event(log, "CANCELLED")["seq"])
    assert (await buyer.state(task_id))["status"] == "CANCELLED"


@pytest.fixture(scope="module", autouse=True)
async def unattended(pipeline: Pipeline) -> tuple[Buyer, str]:
    """A CAPTCHA task nobody resumes, started with the module so its bounded wait runs
    while the other tests do."""
    buyer = await register(pipeline.url)
    return buyer, await buyer.create_task("CAPTCHA-2")


async def test_unattended_intervention_times_out(unattended: tuple[Buyer, str]) -> None:
    buyer, task_id = unattended
    state = await buyer.wait_for_status(task_id, FINAL, within=INTERVENTION_TIMEOUT_SECONDS + 20)
    assert (state["status"], state["failureCode"]) == ("FAILED", "TIMEOUT")
    assert state["interventionReason"] is None
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "INTERVENTION_NEEDED", "FAILED"]
    assert log[-1]["payload"]["failureCode"] == "TIMEOUT"
    assert "Continuar tras el CAPTCHA" not in [e["message"] for e in steps(log)]


async def test_timeout_reason_names_the_real_wait(unattended: tuple[Buyer, str]) -> None:
    buyer, task_id = unattended
    state = await buyer.wait_for_status(task_id, FINAL, within=INTERVENTION_TIMEOUT_SECONDS + 20)
    # It names the wait it really gave (5 s here), not "1 minutos".
    assert state["failureReason"] == (
        f"Nadie retomó la tarea en {INTERVENTION_TIMEOUT_SECONDS} segundos; la dimos por terminada."
    )
