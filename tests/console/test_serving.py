"""How the app serves the console and the demo portal: content types, the console's CSP (its
own scripts only; the live view framable by this origin alone), nothing outside src/web, and
the demo portal off in production. The CFDI the demo issues is one our parser reads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from autofactura.core.cfdi.parse import parse_cfdi
from autofactura.core.config import Settings
from autofactura.demo_portal import demo_cfdi


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/web/main.js", "text/javascript"),
        ("/web/gql.js", "text/javascript"),
        ("/web/app.css", "text/css"),
    ],
)
def test_the_console_files_are_served(site: str, path: str, content_type: str) -> None:
    response = httpx.get(site + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_console_page_runs_only_its_own_scripts(site: str) -> None:
    csp = httpx.get(site + "/").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "frame-src 'self'" in csp


@pytest.mark.parametrize(
    "path", ["/web/../app.py", "/web/%2e%2e/app.py", "/web/nope.js", "/web/index.py"]
)
def test_nothing_else_is_served_under_web(site: str, path: str) -> None:
    assert httpx.get(site + path).status_code == 404


def test_the_live_view_may_be_framed_by_this_origin_only(site: str) -> None:
    # A refused token still answers with the headers the live page gets.
    response = httpx.get(site + "/live/00000000-0000-0000-0000-000000000000")
    assert response.headers["x-frame-options"] == "DENY"  # not HTML: nothing to frame
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_demo_portal_is_off_in_production() -> None:
    assert Settings(env="development").demo_portal_enabled
    assert not Settings(env="production").demo_portal_enabled
    assert Settings(env="production", demo_portal=True).demo_portal_enabled


def test_the_demo_cfdi_is_one_our_parser_reads() -> None:
    values = {
        "folio": "T-1",
        "rfc": "EKU9003173C9",
        "razon_social": 'ESCUELA "KEMPER" & URGATE',
        "codigo_postal": "26015",
        "regimen_fiscal": "601",
        "uso_cfdi": "G03",
    }
    uuid = "0C3A4F4E-1B2C-4D5E-8F90-123456789ABC"
    cfdi = parse_cfdi(demo_cfdi(values, uuid, Decimal("1234.50"), datetime(2026, 1, 2, 3, 4, 5)))
    assert (cfdi.uuid, cfdi.total, cfdi.receptor_rfc) == (uuid, Decimal("1234.50"), "EKU9003173C9")
    assert cfdi.receptor_name == 'ESCUELA "KEMPER" & URGATE'
    assert (cfdi.receptor_zip, cfdi.receptor_tax_system, cfdi.cfdi_use) == ("26015", "601", "G03")
