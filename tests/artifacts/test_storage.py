"""LocalStorage, the artifact service and signed links, without HTTP."""

from __future__ import annotations

import hashlib
import os
import stat
import time
import uuid
from pathlib import Path

import pytest

from autofactura.core.artifacts import links
from autofactura.core.artifacts.service import clean_name, key_name
from autofactura.core.artifacts.storage import ArtifactMissing, InvalidKey, LocalStorage
from autofactura.core.services import Services
from tests.artifacts import add_artifact, new_task, task_uuid
from tests.support.api import Caller


async def test_round_trip_and_delete(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put("u/t/a-shot.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert await storage.get("u/t/a-shot.jpg") == b"\xff\xd8jpeg"
    path = tmp_path / "u" / "t" / "a-shot.jpg"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await storage.put("u/t/a-shot.jpg", b"second", "image/jpeg")
    assert await storage.get("u/t/a-shot.jpg") == b"second"
    await storage.delete("u/t/a-shot.jpg")
    await storage.delete("u/t/a-shot.jpg")  # idempotent
    with pytest.raises(ArtifactMissing):
        await storage.get("u/t/a-shot.jpg")


@pytest.mark.parametrize(
    "key", ["", "../x", "a/../../etc/passwd", "/etc/passwd", "a//b", "./a", "a/..", "a\\..\\b"]
)
async def test_keys_that_could_escape_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        await storage.get(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)
    assert not (tmp_path / "x").exists()


async def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put("k/file.xml", b"old", "application/xml")

    def broken_replace(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        await storage.put("k/file.xml", b"new", "application/xml")
    monkeypatch.undo()
    assert await storage.get("k/file.xml") == b"old"
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["file.xml"]


def test_names_are_cleaned() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\dir\\factura.pdf") == "factura.pdf"
    assert clean_name("a\x00b\nc.xml") == "abc.xml"
    assert clean_name("") == "archivo"
    assert len(clean_name("x" * 1000)) == 255
    assert key_name("Factura Año 2024 (1).pdf") == "Factura_Ano_2024_1_.pdf"
    assert key_name("..") == "file"


async def test_save_computes_hash_size_and_key(services: Services, buyer: Caller) -> None:
    task_id = await new_task(buyer)
    data = b"<cfdi:Comprobante/>"
    artifact = await add_artifact(
        services, buyer, task_id, "xml", "../F-1 ñ.xml", data, "Application/XML"
    )
    assert artifact.size == len(data)
    assert artifact.sha256 == hashlib.sha256(data).hexdigest()
    assert artifact.name == "F-1 ñ.xml"
    assert artifact.content_type == "application/xml"
    assert artifact.storage_key == f"{buyer.user_id}/{task_uuid(task_id)}/{artifact.id}-F-1_n.xml"
    assert await services.storage.get(artifact.storage_key) == data


async def test_save_refuses_unknown_kinds(services: Services, buyer: Caller) -> None:
    task_id = await new_task(buyer)
    with pytest.raises(ValueError, match="kind"):
        await add_artifact(services, buyer, task_id, "video", "a.mp4", b"", "video/mp4")


def test_links_sign_and_verify() -> None:
    secret = links.derive_secret(os.urandom(32))
    artifact, user, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    expires = int(time.time()) + 60
    signature = links.sign(secret, artifact, user, expires)
    assert links.verify(secret, artifact, user, expires, signature)
    assert not links.verify(secret, artifact, other, expires, signature)
    assert not links.verify(secret, uuid.uuid4(), user, expires, signature)
    assert not links.verify(secret, artifact, user, expires + 1, signature)
    tampered = signature[:-1] + ("B" if signature.endswith("A") else "A")  # always different
    assert not links.verify(secret, artifact, user, expires, tampered)
    assert not links.verify(secret, artifact, user, expires, signature, now=expires)
    assert not links.verify(links.derive_secret(os.urandom(32)), artifact, user, expires, signature)
    path = links.signed_path(secret, artifact, user, now=1000)
    assert path.startswith(f"/artifacts/{artifact}?u={user}&e={1000 + links.LINK_TTL_SECONDS}&s=")
