"""The task's browser stays on the vendor's site during a real run (autofill, real Chromium;
browser_run.py): a portal page that sends the top-level page elsewhere (by script or by a
redirect of its own) or opens a pop-up there never gets the browser to the other host; an
iframe from another host still loads (invoicing providers embed their forms)."""

from __future__ import annotations

import pytest

from tests.security.browser_run import BrowserRuns


def test_script_navigation_and_popups_never_leave(browser_runs: BrowserRuns) -> None:
    elsewhere = browser_runs.elsewhere
    assert {"/beacon", "/frame"} <= set(elsewhere.paths())  # subresources and frames load
    assert {"/tried", "/go"} <= set(browser_runs.vendor.paths())  # both ways out were tried
    assert [p for p in elsewhere.paths() if p in ("/steal", "/popup")] == []
    assert not any(method == "POST" for method, _ in elsewhere.hits)  # no form went there
    for state in (browser_runs.leaving, browser_runs.redirected):
        assert state["failureCode"] == "UNSUPPORTED_PORTAL", state


@pytest.mark.xfail(
    strict=True,
    reason="known gap: Playwright's route() does not see the hops of a redirect, so the "
    "vendor's own 302 to another host is followed (nothing is typed there: see below)",
)
def test_a_vendor_redirect_to_another_host_is_not_followed(browser_runs: BrowserRuns) -> None:
    assert "/redirected" not in browser_runs.elsewhere.paths()


def test_nothing_is_typed_into_a_page_on_another_host(browser_runs: BrowserRuns) -> None:
    """Whatever got the browser there (the redirect above), the engine types none of the
    buyer's data into another host's page: its scripts could read it."""
    assert "/typed" not in browser_runs.elsewhere.paths()
