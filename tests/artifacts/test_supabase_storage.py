"""SupabaseStorage against a stand-in of Supabase Storage's object API, served for real on
127.0.0.1: the same requests storage3 sends to a real project."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autofactura.core.artifacts.storage import ArtifactMissing, InvalidKey, LocalStorage
from autofactura.core.artifacts.supabase_storage import StorageUnavailable, SupabaseStorage
from autofactura.core.config import Settings
from autofactura.core.services import Services, build_services
from tests.artifacts import add_artifact, new_task
from tests.support.api import Caller, make_settings
from tests.support.stand_ins import serve_asgi

SERVICE_KEY = "stand-in-service-role-key"
BUCKET = "artifacts"


@dataclasses.dataclass
class Stored:
    data: bytes
    content_type: str


class StandInStorage:
    """Supabase Storage's object endpoints as storage3 calls them: upload (POST, `x-upsert`),
    update (PUT), download (GET) and remove (DELETE on the bucket with `prefixes`)."""

    def __init__(self) -> None:
        self.url = ""
        self.reset()

    def reset(self) -> None:
        self.objects: dict[tuple[str, str], Stored] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_with: int | None = None
        self.missing_as_plain_404 = False

    def _refuse(self, request: Request, bucket: str) -> Response | None:
        self.requests.append((request.method, request.url.path))
        if self.fail_with is not None:
            return _error(self.fail_with, str(self.fail_with), "InternalError", "boom")
        auth = request.headers.get("authorization")
        if request.headers.get("apikey") != SERVICE_KEY or auth != f"Bearer {SERVICE_KEY}":
            return _error(400, "403", "Unauthorized", "invalid signature")
        if bucket != BUCKET:
            return _error(400, "404", "Bucket not found", "Bucket not found")
        return None

    async def write(self, request: Request) -> Response:
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        if (refused := self._refuse(request, bucket)) is not None:
            return refused
        upsert = request.method == "PUT" or request.headers.get("x-upsert") == "true"
        if (bucket, name) in self.objects and not upsert:
            return _error(400, "409", "Duplicate", "The resource already exists")
        if request.method == "PUT" and (bucket, name) not in self.objects:
            return _error(400, "404", "not_found", "Object not found")
        fields = _multipart(request.headers["content-type"], await request.body())
        data, content_type = fields["file"]
        self.objects[bucket, name] = Stored(data, content_type)
        return JSONResponse({"Id": f"id-{len(self.objects)}", "Key": f"{bucket}/{name}"})

    async def read(self, request: Request) -> Response:
        bucket, name = request.path_params["bucket"], request.path_params["name"]
        if (refused := self._refuse(request, bucket)) is not None:
            return refused
        stored = self.objects.get((bucket, name))
        if stored is None:
            if self.missing_as_plain_404:
                return Response("not found", 404, media_type="text/plain")
            # What Supabase sends for a missing object: 400 with statusCode "404".
            return _error(400, "404", "not_found", "Object not found")
        return Response(stored.data, media_type=stored.content_type)

    async def remove(self, request: Request) -> Response:
        bucket = request.path_params["bucket"]
        if (refused := self._refuse(request, bucket)) is not None:
            return refused
        prefixes = (await request.json())["prefixes"]
        removed = [
            {"name": name, "bucket_id": bucket}
            for name in prefixes
            if self.objects.pop((bucket, name), None) is not None
        ]
        return JSONResponse(removed)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/storage/v1/object/{bucket}/{name:path}", self.write, methods=["POST", "PUT"]
                ),
                Route("/storage/v1/object/{bucket}/{name:path}", self.read, methods=["GET"]),
                Route("/storage/v1/object/{bucket}", self.remove, methods=["DELETE"]),
            ]
        )


def _error(status: int, status_code: str, error: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status_code, "error": error, "message": message}, status)


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str]]:
    """multipart/form-data fields as (bytes, content type), exactly as sent."""
    media, _, params = content_type.partition(";")
    assert media.strip() == "multipart/form-data"
    boundary = params.strip().removeprefix("boundary=").strip('"').encode()
    fields: dict[str, tuple[bytes, str]] = {}
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(
            line.decode().split(": ", 1) for line in head.split(b"\r\n") if b": " in line
        )
        name = headers["Content-Disposition"].split('name="', 1)[1].split('"', 1)[0]
        fields[name] = (content.removesuffix(b"\r\n"), headers.get("Content-Type", ""))
    return fields


@pytest.fixture(scope="module")
def storage_server() -> Iterator[StandInStorage]:
    stand_in = StandInStorage()
    with serve_asgi(stand_in.app(), "stand-in Supabase Storage") as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture
def stand_in(storage_server: StandInStorage) -> StandInStorage:
    storage_server.reset()
    return storage_server


@pytest.fixture
async def storage(stand_in: StandInStorage) -> AsyncIterator[SupabaseStorage]:
    store = SupabaseStorage(stand_in.url, SERVICE_KEY, BUCKET)
    yield store
    await store.aclose()


KEY = "u1/t1/a1-factura.pdf"


async def test_round_trip_keeps_the_content_type(
    storage: SupabaseStorage, stand_in: StandInStorage
) -> None:
    data = b"%PDF-1.7\r\n\x00\xff binary\r\n--not-a-boundary\r\n"
    await storage.put(KEY, data, "application/pdf")
    assert stand_in.objects[BUCKET, KEY] == Stored(data, "application/pdf")
    assert await storage.get(KEY) == data
    # Saving again under the same key replaces the object (upsert).
    await storage.put(KEY, b"<xml/>", "application/xml")
    assert stand_in.objects[BUCKET, KEY] == Stored(b"<xml/>", "application/xml")
    assert await storage.get(KEY) == b"<xml/>"
    assert ("POST", f"/storage/v1/object/{BUCKET}/{KEY}") in stand_in.requests


@pytest.mark.parametrize("plain_404", [False, True])
async def test_missing_key_is_artifact_missing(
    storage: SupabaseStorage, stand_in: StandInStorage, plain_404: bool
) -> None:
    stand_in.missing_as_plain_404 = plain_404
    with pytest.raises(ArtifactMissing):
        await storage.get("u1/t1/nothing-here.xml")


async def test_delete_then_get_is_missing_and_delete_is_idempotent(
    storage: SupabaseStorage, stand_in: StandInStorage
) -> None:
    await storage.put(KEY, b"bytes", "application/pdf")
    await storage.delete(KEY)
    assert (BUCKET, KEY) not in stand_in.objects
    await storage.delete(KEY)
    with pytest.raises(ArtifactMissing):
        await storage.get(KEY)
    assert ("DELETE", f"/storage/v1/object/{BUCKET}") in stand_in.requests


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../x",
        "a/../../etc/passwd",
        "/etc/passwd",
        "a//b",
        "./a",
        "a/..",
        "a\\..\\b",
        "a/%2e%2e/b",
    ],
)
async def test_keys_that_could_escape_are_refused_before_any_request(
    storage: SupabaseStorage, stand_in: StandInStorage, key: str
) -> None:
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        await storage.get(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)
    assert stand_in.requests == []


async def test_server_errors_are_storage_unavailable(
    storage: SupabaseStorage, stand_in: StandInStorage
) -> None:
    stand_in.fail_with = 500
    with pytest.raises(StorageUnavailable, match=r"upload of 'u1/t1/a1-factura\.pdf'.*500"):
        await storage.put(KEY, b"x", "application/pdf")
    with pytest.raises(StorageUnavailable, match="download"):
        await storage.get(KEY)
    with pytest.raises(StorageUnavailable, match="remove"):
        await storage.delete(KEY)


async def test_a_wrong_key_is_refused_and_never_shown(stand_in: StandInStorage) -> None:
    store = SupabaseStorage(stand_in.url, "not-the-service-key", BUCKET)
    try:
        with pytest.raises(StorageUnavailable, match="Unauthorized") as refused:
            await store.put(KEY, b"x", "application/pdf")
    finally:
        await store.aclose()
    assert "not-the-service-key" not in str(refused.value)
    assert "not-the-service-key" not in repr(store)


async def test_unreachable_storage_is_storage_unavailable() -> None:
    with socket.socket() as sock:  # a loopback port where nothing listens
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    store = SupabaseStorage(dead_url, SERVICE_KEY, BUCKET)
    try:
        with pytest.raises(StorageUnavailable, match="ConnectError"):
            await store.get(KEY)
    finally:
        await store.aclose()


async def test_the_artifact_service_saves_into_the_bucket(
    services: Services, buyer: Caller, storage: SupabaseStorage, stand_in: StandInStorage
) -> None:
    task_id = await new_task(buyer)
    with_bucket = dataclasses.replace(services, storage=storage)
    artifact = await add_artifact(
        with_bucket, buyer, task_id, "xml", "F-1.xml", b"<cfdi/>", "application/xml"
    )
    assert stand_in.objects[BUCKET, artifact.storage_key] == Stored(b"<cfdi/>", "application/xml")
    assert await storage.get(artifact.storage_key) == b"<cfdi/>"


def test_settings_read_the_service_key_and_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "env-key")
    monkeypatch.setenv("AUTOFACTURA_SUPABASE_STORAGE_BUCKET", "invoices")
    settings = Settings()
    assert settings.supabase_service_key == "env-key"
    assert settings.supabase_storage_bucket == "invoices"
    monkeypatch.delenv("AUTOFACTURA_SUPABASE_STORAGE_BUCKET")
    assert Settings().supabase_storage_bucket == "artifacts"


@pytest.mark.parametrize("service_key", [SERVICE_KEY, None])
async def test_build_services_picks_supabase_storage_with_a_service_key(
    migrated: str,
    redis_url: str | None,
    data_dir: Path,
    encryption_keys: str,
    stand_in: StandInStorage,
    service_key: str | None,
) -> None:
    settings = make_settings(
        migrated,
        redis_url,
        data_dir,
        encryption_keys,
        supabase_url=stand_in.url,
        supabase_anon_key="anon",
        supabase_service_key=service_key,
        supabase_storage_bucket=BUCKET,
    )
    services = build_services(settings)
    try:
        if service_key is None:
            assert isinstance(services.storage, LocalStorage)
            return
        assert isinstance(services.storage, SupabaseStorage)
        await services.storage.put(KEY, b"via services", "text/plain")
        assert stand_in.objects[BUCKET, KEY] == Stored(b"via services", "text/plain")
        await services.storage.aclose()
    finally:
        await services.close()
