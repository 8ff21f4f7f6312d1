"""`autofactura run` as DESIGN.md specifies it: flags, exit codes, and the result JSON on
stdout's last line, in a process of its own with no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.portals.app import PortalServer
from tests.portals.buyer import PROFILE, ticket
from tests.support.workers import ROOT

KEYS = {
    "taskId",
    "status",
    "failureCode",
    "interventionReason",
    "message",
    "engine",
    "steps",
    "durationS",
    "invoice",
}


def _run(
    url: str, profile: dict[str, Any], out: Path, *, private: bool
) -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFACTURA_")}
    env.update(LOG_LEVEL="WARNING", AUTOFACTURA_ALLOW_PRIVATE_URLS="1" if private else "0")
    args = ["--vendor-url", url, "--ticket", json.dumps(ticket("CLI1")), "--out", str(out)]
    profile_file = out.parent / "profile.json"
    profile_file.write_text(json.dumps(profile))
    done = subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "autofactura", "run", *args, "--profile", f"@{profile_file}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    return done.returncode, json.loads(last)


def test_a_completed_run_exits_0_with_the_invoice_files(
    portals: PortalServer, tmp_path: Path
) -> None:
    code, result = _run(portals.url("clasico"), PROFILE, tmp_path / "out", private=True)
    assert set(result) == KEYS
    assert (code, result["status"], result["engine"]) == (0, "COMPLETED", "autofill")
    files = result["invoice"]["files"]
    assert {Path(f).suffix for f in files} == {".xml", ".pdf"}
    assert all(Path(f).is_absolute() and Path(f).exists() for f in files)
    assert result["invoice"]["receptorRfc"] == PROFILE["taxId"]


def test_a_bad_profile_exits_2_before_any_browser(portals: PortalServer, tmp_path: Path) -> None:
    profile = {**PROFILE, "taxSystem": "605"}  # a person's regime for a company's RFC
    code, result = _run(portals.url("clasico"), profile, tmp_path / "out", private=True)
    assert (code, result["status"], result["failureCode"]) == (2, "FAILED", "INVALID_PROFILE")
    assert "taxSystem" in result["message"] and result["invoice"] is None


def test_a_loopback_portal_is_refused_without_the_allowance(
    portals: PortalServer, tmp_path: Path
) -> None:
    code, result = _run(portals.url("clasico"), PROFILE, tmp_path / "out", private=False)
    assert (code, result["status"]) == (2, "FAILED")
    assert "público" in result["message"]
