"""The `autofactura` command: settings errors in one line, the schema file in sync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autofactura.core.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTOFACTURA_", "DATABASE_", "REDIS_", "SUPABASE_"))
    }
    return subprocess.run(  # noqa: S603 — our own interpreter and module, fixed arguments
        [sys.executable, "-m", "autofactura", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_schema_file_matches_the_code() -> None:
    result = _run("export-schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL"),
        ("REDIS_URL", "http://redis", "REDIS_URL"),
        ("AUTOFACTURA_PORT", "eighty", "AUTOFACTURA_PORT"),
        ("SUPABASE_JWT_ALGORITHMS", "none", "SUPABASE_JWT_ALGORITHMS"),
        ("AUTOFACTURA_RATE_LIMIT_LOGIN", "lots", "AUTOFACTURA_RATE_LIMIT_LOGIN"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
    ],
)
def test_a_bad_setting_stops_with_one_clear_line(variable: str, value: str, named: str) -> None:
    result = _run("migrate", **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"autofactura: invalid setting {named}:")


def test_a_bad_encryption_key_stops_start_up(tmp_path: Path) -> None:
    result = _run("migrate", AUTOFACTURA_DATA_DIR=str(tmp_path), ENCRYPTION_KEYS="k1:c2hvcnQ=")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "autofactura: invalid setting ENCRYPTION_KEYS: key 'k1' must be 32 bytes (AES-256)"
    ]


def test_embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AUTOFACTURA_", "DATABASE_", "REDIS_", "SUPABASE_")):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.database_url is None and settings.redis_url is None
    assert not settings.distributed_database and not settings.supabase_auth
    assert settings.database_path == Path("var") / "autofactura.db"


def test_prefixed_names_work_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOFACTURA_DATABASE_URL", "postgresql://u@h/db")
    assert load_settings().database_url == "postgresql://u@h/db"
    assert isinstance(load_settings(), Settings)
    monkeypatch.setenv("AUTOFACTURA_ENV", "staging")
    with pytest.raises(SettingsError, match="AUTOFACTURA_ENV"):
        load_settings()
