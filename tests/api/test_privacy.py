"""Personal data is encrypted at rest: the raw RFC, name, zip and e-mail never reach the
database in clear, and rows written under an older key still open after a rotation."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from autofactura.core.privacy import Keyring, current_keyring, use_keyring
from autofactura.core.services import Services
from tests.support.api import Caller, create_profile

SECRET_NAME = "ZAPATERIA LA SIRENITA DEL GOLFO"
SECRET_EMAIL = "sirenita.golfo@example.com"


async def _raw_rows(services: Services) -> str:
    async with services.db.session() as session:
        if services.db.is_postgres:
            # Every column of every row as text, the way a dump would show it.
            rows = await session.execute(text("select fp::text from fiscal_profiles fp"))
        else:
            rows = await session.execute(text("select * from fiscal_profiles"))
        return "\n".join(str(tuple(row)) for row in rows)


def _sqlite_bytes(services: Services) -> bytes:
    path = Path(services.db.url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_clear_values_never_reach_the_database(buyer: Caller, services: Services) -> None:
    created = await create_profile(
        buyer,
        taxId="GODE561231GR8",
        taxSystem="612",
        legalName=SECRET_NAME,
        email=SECRET_EMAIL,
        zip="64000",
    )
    assert created["legalName"] == SECRET_NAME
    raw = await _raw_rows(services)
    for clear in ("GODE561231GR8", SECRET_NAME, SECRET_EMAIL):
        assert clear not in raw
    assert "v1.k2." in raw  # the newest configured key encrypts
    if not services.db.is_postgres:
        data = _sqlite_bytes(services)
        for clear in ("GODE561231GR8", SECRET_NAME, SECRET_EMAIL):
            assert clear.encode() not in data


async def test_rotation_keeps_old_rows_readable(
    buyer: Caller, services: Services, encryption_keys: str
) -> None:
    """A row sealed while k1 was the only key still opens now that k2 leads."""
    original = current_keyring()
    old_only = Keyring.from_setting(encryption_keys.split(",")[1])
    use_keyring(old_only)
    try:
        old = await create_profile(buyer, legalName="ESCRITO CON LLAVE VIEJA")
    finally:
        use_keyring(original)
    listed = (await buyer("{ fiscalProfiles { id legalName } }"))["fiscalProfiles"]
    assert {"id": old["id"], "legalName": "ESCRITO CON LLAVE VIEJA"} in listed
    raw = await _raw_rows(services)
    assert "v1.k1." in raw


def test_keyring_round_trip_and_tamper() -> None:
    ring = Keyring([("a1", os.urandom(32))])
    sealed = ring.encrypt("GODE561231GR8", context="fiscal_profiles.tax_id")
    assert ring.decrypt(sealed, context="fiscal_profiles.tax_id") == "GODE561231GR8"
    assert sealed != ring.encrypt("GODE561231GR8", context="fiscal_profiles.tax_id")
    for bad_context, bad_token in (
        ("fiscal_profiles.zip", sealed),
        ("fiscal_profiles.tax_id", sealed[:-4] + "AAAA"),
    ):
        try:
            ring.decrypt(bad_token, context=bad_context)
        except Exception as exc:  # noqa: BLE001
            assert type(exc).__name__ == "KeyringError"
        else:
            raise AssertionError("a moved or altered value must not open")
