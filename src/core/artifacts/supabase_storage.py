"""Artifact bytes in a private Supabase Storage bucket, through storage3's async client.

The service-role key is sent to `<SUPABASE_URL>/storage/v1` only: the bucket stays private,
nobody gets a Supabase URL for an object, and downloads go through our signed `/artifacts`
route, which calls `get()`. Redirects are not followed, so the key never goes to another
host. The content type is stored with the object (and is also kept in the database row).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from storage3 import AsyncStorageClient
from storage3._async.file_api import AsyncBucketProxy
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException

from autofactura.core.artifacts.storage import ArtifactMissing, InvalidKey, check_key

T = TypeVar("T")

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Supabase answers a missing object with 404, or with 400 and `"statusCode": "404"`
# (older storage-api versions); `error` is then "not_found" or "NoSuchKey".
_MISSING_CODES = {"not_found", "nosuchkey"}


class StorageUnavailable(Exception):
    """Supabase Storage refused or failed an operation (other than "no such object")."""


class SupabaseStorage:
    """`ArtifactStorage` over Supabase Storage's REST API, one bucket, service-role key."""

    def __init__(self, supabase_url: str, service_key: str, bucket: str) -> None:
        if not supabase_url.startswith(("http://", "https://")):
            raise ValueError("supabase_url must be an http(s) URL")
        if not service_key:
            raise ValueError("a Supabase service role key is required")
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise ValueError(f"invalid bucket name: {bucket!r}")
        self.url = f"{supabase_url.rstrip('/')}/storage/v1/"
        self.bucket = bucket
        self._headers = {"apikey": service_key, "Authorization": f"Bearer {service_key}"}
        self._http: httpx.AsyncClient | None = None
        self._client: AsyncStorageClient | None = None

    def __repr__(self) -> str:  # never the key
        return f"SupabaseStorage({self.url!r}, bucket={self.bucket!r})"

    def _files(self) -> AsyncBucketProxy:
        # Made on first use, so the connection pool belongs to the loop that uses it.
        if self._client is None:
            self._http = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
            self._client = AsyncStorageClient(self.url, self._headers, http_client=self._http)
        return self._client.from_(self.bucket)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._http = self._client = None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = object_key(key)
        files = self._files()
        await self._call(
            "upload",
            key,
            lambda: files.upload(
                path, data, file_options={"content-type": content_type, "upsert": "true"}
            ),
        )

    async def get(self, key: str) -> bytes:
        path = object_key(key)
        files = self._files()
        return await self._call("download", key, lambda: files.download(path))

    async def delete(self, key: str) -> None:
        """Idempotent: removing a missing object succeeds (Supabase answers `[]`)."""
        path = object_key(key)
        files = self._files()
        await self._call("remove", key, lambda: files.remove([path]))

    async def _call(self, action: str, key: str, request: Callable[[], Awaitable[T]]) -> T:
        try:
            return await request()
        except StorageApiError as exc:
            if _is_missing(exc):
                raise ArtifactMissing(key) from None
            raise StorageUnavailable(
                f"Supabase Storage {action} of {key!r} in bucket {self.bucket!r} failed: "
                f"{exc.status} {exc.code}: {exc.message}"
            ) from exc
        except (StorageException, httpx.HTTPError) as exc:
            raise StorageUnavailable(
                f"Supabase Storage {action} of {key!r} in bucket {self.bucket!r} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc


def object_key(key: str) -> str:
    """The key as LocalStorage checks it; `%` is refused too, since storage3 percent-decodes
    paths (`a%2Fb` would name another object than the key says)."""
    check_key(key)
    if "%" in key:
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def _is_missing(exc: StorageApiError) -> bool:
    return str(exc.status) == "404" or str(exc.code).lower() in _MISSING_CODES
