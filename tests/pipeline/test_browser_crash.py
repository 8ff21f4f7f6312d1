"""A browser that dies under the engine is the worker's problem, not the buyer's: the task
is taken over by a fresh run with a fresh browser, a bounded number of times."""

from __future__ import annotations

from tests.pipeline.conftest import Pipeline
from tests.pipeline.helpers import FINAL, Buyer, assert_gap_free, statuses, steps


async def test_a_crashed_browser_is_retried_with_a_new_one(
    pipeline: Pipeline, buyer: Buyer
) -> None:
    task_id = await buyer.create_task("CRASH-1")
    state = await buyer.wait_for_status(task_id, FINAL, within=60)
    assert state["status"] == "COMPLETED", state
    log = await buyer.events(task_id)
    assert_gap_free(log)
    assert statuses(log) == ["PENDING", "RUNNING", "COMPLETED"]
    actions = [e["payload"]["action"] for e in steps(log)]
    assert actions.count("resume") == 1, actions  # the second worker said it took over
    assert [e for e in log if e["type"] == "LIVE_URL"], "the first run had a browser"


async def test_a_portal_that_always_crashes_the_browser_fails_after_the_bound(
    pipeline: Pipeline, buyer: Buyer
) -> None:
    task_id = await buyer.create_task("CRASH-99")
    state = await buyer.wait_for_status(task_id, FINAL, within=90)
    assert state["status"] == "FAILED"
    assert state["failureCode"] == "INTERNAL"
    claims = pipeline.settings.max_task_claims
    assert f"se detuvo {claims} veces" in state["failureReason"]
    log = await buyer.events(task_id)
    assert_gap_free(log)
    actions = [e["payload"]["action"] for e in steps(log)]
    assert actions.count("resume") == claims - 1, actions
    assert len([e for e in log if e["type"] == "LIVE_URL"]) == claims  # one browser per run
