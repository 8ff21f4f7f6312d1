"""No clear-text buyer data in anything a completed real run writes or sends (browser_run.py:
the app's demo portal, autofill, a real Chromium; distributed: `autofactura worker` at DEBUG):

- output and logs: every byte written to stdout/stderr by this process and its children (the
  in-process API server and, embedded, the worker; Chromium; distributed, the worker process
  with its JSON logs at DEBUG), every log record of this process at DEBUG through the app's
  JSON formatter, uvicorn's access and error lines at DEBUG;
- every taskEvents message the buyer's WebSocket received for the run (replay and live);
- every webhook body the buyer's endpoint received.

The values: the RFC, the RFC without its homoclave, the legal name, the profile's and the
account's e-mail; in any case, and URL-encoded (a logged query string or form body).

Not the zip: five digits that a whole neighbourhood shares (nobody's on their own), and that
a port, a byte count or a timestamp can spell by chance, so a hit would say nothing. Not the
stored artifacts (the CFDI XML, the screenshots, the final page): they are the buyer's own
invoice and pages, served to them alone."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from tests.security.browser_run import LEGAL_NAME, PROFILE_EMAIL, RFC, BrowserRuns

SOURCES = ["output and logs", "taskEvents", "webhooks"]


def clear_values(account_email: str) -> set[str]:
    values = [RFC, RFC[:-3], LEGAL_NAME, PROFILE_EMAIL, account_email]
    return {form for value in values for form in (value, quote(value), quote_plus(value))}


def shown(text: str, account_email: str) -> list[str]:
    folded = text.casefold()
    return sorted(v for v in clear_values(account_email) if v.casefold() in folded)


def _source(runs: BrowserRuns, name: str) -> str:
    return {
        "output and logs": runs.written,
        "taskEvents": json.dumps(runs.events, ensure_ascii=False),
        "webhooks": b"\n".join(runs.deliveries).decode("utf-8"),
    }[name]


def _lines(written: str) -> list[dict[str, Any]]:
    lines = []
    for line in written.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue  # Chromium's, uvicorn's: text
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines


def test_the_run_completed_and_everything_of_it_was_captured(browser_runs: BrowserRuns) -> None:
    """The scan below reads the real thing: the buyer's data went through the whole run."""
    runs = browser_runs
    assert runs.demo["status"] == "COMPLETED", (runs.demo, [e["message"] for e in runs.events])
    assert runs.events[-1]["status"] == "COMPLETED", runs.events[-1]
    typed = {e["payload"].get("field") for e in runs.events if e["type"] == "STEP"}
    assert {"taxId", "legalName"} <= typed, typed
    # Lines written while the task ran (distributed: only the worker process runs it).
    mine = [line for line in _lines(runs.written) if line.get("task_id") == str(runs.demo_id)]
    assert any(line["message"].startswith("task run started") for line in mine), mine
    assert any(line["level"] == "DEBUG" for line in _lines(runs.written))
    delivered = [json.loads(body) for body in runs.deliveries]
    assert [(d["event"], d["task"]["status"]) for d in delivered] == [
        ("task.completed", "COMPLETED")
    ]


@pytest.mark.parametrize("source", SOURCES)
def test_nothing_written_or_sent_shows_the_buyer(browser_runs: BrowserRuns, source: str) -> None:
    assert shown(_source(browser_runs, source), browser_runs.account_email) == []
